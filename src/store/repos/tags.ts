// Per-account tags on any EC2 resource: on a shared resource each account sees and sets only
// its own tags (AWS does not share user tags with launch permissions).
import { atomic } from '../atomic.js';
import { addTo } from '../../group-by.js';
import { idChunks } from '../id-chunks.js';
import { inIdList } from '../id-list.js';
import { prepared } from '../prepared.js';
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import type { Scope } from '../scope.js';

export interface TagRow {
  resourceId: string;
  resourceType: string;
  key: string;
  value: string;
}

// one resource's tags (a Describe* by id), prepared: the same rows as the chunked IN query
const tagsOf = prepared((db, accountId: string, resourceId: string) =>
  db.selectFrom('tags').select(['resource_id', 'key', 'value']).where('account_id', '=', accountId).where('resource_id', '=', resourceId).orderBy('resource_id').orderBy('key'),
);

export class TagsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Tags the account set on each resource, in key order. */
  async forResources(scope: Scope, resourceIds: readonly string[]): Promise<Map<string, { Key: string; Value: string }[]>> {
    const out = new Map<string, { Key: string; Value: string }[]>();
    if (resourceIds.length === 1) {
      const rows = await tagsOf.all(this.db, scope.accountId, resourceIds[0]);
      if (rows.length) out.set(resourceIds[0], rows.map((r) => ({ Key: r.key, Value: r.value })));
      return out;
    }
    const all = inIdList(this.db, 'resource_id', resourceIds);
    for (const chunk of all ? [resourceIds] : idChunks(resourceIds)) {
      const rows = await this.db
        .selectFrom('tags')
        .select(['resource_id', 'key', 'value'])
        .where('account_id', '=', scope.accountId)
        .where(all ?? ((eb) => eb('resource_id', 'in', chunk as string[])))
        .orderBy('resource_id')
        .orderBy('key')
        .execute();
      for (const r of rows) addTo(out, r.resource_id, { Key: r.key, Value: r.value });
    }
    return out;
  }

  async count(scope: Scope, resourceId: string): Promise<number> {
    const row = await this.db
      .selectFrom('tags')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', scope.accountId)
      .where('resource_id', '=', resourceId)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  async put(scope: Scope, tags: readonly TagRow[]): Promise<void> {
    if (tags.length === 0) return;
    await atomic(this.db, async (trx) => {
      for (const t of tags) {
        await trx
          .insertInto('tags')
          .values({ account_id: scope.accountId, region: scope.region, resource_id: t.resourceId, resource_type: t.resourceType, key: t.key, value: t.value })
          .onConflict((oc) => oc.columns(['resource_id', 'account_id', 'key']).doUpdateSet({ value: t.value }))
          .execute();
      }
    });
  }

  /** Deletes tags: by key (any value), by key and value, or all of a resource's when `keys` is undefined. */
  async delete(scope: Scope, resourceId: string, keys?: readonly { key: string; value?: string }[]): Promise<void> {
    let q = this.db.deleteFrom('tags').where('account_id', '=', scope.accountId).where('resource_id', '=', resourceId);
    if (keys === undefined) {
      await q.execute();
      return;
    }
    for (const k of keys) {
      q = this.db.deleteFrom('tags').where('account_id', '=', scope.accountId).where('resource_id', '=', resourceId).where('key', '=', k.key);
      if (k.value !== undefined) q = q.where('value', '=', k.value);
      await q.execute();
    }
  }

  /** Removes every account's tags of a deleted resource. */
  async deleteResource(resourceId: string): Promise<void> {
    await this.db.deleteFrom('tags').where('resource_id', '=', resourceId).execute();
  }

  async list(scope: Scope): Promise<(TagRow & { region: string })[]> {
    const rows = await this.db
      .selectFrom('tags')
      .select(['resource_id', 'resource_type', 'key', 'value', 'region'])
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .orderBy('resource_id')
      .orderBy('key')
      .execute();
    return rows.map((r) => ({ resourceId: r.resource_id, resourceType: r.resource_type, key: r.key, value: r.value, region: r.region }));
  }
}
