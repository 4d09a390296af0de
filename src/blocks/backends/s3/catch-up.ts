// Catching up with the bucket while the store is open: other nodes write packs and tombstones
// and compact packs away after this node's index was synced. A caller that missed (a chunk not
// in the index, a pack gone from the bucket) asks for a sync that starts after its miss and
// looks again. One sync at a time; callers arriving while one runs share the next one, so a
// burst of misses costs one listing. Syncs start at most every `minIntervalMs`, and never more
// often than every four times the last one took (a big bucket's listing is seconds: a storm of
// misses for chunks that are really gone must not keep the bucket busy listing).
import { setTimeout as sleep } from 'node:timers/promises';

export class CatchUp {
  #running: Promise<void> | undefined;
  #next: Promise<void> | undefined;
  #lastStart = -Infinity;
  #lastMs = 0;
  #syncs = 0;

  constructor(
    private readonly sync: () => Promise<void>,
    private readonly minIntervalMs = 100,
  ) {}

  /** syncs started so far */
  get syncs(): number {
    return this.#syncs;
  }

  /** Resolves once a sync that started after this call has finished (rejects with its failure). */
  request(): Promise<void> {
    this.#next ??= this.#schedule();
    return this.#next;
  }

  async #schedule(): Promise<void> {
    await this.#running?.catch(() => undefined);
    const wait = this.#lastStart + Math.max(this.minIntervalMs, 4 * this.#lastMs) - performance.now();
    if (wait > 0) await sleep(wait);
    // from here on, new callers need the sync after this one
    this.#next = undefined;
    this.#lastStart = performance.now();
    this.#syncs++;
    const run = this.sync();
    this.#running = run;
    try {
      await run;
    } finally {
      this.#lastMs = performance.now() - this.#lastStart;
      if (this.#running === run) this.#running = undefined;
    }
  }
}
