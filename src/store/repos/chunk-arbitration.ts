// Where garbage collection on one node and dedup hits on another meet (migration 0020; the
// protocol is blocks/chunk-arbiter.ts). Every write here commits on its own, never inside a
// caller's transaction: the protocol rests on each side committing its write before it reads
// the other side's table (valid under PostgreSQL's READ COMMITTED and SQLite's one writer).
import { sql, type Kysely } from 'kysely';
import { greatest } from '../dialects/dialect.js';
import { idChunks, selectInChunks } from '../id-chunks.js';
import type { Database } from '../schema.js';

export class ChunkArbitrationRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * A dedup hit's side, for a batch: commits the touches, then reads which of the chunks are
   * condemned, then the tombstone epoch — in that order.
   */
  async reuse(ids: readonly string[], at: number): Promise<{ condemned: string[]; epoch: number }> {
    // sorted: two nodes' batches lock shared rows in one order (no deadlock on PostgreSQL)
    const sorted = [...new Set(ids)].sort();
    for (const chunk of idChunks(sorted)) {
      const rows = sql.join(chunk.map((id) => sql`(${id}, ${at})`));
      const newer = greatest(this.db, sql`chunk_touches.touched_at`, sql`excluded.touched_at`);
      await sql`INSERT INTO chunk_touches (chunk_id, touched_at) VALUES ${rows}
        ON CONFLICT (chunk_id) DO UPDATE SET touched_at = ${newer}`.execute(this.db);
    }
    const condemned = await selectInChunks(sorted, (chunk) => this.db.selectFrom('chunk_condemned').select('chunk_id').distinct().where('chunk_id', 'in', chunk).execute());
    return { condemned: condemned.map((r) => r.chunk_id), epoch: await this.epoch() };
  }

  /** 0 when its row is gone (an admin reset wipes every table). */
  async epoch(): Promise<number> {
    const row = await this.db.selectFrom('chunk_tombstone_epoch').select('epoch').where('id', '=', 1).executeTakeFirst();
    return Number(row?.epoch ?? 0);
  }

  async advanceEpoch(): Promise<void> {
    await sql`INSERT INTO chunk_tombstone_epoch (id, epoch) VALUES (1, 1)
      ON CONFLICT (id) DO UPDATE SET epoch = chunk_tombstone_epoch.epoch + 1`.execute(this.db);
  }

  /** Of these chunks, those reused at or after `since`. */
  async touchedSince(ids: readonly string[], since: number): Promise<string[]> {
    const rows = await selectInChunks(ids, (chunk) => this.db.selectFrom('chunk_touches').select('chunk_id').where('chunk_id', 'in', chunk).where('touched_at', '>=', since).execute());
    return rows.map((r) => r.chunk_id);
  }

  /** A GC's side: these chunks are about to be deleted (committed before it re-reads touches). */
  async condemn(owner: string, ids: readonly string[], at: number): Promise<void> {
    for (const chunk of idChunks(ids)) {
      const rows = sql.join(chunk.map((id) => sql`(${id}, ${owner}, ${at})`));
      await sql`INSERT INTO chunk_condemned (chunk_id, owner, condemned_at) VALUES ${rows}
        ON CONFLICT (chunk_id, owner) DO NOTHING`.execute(this.db);
    }
  }

  /** Every chunk `owner` condemned is deleted (its tombstones written) or spared. */
  async release(owner: string): Promise<void> {
    await this.db.deleteFrom('chunk_condemned').where('owner', '=', owner).execute();
  }

  /** Touches older than any GC's cut-off to come can spare nothing any more. */
  async pruneTouches(before: number): Promise<void> {
    await this.db.deleteFrom('chunk_touches').where('touched_at', '<', before).execute();
  }

  /** Chunks condemned now, with their owners (tests, diagnostics). */
  condemned(): Promise<{ chunk_id: string; owner: string; condemned_at: number }[]> {
    return this.db.selectFrom('chunk_condemned').selectAll().orderBy('chunk_id').execute();
  }
}
