// KMS keys. A key row carries its policy and its wrapped material; aliases, grants and tags hang
// off it in their own tables and go with it when it is deleted.
import { atomic } from '../atomic.js';
import type { Kysely } from 'kysely';
import type { Database, KmsKeysTable } from '../schema.js';
import type { Scope } from '../scope.js';

export type KmsKeyRow = KmsKeysTable;

export type KmsKeyPatch = Partial<
  Pick<KmsKeysTable, 'description' | 'state' | 'policy' | 'deletion_date' | 'pending_window_days' | 'rotation_enabled' | 'rotation_period_days'>
>;

export interface NewKeyExtras {
  tags?: { key: string; value: string }[];
  /** an alias created in the same transaction (AWS managed keys) */
  alias?: string;
}

export class KmsKeysRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async find(scope: Scope, keyId: string): Promise<KmsKeyRow | undefined> {
    return this.db
      .selectFrom('kms_keys')
      .selectAll()
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('key_id', '=', keyId)
      .executeTakeFirst();
  }

  /** By id alone (ids are unique across accounts): for ciphertext blobs, which name only the id. */
  async findById(keyId: string): Promise<KmsKeyRow | undefined> {
    return this.db.selectFrom('kms_keys').selectAll().where('key_id', '=', keyId).executeTakeFirst();
  }

  /** Keys in key-id order, after `after` (exclusive). */
  async list(scope: Scope, opts: { after?: string; limit: number }): Promise<KmsKeyRow[]> {
    let q = this.db
      .selectFrom('kms_keys')
      .selectAll()
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region);
    if (opts.after !== undefined) q = q.where('key_id', '>', opts.after);
    return q.orderBy('key_id').limit(opts.limit).execute();
  }

  /** Ids of keys whose deletion date has passed (deleted lazily by the service). */
  async expired(scope: Scope, nowIso: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('kms_keys')
      .select('key_id')
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('state', '=', 'PendingDeletion')
      .where('deletion_date', '<=', nowIso)
      .execute();
    return rows.map((r) => r.key_id);
  }

  /** Inserts the key (with tags and an alias) atomically; false if the alias already exists. */
  async create(row: KmsKeyRow, extras: NewKeyExtras = {}): Promise<boolean> {
    return atomic(this.db, async (trx) => {
      const scope = { account_id: row.account_id, region: row.region, key_id: row.key_id };
      if (extras.alias !== undefined) {
        const taken = await trx
          .selectFrom('kms_aliases')
          .select('key_id')
          .where('account_id', '=', row.account_id)
          .where('region', '=', row.region)
          .where('alias_name', '=', extras.alias)
          .executeTakeFirst();
        if (taken) return false;
      }
      await trx.insertInto('kms_keys').values(row).execute();
      if (extras.tags?.length) {
        const tags = [...new Map(extras.tags.map((t) => [t.key, t])).values()];
        await trx
          .insertInto('kms_tags')
          .values(tags.map((t) => ({ ...scope, tag_key: t.key, tag_value: t.value })))
          .onConflict((oc) => oc.columns(['account_id', 'region', 'key_id', 'tag_key']).doUpdateSet((eb) => ({ tag_value: eb.ref('excluded.tag_value') })))
          .execute();
      }
      if (extras.alias !== undefined) {
        const at = row.created_at;
        await trx.insertInto('kms_aliases').values({ account_id: row.account_id, region: row.region, alias_name: extras.alias, key_id: row.key_id, created_at: at, updated_at: at }).execute();
      }
      return true;
    });
  }

  async update(scope: Scope, keyId: string, patch: KmsKeyPatch): Promise<void> {
    await this.db
      .updateTable('kms_keys')
      .set(patch)
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('key_id', '=', keyId)
      .execute();
  }

  /** Deletes the key with its aliases, grants and tags. */
  async delete(scope: Scope, keyId: string): Promise<void> {
    await atomic(this.db, async (trx) => {
      for (const table of ['kms_aliases', 'kms_grants', 'kms_tags', 'kms_keys'] as const) {
        await trx
          .deleteFrom(table)
          .where('account_id', '=', scope.accountId)
          .where('region', '=', scope.region)
          .where('key_id', '=', keyId)
          .execute();
      }
    });
  }
}
