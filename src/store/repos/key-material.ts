// Cluster-wide secrets, stored wrapped (the store never sees them in the clear): written once by
// whichever node creates them first, read by every node after.
import type { Kysely } from 'kysely';
import type { Database, KeyMaterialTable } from '../schema.js';

export type KeyMaterialRow = KeyMaterialTable;

export class KeyMaterialRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async get(name: string): Promise<KeyMaterialRow | undefined> {
    return this.db.selectFrom('key_material').selectAll().where('name', '=', name).executeTakeFirst();
  }

  /** Inserts unless a row of that name exists (another node's wins); true when this one was written. */
  async insertIfAbsent(row: Omit<KeyMaterialRow, 'created_at'>): Promise<boolean> {
    const r = await this.db
      .insertInto('key_material')
      .values({ ...row, created_at: new Date().toISOString() })
      .onConflict((oc) => oc.column('name').doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }
}
