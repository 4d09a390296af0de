// The embedded default: SQLite in WAL mode through better-sqlite3. WAL keeps readers off the
// writer's back, and a kill -9 at any moment leaves a database that opens consistent.
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import type { Database } from '../schema.js';

export interface SqliteOptions {
  /** 'full' fsyncs every commit (survives power loss); 'normal' survives process crashes */
  synchronous: 'full' | 'normal';
}

export function openSqlite(path: string, options: SqliteOptions): Kysely<Database> {
  const raw = new BetterSqlite3(path);
  raw.pragma('journal_mode = WAL');
  raw.pragma(`synchronous = ${options.synchronous.toUpperCase()}`);
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
}
