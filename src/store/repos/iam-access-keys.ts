// IAM users' access keys. The secret is stored sealed (the caller wraps and unwraps it); last use
// is written in batches (src/iam/key-usage.ts), never once per request.
import type { Kysely } from 'kysely';
import type { Database, IamAccessKeysTable } from '../schema.js';

export type IamAccessKeyRow = IamAccessKeysTable;

export interface KeyUse {
  accessKeyId: string;
  at: string;
  service: string;
  region: string;
}

export class IamAccessKeysRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async get(accessKeyId: string): Promise<IamAccessKeyRow | undefined> {
    return this.db.selectFrom('iam_access_keys').selectAll().where('access_key_id', '=', accessKeyId).executeTakeFirst();
  }

  async ofUser(accountId: string, userKey: string): Promise<IamAccessKeyRow[]> {
    return this.db.selectFrom('iam_access_keys').selectAll().where('account_id', '=', accountId).where('user_key', '=', userKey).orderBy('created_at').execute();
  }

  async insert(row: IamAccessKeyRow): Promise<void> {
    await this.db.insertInto('iam_access_keys').values(row).execute();
  }

  async setStatus(accessKeyId: string, status: IamAccessKeyRow['status']): Promise<void> {
    await this.db.updateTable('iam_access_keys').set({ status }).where('access_key_id', '=', accessKeyId).execute();
  }

  async delete(accessKeyId: string): Promise<void> {
    await this.db.deleteFrom('iam_access_keys').where('access_key_id', '=', accessKeyId).execute();
  }

  /** Last uses, one UPDATE per key (the latest use of each). */
  async recordUses(uses: KeyUse[]): Promise<void> {
    for (const u of uses) {
      await this.db
        .updateTable('iam_access_keys')
        .set({ last_used_at: u.at, last_used_service: u.service, last_used_region: u.region })
        .where('access_key_id', '=', u.accessKeyId)
        .execute();
    }
  }
}
