// Group commit for uploaded blocks. A PutSnapshotBlock may answer only once its block is durable
// and in the snapshot's map; committing each alone costs a chunk-store flush (fsync) and a
// metadata transaction (fsync) per block. Requests queue their entry here instead: one round
// flushes the chunk store (data first) and then writes every queued entry, one transaction per
// map, and answers them all. Requests arriving meanwhile form the next round.
//
// With `--durability normal` (survive process crashes, not power loss) rounds do not flush: a
// chunk written to its pack is in the page cache and re-indexed by the store's recovery after a
// crash, so an entry never names lost data; CompleteSnapshot flushes before sealing.
import type { BlockStorage } from '../../blocks/block-storage.js';
import type { MapEntry } from '../../store/repos/block-maps.js';

interface Waiter {
  mapId: string;
  entry: MapEntry;
  resolve: () => void;
  reject: (e: unknown) => void;
}

/** How long a round waits for writes already being stored to join it. */
const GATHER_MS = 5;

export class EntryCommitter {
  private queue: Waiter[] = [];
  private running = false;
  /** writes storing their chunk, whose entry will come */
  private storing = 0;
  private gathered?: () => void;

  constructor(
    private readonly blocks: BlockStorage,
    private readonly flushEachRound = true,
  ) {}

  /**
   * Stores a block (`store` gives its chunk id, null for zeros) and resolves once its data is
   * flushed and its entry committed. A round about to start waits (briefly) for writes still
   * storing, so concurrent uploads share rounds even when their bodies arrive staggered.
   */
  async write(mapId: string, index: number, store: () => Promise<string | null>): Promise<void> {
    this.storing++;
    let chunk: string | null;
    try {
      chunk = await store();
    } finally {
      this.storing--;
      if (this.storing === 0) this.gathered?.();
    }
    await this.commit(mapId, [index, chunk]);
  }

  /** Resolves once the entry's data is flushed and the entry committed. */
  commit(mapId: string, entry: MapEntry): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queue.push({ mapId, entry, resolve, reject });
      if (!this.running) void this.run();
    });
  }

  private gather(): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, GATHER_MS);
      const self = this;
      function done() {
        clearTimeout(timer);
        self.gathered = undefined;
        resolve();
      }
      this.gathered = done;
    });
  }

  private async run(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0) {
      if (this.storing > 0) await this.gather();
      const round = this.queue;
      this.queue = [];
      try {
        if (this.flushEachRound) await this.blocks.flush();
        // the last write of an index in a round wins, as it would committed one by one
        const byMap = new Map<string, Map<number, string | null>>();
        for (const w of round) {
          let entries = byMap.get(w.mapId);
          if (!entries) byMap.set(w.mapId, (entries = new Map()));
          entries.set(w.entry[0], w.entry[1]);
        }
        for (const [mapId, entries] of byMap) await this.blocks.putEntries(mapId, [...entries]);
        for (const w of round) w.resolve();
      } catch (e) {
        for (const w of round) w.reject(e);
      }
    }
    this.running = false;
  }
}
