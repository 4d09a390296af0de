// KMS aliases: names (`alias/x`) unique per account and region, each pointing at one key there.
import type { Kysely } from 'kysely';
import type { Database, KmsAliasesTable } from '../schema.js';
import type { Scope } from '../scope.js';

export type KmsAliasRow = KmsAliasesTable;

export class KmsAliasesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async find(scope: Scope, aliasName: string): Promise<KmsAliasRow | undefined> {
    return this.db
      .selectFrom('kms_aliases')
      .selectAll()
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('alias_name', '=', aliasName)
      .executeTakeFirst();
  }

  /** Aliases in name order, after `after` (exclusive), optionally only those of one key. */
  async list(scope: Scope, opts: { keyId?: string; after?: string; limit: number }): Promise<KmsAliasRow[]> {
    let q = this.db
      .selectFrom('kms_aliases')
      .selectAll()
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region);
    if (opts.keyId !== undefined) q = q.where('key_id', '=', opts.keyId);
    if (opts.after !== undefined) q = q.where('alias_name', '>', opts.after);
    return q.orderBy('alias_name').limit(opts.limit).execute();
  }

  async namesForKey(scope: Scope, keyId: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('kms_aliases')
      .select('alias_name')
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('key_id', '=', keyId)
      .orderBy('alias_name')
      .execute();
    return rows.map((r) => r.alias_name);
  }

  /** False if the name is taken. */
  async insert(scope: Scope, aliasName: string, keyId: string): Promise<boolean> {
    const now = new Date().toISOString();
    const r = await this.db
      .insertInto('kms_aliases')
      .values({ account_id: scope.accountId, region: scope.region, alias_name: aliasName, key_id: keyId, created_at: now, updated_at: now })
      .onConflict((oc) => oc.doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0n) > 0;
  }

  async retarget(scope: Scope, aliasName: string, keyId: string): Promise<void> {
    await this.db
      .updateTable('kms_aliases')
      .set({ key_id: keyId, updated_at: new Date().toISOString() })
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('alias_name', '=', aliasName)
      .execute();
  }

  async delete(scope: Scope, aliasName: string): Promise<void> {
    await this.db
      .deleteFrom('kms_aliases')
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('alias_name', '=', aliasName)
      .execute();
  }
}
