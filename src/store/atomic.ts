// Several statements as one: in the caller's transaction when `db` already is one (a unit of
// work, Store.transaction), else in a transaction of their own. Repos write through it, so a
// repo method is atomic alone and joins a larger unit of work unchanged.
import type { Kysely } from 'kysely';
import type { Database } from './schema.js';

export function atomic<T>(db: Kysely<Database>, fn: (trx: Kysely<Database>) => Promise<T>): Promise<T> {
  return db.isTransaction ? fn(db) : db.transaction().execute(fn);
}
