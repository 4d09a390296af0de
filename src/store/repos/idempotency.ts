// ClientToken idempotency: the first answer to (account, region, action, token) is kept and
// replayed; the same token with different parameters is a mismatch. A request claims its token
// first (a row with no result yet: the primary key lets one claimant in, on any node) and
// completes it with its answer, or releases it when it failed.
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Scope } from '../scope.js';
import { prepared } from '../prepared.js';

export interface IdempotentRecord {
  requestHash: string;
  /** '' while the claiming request runs */
  result: string;
  claimedAt: string;
}

// the statements every ClientToken request runs, prepared (prepared.ts)
const record = prepared((db, accountId: string, region: string, action: string, token: string) =>
  db.selectFrom('idempotency').select(['request_hash', 'result', 'created_at']).where('account_id', '=', accountId).where('region', '=', region).where('action', '=', action).where('token', '=', token),
);
const claimToken = prepared((db, accountId: string, region: string, action: string, token: string, requestHash: string, createdAt: string) =>
  db
    .insertInto('idempotency')
    .values({ account_id: accountId, region, action, token, request_hash: requestHash, result: '', created_at: createdAt })
    .onConflict((oc) => oc.doNothing()),
);
const completeToken = prepared((db, result: string, accountId: string, region: string, action: string, token: string) =>
  db.updateTable('idempotency').set({ result }).where('account_id', '=', accountId).where('region', '=', region).where('action', '=', action).where('token', '=', token),
);

export class IdempotencyRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async find(scope: Scope, action: string, token: string): Promise<IdempotentRecord | undefined> {
    const row = await record.first(this.db, scope.accountId, scope.region, action, token);
    return row ? { requestHash: row.request_hash, result: row.result, claimedAt: row.created_at } : undefined;
  }

  /** Claims a token for a request about to create; false when another request holds or held it. */
  async claim(scope: Scope, action: string, token: string, requestHash: string): Promise<boolean> {
    return (await claimToken.run(this.db, scope.accountId, scope.region, action, token, requestHash, new Date().toISOString())) > 0;
  }

  /** The claimant's answer, kept for retries. */
  async complete(scope: Scope, action: string, token: string, result: string): Promise<void> {
    await completeToken.run(this.db, result, scope.accountId, scope.region, action, token);
  }

  /** Drops an unanswered claim (its request failed; or it was claimed before `claimedBefore`: abandoned). */
  async release(scope: Scope, action: string, token: string, claimedBefore?: string): Promise<void> {
    let q = this.db
      .deleteFrom('idempotency')
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('action', '=', action)
      .where('token', '=', token)
      .where('result', '=', '');
    if (claimedBefore) q = q.where('created_at', '<', claimedBefore);
    await q.execute();
  }
}
