// Several nodes on one bucket (issue 10 §4): garbage collection on one node and dedup hits on
// another meet here, in the shared metadata database (blocks/chunk-arbiter.ts has the protocol).
// `chunk_touches`: the last time any node reused a stored chunk (a dedup hit), committed before
// it checks `chunk_condemned`: the chunks a running GC is about to delete, committed before the
// GC re-reads the touches. `chunk_tombstone_epoch`: one row, advanced after every tombstone object
// a node writes, so the others know their index may name deleted records.
import { sql, type Kysely } from 'kysely';
import { intType, withoutRowid } from '../dialects/dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const int = intType(db);
  await sql`CREATE TABLE chunk_touches (
    chunk_id TEXT PRIMARY KEY,
    touched_at ${sql.raw(int)} NOT NULL
  )${withoutRowid(db)}`.execute(db);
  await db.schema.createIndex('chunk_touches_at').on('chunk_touches').column('touched_at').execute();
  await sql`CREATE TABLE chunk_condemned (
    chunk_id TEXT NOT NULL,
    owner TEXT NOT NULL,
    condemned_at ${sql.raw(int)} NOT NULL,
    PRIMARY KEY (chunk_id, owner)
  )${withoutRowid(db)}`.execute(db);
  await db.schema.createIndex('chunk_condemned_owner').on('chunk_condemned').column('owner').execute();
  await db.schema
    .createTable('chunk_tombstone_epoch')
    .addColumn('id', 'integer', (c) => c.primaryKey())
    .addColumn('epoch', int, (c) => c.notNull())
    .execute();
  await sql`INSERT INTO chunk_tombstone_epoch (id, epoch) VALUES (1, 0)`.execute(db);
}
