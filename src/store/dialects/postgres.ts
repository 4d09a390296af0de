// PostgreSQL for metadata when one machine is not enough (`--database postgres://…`): the same
// Kysely layer, migrations and repos as SQLite. Two settings matter to Imago's semantics: the database's collation
// must be C (byte order: ids and page tokens compare as JavaScript strings do), and int8
// results (counts) come back as numbers. Units of work commit without waiting for the WAL
// flush and the store's barrier flushes before anything is acknowledged (postgres-commits.ts).
import type PgModule from 'pg';
import { Kysely, PostgresAdapter, PostgresDriver, PostgresIntrospector, PostgresQueryCompiler, sql, type Dialect, type Driver } from 'kysely';
import type { Database } from '../schema.js';
import { runUnitsOfWorkOn } from '../atomic.js';
import { CommitTracker, FLUSH_SQL, TrackedPostgresDriver } from './postgres-commits.js';

let loaded: Promise<typeof PgModule> | undefined;

/** pg, loaded on first use: a data dir on SQLite (the default) never needs it, and start-up is shorter without it. */
function loadPg(): Promise<typeof PgModule> {
  return (loaded ??= import('pg').then(({ default: pg }) => {
    // COUNT(*) and other int8 values: numbers (every count Imago makes is far below 2^53)
    pg.types.setTypeParser(pg.types.builtins.INT8, (v) => Number(v));
    return pg;
  }));
}

export class DatabaseConfigError extends Error {}

export async function openPostgres(url: string, options: { poolSize?: number } = {}): Promise<Kysely<Database>> {
  const pg = await loadPg();
  const pool = new pg.Pool({ connectionString: url, max: options.poolSize ?? 10, application_name: 'imago' });
  // a connection lost between uses must not crash the process: the next query reconnects
  pool.on('error', () => undefined);
  const driver = new PostgresDriver({ pool });
  let db: Kysely<Database>;
  const tracker = new CommitTracker(async () => void (await sql.raw(FLUSH_SQL).execute(db)));
  db = new Kysely<Database>({ dialect: dialectOver(new TrackedPostgresDriver(driver, tracker, { units: false, owner: true })) });
  runUnitsOfWorkOn(db, new Kysely<Database>({ dialect: dialectOver(new TrackedPostgresDriver(driver, tracker, { units: true, owner: false })) }));
  barriers.set(db, tracker);
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

const barriers = new WeakMap<Kysely<Database>, CommitTracker>();

/** What makes a handle's commits durable before an answer (Store.barrier): every commit returned before the call, flushed. */
export function postgresBarrier(db: Kysely<Database>): { barrier(): Promise<void> } | undefined {
  return barriers.get(db);
}

function dialectOver(driver: Driver): Dialect {
  return {
    createAdapter: () => new PostgresAdapter(),
    createDriver: () => driver,
    createQueryCompiler: () => new PostgresQueryCompiler(),
    createIntrospector: (db) => new PostgresIntrospector(db),
  };
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
