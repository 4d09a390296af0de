// The embedded default: SQLite in WAL mode through better-sqlite3. WAL keeps readers off the
// writer's back, and a kill -9 (or a power loss) at any moment leaves a database that opens
// consistent; what has been acknowledged is durable through the WAL barrier (wal-barrier.ts).
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteAdapter, SqliteDialect, type DialectAdapter, type SqliteDatabase } from 'kysely';
import type { Database } from '../schema.js';
import { WalBarrier } from '../wal-barrier.js';

/** Prepared statements kept per SQL text (least recently used dropped beyond it). */
const STATEMENT_CACHE = 1000;

export interface SqliteOptions {
  /**
   * 'full' survives power loss: commits go to the WAL unsynced and `barrier()` (WalBarrier)
   * syncs it before anything is acknowledged; 'normal' survives process crashes (no barrier).
   */
  durability: 'full' | 'normal';
}

export interface SqliteHandle {
  db: Kysely<Database>;
  wal: WalBarrier;
}

export function openSqlite(path: string, options: SqliteOptions): SqliteHandle {
  const raw = new BetterSqlite3(path);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('foreign_keys = ON');
  raw.pragma('busy_timeout = 5000');
  const wal = new WalBarrier(`${path}-wal`, options.durability === 'full');
  return { db: new Kysely<Database>({ dialect: new TransactionalDdlSqlite({ database: withStatementCache(raw, wal) }) }), wal };
}

/**
 * SQLite's DDL is transactional, though Kysely's adapter says not: said so, its Migrator runs
 * every pending migration in one transaction — one commit instead of one per statement (~175 on
 * an empty data dir), and a kill -9 mid-migration leaves the database as it was before, to be
 * migrated again on the next start. (Only the Migrator reads the flag.)
 */
class TransactionalDdlAdapter extends SqliteAdapter {
  override get supportsTransactionalDdl(): boolean {
    return true;
  }
}

class TransactionalDdlSqlite extends SqliteDialect {
  override createAdapter(): DialectAdapter {
    return new TransactionalDdlAdapter();
  }
}

/**
 * Kysely prepares every query it runs; preparing costs as much as running a point lookup
 * (~0.1 ms each here, a fifth of a PutSnapshotBlock's main-thread time went to it). Statements
 * are reused per SQL text instead; one still being iterated (a streamed query) is busy, and a
 * second use of its text gets a fresh one.
 */
function withStatementCache(db: BetterSqlite3.Database, wal: WalBarrier): SqliteDatabase {
  const cache = new Map<string, Statement>();
  return {
    close: () => db.close(),
    prepare(sql) {
      const hit = cache.get(sql);
      if (hit && !hit.busy) {
        cache.delete(sql); // most recently used last
        cache.set(sql, hit);
        if (!hit.reader) wal.noteWrite();
        return hit;
      }
      const stmt = new Statement(db.prepare(sql));
      if (!stmt.reader) wal.noteWrite();
      if (!hit) {
        cache.set(sql, stmt);
        if (cache.size > STATEMENT_CACHE) cache.delete(cache.keys().next().value!);
      }
      return stmt;
    },
  };
}

type Row = Record<string, unknown>;

/**
 * A statement whose rows are read as arrays and made into objects by a function compiled for
 * its columns: better-sqlite3 builds each row object key by key, ~0.3 µs a value (a page of
 * 1000 images, 41 columns: 10–15 ms); arrays plus one object literal per row take a third of
 * that. Same rows as better-sqlite3's (a repeated column name: the last one wins).
 */
class Statement {
  readonly reader: boolean;
  private makeRow: ((values: unknown[]) => Row) | undefined;

  constructor(private readonly stmt: BetterSqlite3.Statement) {
    this.reader = stmt.reader;
    if (this.reader) stmt.raw(true);
  }

  get busy(): boolean {
    return this.stmt.busy;
  }

  private rowMaker(): (values: unknown[]) => Row {
    if (!this.makeRow) {
      const fields = this.stmt.columns().map((c, i) => `${JSON.stringify(c.name)}: v[${i}]`);
      this.makeRow = new Function('v', `return { ${fields.join(', ')} };`) as (values: unknown[]) => Row;
    }
    return this.makeRow;
  }

  all(parameters: readonly unknown[]): Row[] {
    const rows = this.stmt.all(parameters) as unknown[][];
    const make = this.rowMaker();
    const out = new Array<Row>(rows.length);
    for (let i = 0; i < rows.length; i++) out[i] = make(rows[i]);
    return out;
  }

  run(parameters: readonly unknown[]): BetterSqlite3.RunResult {
    return this.stmt.run(parameters);
  }

  *iterate(parameters: readonly unknown[]): IterableIterator<Row> {
    const make = this.rowMaker();
    for (const values of this.stmt.iterate(parameters) as IterableIterator<unknown[]>) yield make(values);
  }
}
