// Several statements as one: in the caller's transaction when `db` already is one (a unit of
// work, Store.transaction), else in a transaction of their own. Repos write through it, so a
// repo method is atomic alone and joins a larger unit of work unchanged.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

// On PostgreSQL they run on a handle of their own, whose commits do not wait for the WAL flush
// (dialects/postgres-commits.ts: the store's barrier flushes before anything is answered).
export function atomic<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : (unitsOfWork.get(db) ?? db).transaction().execute(fn);
}

const unitsOfWork = new WeakMap<Kysely<Database>, Kysely<Database>>();

/** Units of work started on `db` run on `units` (the same database). */
export function runUnitsOfWorkOn(db: Kysely<Database>, units: Kysely<Database>): void {
  unitsOfWork.set(db, units);
}
