// ClientToken idempotency: the first answer to (account, region, action, token) is kept and
// replayed; the same token with different parameters is a mismatch.
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Scope } from '../scope.js';

export interface IdempotentRecord {
  requestHash: string;
  result: string;
}

export class IdempotencyRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async find(scope: Scope, action: string, token: string): Promise<IdempotentRecord | undefined> {
    const row = await this.db
      .selectFrom('idempotency')
      .select(['request_hash', 'result'])
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('action', '=', action)
      .where('token', '=', token)
      .executeTakeFirst();
    return row ? { requestHash: row.request_hash, result: row.result } : undefined;
  }

  async record(scope: Scope, action: string, token: string, requestHash: string, result: string): Promise<void> {
    await this.db
      .insertInto('idempotency')
      .values({
        account_id: scope.accountId,
        region: scope.region,
        action,
        token,
        request_hash: requestHash,
        result,
        created_at: new Date().toISOString(),
      })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }
}
