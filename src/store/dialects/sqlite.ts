// The embedded default: SQLite in WAL mode through better-sqlite3. WAL keeps readers off the
// writer's back, and a kill -9 at any moment leaves a database that opens consistent.
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect, type SqliteDatabase } from 'kysely';
import type { Database } from '../schema.js';

/** Prepared statements kept per SQL text (least recently used dropped beyond it). */
const STATEMENT_CACHE = 1000;

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
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: withStatementCache(raw) }) });
}

/**
 * Kysely prepares every query it runs; preparing costs as much as running a point lookup
 * (~0.1 ms each here, a fifth of a PutSnapshotBlock's main-thread time went to it). Statements
 * are reused per SQL text instead; one still being iterated (a streamed query) is busy, and a
 * second use of its text gets a fresh one.
 */
function withStatementCache(db: BetterSqlite3.Database): SqliteDatabase {
  const cache = new Map<string, BetterSqlite3.Statement>();
  return {
    close: () => db.close(),
    prepare(sql) {
      const hit = cache.get(sql);
      if (hit && !hit.busy) {
        cache.delete(sql); // most recently used last
        cache.set(sql, hit);
        return hit;
      }
      const stmt = db.prepare(sql);
      if (!hit) {
        cache.set(sql, stmt);
        if (cache.size > STATEMENT_CACHE) cache.delete(cache.keys().next().value!);
      }
      return stmt;
    },
  };
}
