// PostgreSQL for metadata when one machine is not enough (`--database postgres://…`): the same
// Kysely layer, migrations and repos as SQLite. A commit is durable when it returns, so there is
// no barrier to wait for. Two settings matter to Imago's semantics: the database's collation
// must be C (byte order: ids and page tokens compare as JavaScript strings do), and int8
// results (counts) come back as numbers.
import pg from 'pg';
import { Kysely, PostgresDialect, sql } from 'kysely';
import type { Database } from '../schema.js';

// COUNT(*) and other int8 values: numbers (every count Imago makes is far below 2^53)
pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));

export class DatabaseConfigError extends Error {}

export async function openPostgres(url: string, options: { poolSize?: number } = {}): Promise<Kysely<Database>> {
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, application_name: 'imago' });
  // a connection lost between uses must not crash the process: the next query reconnects
  pool.on('error', () => undefined);
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool }) });
  let collation: string | undefined;
  try {
    const r = await sql<{ datcollate: string }>`SELECT datcollate FROM pg_database WHERE datname = current_database()`.execute(db);
    collation = r.rows[0]?.datcollate;
  } catch (e) {
    await db.destroy();
    throw new DatabaseConfigError(`cannot connect to ${redact(url)}: ${(e as Error).message}`);
  }
  if (collation !== 'C' && collation !== 'POSIX') {
    await db.destroy();
    throw new DatabaseConfigError(
      `the database's collation is ${collation}; Imago needs C (byte order), e.g. CREATE DATABASE imago TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C' ENCODING 'UTF8'`,
    );
  }
  return db;
}

/** The URL without its password, for messages. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'the database';
  }
}
