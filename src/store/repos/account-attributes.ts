// Per-account, per-region settings (EBS encryption by default, block public access, …).
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Scope } from '../scope.js';
import { prepared } from '../prepared.js';

const attribute = prepared((db, accountId: string, region: string, name: string) =>
  db.selectFrom('account_attributes').select('value').where('account_id', '=', accountId).where('region', '=', region).where('name', '=', name),
);

export class AccountAttributesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async get(scope: Scope, name: string): Promise<string | undefined> {
    return (await attribute.first(this.db, scope.accountId, scope.region, name))?.value;
  }

  async set(scope: Scope, name: string, value: string): Promise<void> {
    const updated_at = new Date().toISOString();
    await this.db
      .insertInto('account_attributes')
      .values({ account_id: scope.accountId, region: scope.region, name, value, updated_at })
      .onConflict((oc) => oc.columns(['account_id', 'region', 'name']).doUpdateSet({ value, updated_at }))
      .execute();
  }

  async delete(scope: Scope, name: string): Promise<void> {
    await this.db
      .deleteFrom('account_attributes')
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('name', '=', name)
      .execute();
  }
}
