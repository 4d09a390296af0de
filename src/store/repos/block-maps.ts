// Block maps and their entries (see migration 0003). Entries are written in batches inside one
// transaction; chains are walked with a recursive query.
import { atomic } from '../atomic.js';
import { sql, type Kysely } from 'kysely';
import { insertRows } from '../insert-rows.js';
import { prepared } from '../prepared.js';
import type { BlockMapsTable, Database } from '../schema.js';

export type BlockMapRow = BlockMapsTable;
/** [block index, chunk id or null for a zero block] */
export type MapEntry = [number, string | null];

// statements of every block written (PutSnapshotBlock's checks, the group commit), prepared once
const mapById = prepared((db, mapId: string) => db.selectFrom('block_maps').selectAll().where('map_id', '=', mapId));
const entryAt = prepared((db, mapId: string, index: number) => db.selectFrom('block_map_entries').select('chunk_id').where('map_id', '=', mapId).where('block_index', '=', index));
/** an entry written again (a block re-uploaded) takes the new chunk */
const UPSERT_ENTRY = sql`on conflict (map_id, block_index) do update set chunk_id = excluded.chunk_id`;
const ENTRIES_PER_STATEMENT = 300;

export class BlockMapsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async create(row: Omit<BlockMapRow, 'created_at'>): Promise<void> {
    await this.db.insertInto('block_maps').values({ ...row, created_at: new Date().toISOString() }).execute();
  }

  async get(mapId: string): Promise<BlockMapRow | undefined> {
    return mapById.first(this.db, mapId);
  }

  /** The map and its ancestors, nearest first. */
  async chain(mapId: string): Promise<BlockMapRow[]> {
    const rows = await sql<BlockMapRow & { hop: number }>`
      WITH RECURSIVE chain(map_id, hop) AS (
        SELECT ${mapId}, 0
        UNION ALL
        SELECT m.parent_map_id, c.hop + 1 FROM block_maps m JOIN chain c ON m.map_id = c.map_id
        WHERE m.parent_map_id IS NOT NULL
      )
      SELECT m.*, c.hop FROM chain c JOIN block_maps m ON m.map_id = c.map_id ORDER BY c.hop`.execute(this.db);
    return rows.rows;
  }

  /** Entries of every map in a chain, farthest ancestor first (so later ones override). */
  async chainEntries(mapIds: readonly string[]): Promise<{ map_id: string; block_index: number; chunk_id: string | null }[]> {
    if (mapIds.length === 0) return [];
    const order = new Map(mapIds.map((id, i) => [id, i]));
    const rows = await this.db
      .selectFrom('block_map_entries')
      .select(['map_id', 'block_index', 'chunk_id'])
      .where('map_id', 'in', mapIds as string[])
      .execute();
    return rows.sort((a, b) => order.get(b.map_id)! - order.get(a.map_id)! || a.block_index - b.block_index);
  }

  async entries(mapId: string): Promise<MapEntry[]> {
    const rows = await this.db
      .selectFrom('block_map_entries')
      .select(['block_index', 'chunk_id'])
      .where('map_id', '=', mapId)
      .orderBy('block_index')
      .execute();
    return rows.map((r) => [r.block_index, r.chunk_id]);
  }

  async entry(mapId: string, index: number): Promise<string | null | undefined> {
    const row = await entryAt.first(this.db, mapId, index);
    return row ? row.chunk_id : undefined;
  }

  async putEntries(mapId: string, entries: readonly MapEntry[]): Promise<void> {
    if (entries.length === 0) return;
    const rows = entries.map(([block_index, chunk_id]) => ({ map_id: mapId, block_index, chunk_id }));
    // (one statement, no transaction of its own, for a round of up to ENTRIES_PER_STATEMENT)
    const write = (db: Kysely<Database>) => insertRows(db, 'block_map_entries', rows, { onConflict: UPSERT_ENTRY, rowsPerStatement: ENTRIES_PER_STATEMENT });
    await (rows.length <= ENTRIES_PER_STATEMENT ? write(this.db) : atomic(this.db, write));
  }

  async countEntries(mapId: string): Promise<number> {
    const row = await this.db
      .selectFrom('block_map_entries')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('map_id', '=', mapId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async seal(mapId: string): Promise<void> {
    await this.db.updateTable('block_maps').set({ sealed: 1, lease_until: null }).where('map_id', '=', mapId).execute();
  }

  async setLease(mapId: string, until: Date | null): Promise<void> {
    await this.db.updateTable('block_maps').set({ lease_until: until?.toISOString() ?? null }).where('map_id', '=', mapId).execute();
  }

  async delete(mapIds: readonly string[]): Promise<void> {
    if (mapIds.length === 0) return;
    await atomic(this.db, async (trx) => {
      await trx.deleteFrom('block_map_entries').where('map_id', 'in', mapIds as string[]).execute();
      await trx.deleteFrom('block_maps').where('map_id', 'in', mapIds as string[]).execute();
    });
  }

  async all(): Promise<BlockMapRow[]> {
    return this.db.selectFrom('block_maps').selectAll().execute();
  }
}
