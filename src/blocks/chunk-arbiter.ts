// Several nodes on one bucket: garbage collection on one node against dedup hits on another.
// GC deletes with `writtenBefore` (chunk-store.ts), but that check is atomic only inside one
// process: a dedup hit on node B refreshes B's own index, which node A's GC never sees. The
// arbiter is three tables in the shared metadata database (store/repos/chunk-arbitration.ts),
// Dekker-style: each side commits its own write before it reads the other's.
//
//   dedup hit on B (a chunk B's index has in the bucket):
//     1. commit a touch (chunk, now)            2. read: is the chunk condemned?
//     3. read the tombstone epoch; newer than B's index: catch up with the bucket, look again
//     condemned or gone: a miss (the block is stored again, as a new record); else a hit.
//   GC on A, for the chunks it planned (unreferenced, written before the cut-off):
//     1. commit them as condemned               2. read touches: spare any touched since the cut-off
//     3. delete the rest; flush (the tombstone object, then the epoch advanced)
//     4. release: delete its condemned rows
//
// Either B's read of the condemned rows comes before A's condemn commit — then A's read of the
// touches (after that commit) sees B's touch (committed before B's read) and spares the chunk —
// or after it: B sees the chunk condemned until A releases, and A releases only once its
// tombstone is in the bucket and the epoch advanced, which B reads after the condemned rows and
// so catches up on (its index then no longer has the deleted record). Both may see each other:
// the chunk is spared and stored twice, which costs space, not data. A GC that fails after its
// deletes keeps its rows (a chunk stays "condemned": dedup hits store it again) until the same
// process's next GC has flushed. Batching (ReuseRounds) keeps one commit per round, not per block.
//
// Records are per (pack, chunk): a chunk stored again after it was condemned is a new record in
// another pack, which the old record's tombstone does not touch (s3/s3-index.ts keeps every
// known record of a chunk, and one takes over when another goes).
import type { ChunkId } from './chunk-store.js';

/** The dedup side, as a chunk store uses it. */
export interface DedupArbiter {
  /** Commits touches of `ids` at `at`, then reads which are condemned, then the epoch (in that order). */
  reuse(ids: readonly ChunkId[], at: number): Promise<{ condemned: ChunkId[]; epoch: number }>;
  /** How many tombstone objects have been written (advanced after each; never decreases). */
  epoch(): Promise<number>;
  /** A tombstone object is in the bucket: other nodes must catch up before trusting their index. */
  advanceEpoch(): Promise<void>;
}

/** The GC side. */
export interface GcArbiter {
  /** Of `ids`, those a dedup hit touched at or after `since`. */
  touchedSince(ids: readonly ChunkId[], since: number): Promise<ChunkId[]>;
  /** Commits `ids` as about to be deleted by `owner`. */
  condemn(owner: string, ids: readonly ChunkId[], at: number): Promise<void>;
  /** Removes `owner`'s condemned rows (its deletes are in tombstones, or it deleted nothing). */
  release(owner: string): Promise<void>;
  /** Drops touches older than `before` (no cut-off to come is earlier). */
  pruneTouches(before: number): Promise<void>;
}

export type ChunkArbiter = DedupArbiter & GcArbiter;

export interface ReuseAnswer {
  condemned: boolean;
  /** the tombstone epoch read after the condemned rows */
  epoch: number;
}

/** Ids a round takes at most (the rest wait for the next). */
const ROUND_MAX = 1000;

/**
 * Group commit of dedup hits: while one round is in the database, hits queue for the next, so
 * concurrent uploads share one commit and two reads per round instead of paying them per block.
 */
export class ReuseRounds {
  #queue = new Map<ChunkId, { resolve: (a: ReuseAnswer) => void; reject: (e: unknown) => void }[]>();
  #running = false;

  constructor(private readonly arbiter: DedupArbiter) {}

  ask(id: ChunkId): Promise<ReuseAnswer> {
    return new Promise((resolve, reject) => {
      const waiting = this.#queue.get(id);
      if (waiting) waiting.push({ resolve, reject });
      else this.#queue.set(id, [{ resolve, reject }]);
      this.#next();
    });
  }

  #next(): void {
    if (this.#running || this.#queue.size === 0) return;
    this.#running = true;
    const batch = new Map<ChunkId, { resolve: (a: ReuseAnswer) => void; reject: (e: unknown) => void }[]>();
    for (const [id, waiters] of this.#queue) {
      if (batch.size >= ROUND_MAX) break;
      batch.set(id, waiters);
    }
    for (const id of batch.keys()) this.#queue.delete(id);
    void this.arbiter
      .reuse([...batch.keys()], Date.now())
      .then(
        (r) => {
          const condemned = new Set(r.condemned);
          for (const [id, waiters] of batch) for (const w of waiters) w.resolve({ condemned: condemned.has(id), epoch: r.epoch });
        },
        (e: unknown) => {
          for (const waiters of batch.values()) for (const w of waiters) w.reject(e);
        },
      )
      .finally(() => {
        this.#running = false;
        this.#next();
      });
  }
}
