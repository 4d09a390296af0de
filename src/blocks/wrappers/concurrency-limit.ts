// At most `limit` operations at once on the wrapped store (puts, touches, gets, hasMany and
// deletes; the others pass): a remote backend gets a bounded number of requests however many
// callers fan out (GetSnapshotBlock, NBD read-ahead, fsck), the rest wait in order. Put it
// inside the retry wrapper, so a call backing off does not hold a slot.
import type { ChunkStore } from '../chunk-store.js';
import { ForwardingChunkStore, type Operation } from './forwarding.js';
import { Semaphore } from './semaphore.js';

const LIMITED = new Set<Operation>(['put', 'touch', 'get', 'hasMany', 'delete']);

export class ConcurrencyLimitedChunkStore extends ForwardingChunkStore {
  readonly #slots: Semaphore;

  constructor(inner: ChunkStore, limit: number) {
    super(inner);
    this.#slots = new Semaphore(limit);
  }

  /** operations running / waiting now */
  get load(): { active: number; waiting: number } {
    return { active: this.#slots.active, waiting: this.#slots.waiting };
  }

  protected override call<T>(op: Operation, fn: () => Promise<T>): Promise<T> {
    return LIMITED.has(op) ? this.#slots.run(fn) : fn();
  }
}
