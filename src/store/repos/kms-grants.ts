// KMS grants. A grant lives with its key (the key's account and region); the grantee and the
// retiring principal may be in other accounts.
import type { Kysely } from 'kysely';
import type { Database, KmsGrantsTable } from '../schema.js';
import type { Scope } from '../scope.js';

export type KmsGrantRow = KmsGrantsTable;

/** Position in (created_at, grant_id) order, for paging. */
export interface GrantCursor {
  createdAt: string;
  grantId: string;
}

export class KmsGrantsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: KmsGrantRow): Promise<void> {
    await this.db.insertInto('kms_grants').values(row).execute();
  }

  async find(grantId: string): Promise<KmsGrantRow | undefined> {
    return this.db.selectFrom('kms_grants').selectAll().where('grant_id', '=', grantId).executeTakeFirst();
  }

  /** Every grant on one key (the key's scope), oldest first. */
  async forKey(keyScope: Scope, keyId: string): Promise<KmsGrantRow[]> {
    return this.list(keyScope, keyId, {});
  }

  async list(keyScope: Scope, keyId: string, opts: { grantId?: string; grantee?: string; after?: GrantCursor; limit?: number }): Promise<KmsGrantRow[]> {
    let q = this.db
      .selectFrom('kms_grants')
      .selectAll()
      .where('account_id', '=', keyScope.accountId)
      .where('region', '=', keyScope.region)
      .where('key_id', '=', keyId);
    if (opts.grantId !== undefined) q = q.where('grant_id', '=', opts.grantId);
    if (opts.grantee !== undefined) q = q.where('grantee_principal', '=', opts.grantee);
    const after = opts.after;
    if (after) q = q.where((eb) => eb.or([eb('created_at', '>', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('grant_id', '>', after.grantId)])]));
    q = q.orderBy('created_at').orderBy('grant_id');
    return (opts.limit === undefined ? q : q.limit(opts.limit)).execute();
  }

  /** Grants in one region whose retiring principal is `principal`, any key account. */
  async listRetirable(region: string, principal: string, opts: { after?: GrantCursor; limit: number }): Promise<KmsGrantRow[]> {
    let q = this.db.selectFrom('kms_grants').selectAll().where('region', '=', region).where('retiring_principal', '=', principal);
    const after = opts.after;
    if (after) q = q.where((eb) => eb.or([eb('created_at', '>', after.createdAt), eb.and([eb('created_at', '=', after.createdAt), eb('grant_id', '>', after.grantId)])]));
    return q.orderBy('created_at').orderBy('grant_id').limit(opts.limit).execute();
  }

  async delete(grantId: string): Promise<void> {
    await this.db.deleteFrom('kms_grants').where('grant_id', '=', grantId).execute();
  }
}
