// Wrapped data keys of encrypted lineages (one row per wrapping under a KMS key).
import type { Kysely } from 'kysely';
import type { Database, DataKeysTable } from '../schema.js';

export type DataKeyRow = DataKeysTable;

export class DataKeysRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: Omit<DataKeyRow, 'created_at'>): Promise<void> {
    await this.db.insertInto('data_keys').values({ ...row, created_at: new Date().toISOString() }).execute();
  }

  /** Any wrapping of a lineage's key (to open it as that wrapping's owner). */
  async anyForLineage(lineageId: string): Promise<DataKeyRow | undefined> {
    return this.db.selectFrom('data_keys').selectAll().where('lineage_id', '=', lineageId).orderBy('created_at').executeTakeFirst();
  }

  async get(dataKeyId: string): Promise<DataKeyRow | undefined> {
    return this.db.selectFrom('data_keys').selectAll().where('data_key_id', '=', dataKeyId).executeTakeFirst();
  }
}
