// `list()` of a store with an index and chunks not indexed yet (fs and s3): the pending chunks
// first (a snapshot), then the index page by page with write times refreshed since the last
// commit. No statement stays open across a yield, so the caller may put and delete while
// iterating (garbage collection does).
import type { ChunkId, ChunkStat } from '../chunk-store.js';

export interface IndexedListing {
  /** a snapshot of the pending chunks, each with a check that it is still pending */
  pending: () => { stat: ChunkStat; stillPending: () => boolean }[];
  /** up to `limit` indexed chunks with ids greater than `after`, in id order */
  page: (after: Buffer, limit: number) => { id: Buffer; size: number; writtenAt: number }[];
  /** a refreshed write time not committed yet */
  touchedAt: (id: ChunkId) => number | undefined;
  assertOpen: () => void;
}

const LIST_PAGE = 1000;

export async function* listPendingThenIndexed(o: IndexedListing): AsyncIterable<ChunkStat> {
  o.assertOpen();
  const yielded = new Set<ChunkId>();
  for (const { stat, stillPending } of o.pending()) {
    if (!stillPending()) continue;
    yielded.add(stat.id);
    yield stat;
  }
  let after: Buffer = Buffer.alloc(0);
  for (;;) {
    o.assertOpen();
    const page = o.page(after, LIST_PAGE);
    for (const row of page) {
      const id = row.id.toString('hex');
      if (yielded.has(id)) continue;
      yield { id, size: row.size, writtenAt: Math.max(row.writtenAt, o.touchedAt(id) ?? 0) };
    }
    if (page.length < LIST_PAGE) return;
    after = page[page.length - 1].id;
  }
}

/** The latest write time of a stored chunk: pending, else indexed (or touched since); undefined if absent. */
export function latestWrite(pending: { writtenAt: number } | undefined, indexed: number | undefined, touched: number | undefined): number | undefined {
  if (pending) return pending.writtenAt;
  return indexed === undefined ? undefined : Math.max(indexed, touched ?? 0);
}
