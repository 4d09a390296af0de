// What differs between the two engines, in one place: which one a handle talks to, the column
// types and clauses migrations need, and how each reports a unique-key violation. Everything
// else (queries, repos, migrations) is written once, in SQL both engines accept.
import { PostgresAdapter, sql, type Kysely, type RawBuilder } from 'kysely';

export type DialectName = 'sqlite' | 'postgres';

export function dialectOf(db: Kysely<any>): DialectName {
  return db.getExecutor().adapter instanceof PostgresAdapter ? 'postgres' : 'sqlite';
}

/** Raw bytes: SQLite's BLOB, PostgreSQL's bytea (Buffers either way). */
export const bytesType = (db: Kysely<any>) => (dialectOf(db) === 'postgres' ? 'bytea' : 'blob');

/** SQLite's WITHOUT ROWID (a clustered primary key); nothing on PostgreSQL. */
export const withoutRowid = (db: Kysely<any>): RawBuilder<unknown> => (dialectOf(db) === 'sqlite' ? sql` WITHOUT ROWID` : sql``);

/** A unique index or key refused the write (SQLite: "UNIQUE constraint failed: table.col…"; PostgreSQL: 23505). */
export function isUniqueViolation(e: unknown, table?: string): boolean {
  if (!(e instanceof Error)) return false;
  const pg = e as Error & { code?: string; table?: string };
  if (pg.code === '23505') return table === undefined || pg.table === table;
  return /UNIQUE constraint failed/.test(e.message) && (table === undefined || e.message.includes(`${table}.`));
}

/** Whole numbers: SQLite's INTEGER (64-bit); PostgreSQL's bigint (sizes in bytes pass 2^31). */
export const intType = (db: Kysely<any>) => (dialectOf(db) === 'postgres' ? 'bigint' : 'integer');

/** The larger of two numbers: SQLite's two-argument max(), PostgreSQL's GREATEST(). */
export const greatest = (db: Kysely<any>, a: RawBuilder<unknown>, b: RawBuilder<unknown>): RawBuilder<number> =>
  dialectOf(db) === 'postgres' ? sql<number>`GREATEST(${a}, ${b})` : sql<number>`max(${a}, ${b})`;
