// Tags on KMS keys (TagResource / UntagResource / ListResourceTags).
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Scope } from '../scope.js';

export interface KmsTag {
  key: string;
  value: string;
}

export class KmsTagsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Tags in key order, after `after` (exclusive). */
  async list(scope: Scope, keyId: string, opts: { after?: string; limit: number }): Promise<KmsTag[]> {
    let q = this.db
      .selectFrom('kms_tags')
      .select(['tag_key', 'tag_value'])
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('key_id', '=', keyId);
    if (opts.after !== undefined) q = q.where('tag_key', '>', opts.after);
    const rows = await q.orderBy('tag_key').limit(opts.limit).execute();
    return rows.map((r) => ({ key: r.tag_key, value: r.tag_value }));
  }

  async count(scope: Scope, keyId: string, excluding: string[] = []): Promise<number> {
    let q = this.db
      .selectFrom('kms_tags')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('key_id', '=', keyId);
    if (excluding.length) q = q.where('tag_key', 'not in', excluding);
    return Number((await q.executeTakeFirstOrThrow()).n);
  }

  /** Adds or overwrites. */
  async put(scope: Scope, keyId: string, tags: KmsTag[]): Promise<void> {
    // one upsert may not touch a row twice: the last value of a repeated key wins
    const unique = [...new Map(tags.map((t) => [t.key, t])).values()];
    if (!unique.length) return;
    await this.db
      .insertInto('kms_tags')
      .values(unique.map((t) => ({ account_id: scope.accountId, region: scope.region, key_id: keyId, tag_key: t.key, tag_value: t.value })))
      .onConflict((oc) => oc.columns(['account_id', 'region', 'key_id', 'tag_key']).doUpdateSet((eb) => ({ tag_value: eb.ref('excluded.tag_value') })))
      .execute();
  }

  async remove(scope: Scope, keyId: string, keys: string[]): Promise<void> {
    if (!keys.length) return;
    await this.db
      .deleteFrom('kms_tags')
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('key_id', '=', keyId)
      .where('tag_key', 'in', keys)
      .execute();
  }
}
