// SSM Parameter Store: parameters (name -> latest version), their versions, labels and tags,
// all scoped by account and region. Multi-step changes run in `transaction`, whose callback gets
// a repo bound to the transaction.
import { atomic } from '../atomic.js';
import type { Kysely, Selectable } from 'kysely';
import type { Database, SsmParameterVersionsTable } from '../schema.js';
import type { Scope } from '../scope.js';

export type ParameterVersionRow = Selectable<SsmParameterVersionsTable>;

/** The key columns naming one parameter (its versions, labels). */
const named = (scope: Scope, name: string) => ({ account_id: scope.accountId, region: scope.region, name });
/** The key columns naming one tagged resource. */
const resource = (scope: Scope, resourceType: string, resourceId: string) => ({ account_id: scope.accountId, region: scope.region, resource_type: resourceType, resource_id: resourceId });

export class SsmParametersRepo {
  constructor(private readonly db: Kysely<Database>) {}

  transaction<T>(fn: (repo: SsmParametersRepo) => Promise<T>): Promise<T> {
    return atomic(this.db, (trx) => fn(new SsmParametersRepo(trx)));
  }

  private versions(scope: Scope, name: string) {
    return this.db.selectFrom('ssm_parameter_versions').selectAll().where((eb) => eb.and(named(scope, name)));
  }

  /** The latest version of a parameter. */
  async latest(scope: Scope, name: string): Promise<ParameterVersionRow | undefined> {
    return this.db
      .selectFrom('ssm_parameters as p')
      .innerJoin('ssm_parameter_versions as v', (j) =>
        j.onRef('v.account_id', '=', 'p.account_id').onRef('v.region', '=', 'p.region').onRef('v.name', '=', 'p.name').onRef('v.version', '=', 'p.version'),
      )
      .selectAll('v')
      .where('p.account_id', '=', scope.accountId)
      .where('p.region', '=', scope.region)
      .where('p.name', '=', name)
      .executeTakeFirst();
  }

  async version(scope: Scope, name: string, version: number): Promise<ParameterVersionRow | undefined> {
    return this.versions(scope, name).where('version', '=', version).executeTakeFirst();
  }

  /** Every version, oldest first. */
  async history(scope: Scope, name: string): Promise<ParameterVersionRow[]> {
    return this.versions(scope, name).orderBy('version').execute();
  }

  /** Latest versions of the account's parameters whose names start with `prefix`, by name. */
  async listLatest(scope: Scope, prefix = ''): Promise<ParameterVersionRow[]> {
    let q = this.db
      .selectFrom('ssm_parameters as p')
      .innerJoin('ssm_parameter_versions as v', (j) =>
        j.onRef('v.account_id', '=', 'p.account_id').onRef('v.region', '=', 'p.region').onRef('v.name', '=', 'p.name').onRef('v.version', '=', 'p.version'),
      )
      .selectAll('v')
      .where('p.account_id', '=', scope.accountId)
      .where('p.region', '=', scope.region);
    // a range on the primary key instead of LIKE (which would skip the index)
    if (prefix) q = q.where('p.name', '>=', prefix).where('p.name', '<', `${prefix}\u{10ffff}`);
    return q.orderBy('p.name').execute();
  }

  /** Inserts a version and makes it the latest. */
  async putVersion(row: ParameterVersionRow): Promise<void> {
    await this.db.insertInto('ssm_parameter_versions').values(row).execute();
    await this.db
      .insertInto('ssm_parameters')
      .values({ account_id: row.account_id, region: row.region, name: row.name, version: row.version })
      .onConflict((oc) => oc.columns(['account_id', 'region', 'name']).doUpdateSet({ version: row.version }))
      .execute();
  }

  async deleteVersion(scope: Scope, name: string, version: number): Promise<void> {
    await this.db.deleteFrom('ssm_parameter_versions').where((eb) => eb.and({ ...named(scope, name), version })).execute();
  }

  /** Deletes a parameter with its versions, labels and tags; false when it did not exist. */
  async delete(scope: Scope, name: string): Promise<boolean> {
    const r = await this.db.deleteFrom('ssm_parameters').where((eb) => eb.and(named(scope, name))).executeTakeFirst();
    if (Number(r.numDeletedRows) === 0) return false;
    await this.db.deleteFrom('ssm_parameter_versions').where((eb) => eb.and(named(scope, name))).execute();
    await this.db.deleteFrom('ssm_parameter_labels').where((eb) => eb.and(named(scope, name))).execute();
    await this.db.deleteFrom('ssm_tags').where((eb) => eb.and(resource(scope, 'Parameter', name))).execute();
    return true;
  }

  // ---- labels --------------------------------------------------------------------------

  /** label -> version for a parameter. */
  async labels(scope: Scope, name: string): Promise<Map<string, number>> {
    const rows = await this.db.selectFrom('ssm_parameter_labels').select(['label', 'version']).where((eb) => eb.and(named(scope, name))).orderBy('label').execute();
    return new Map(rows.map((r) => [r.label, r.version]));
  }

  /** Attaches labels to a version, moving them from any other version. */
  async setLabels(scope: Scope, name: string, version: number, labels: readonly string[]): Promise<void> {
    for (const label of labels) {
      await this.db
        .insertInto('ssm_parameter_labels')
        .values({ ...named(scope, name), label, version })
        .onConflict((oc) => oc.columns(['account_id', 'region', 'name', 'label']).doUpdateSet({ version }))
        .execute();
    }
  }

  // ---- tags ----------------------------------------------------------------------------

  async tags(scope: Scope, resourceType: string, resourceId: string): Promise<{ Key: string; Value: string }[]> {
    const rows = await this.db.selectFrom('ssm_tags').select(['key', 'value']).where((eb) => eb.and(resource(scope, resourceType, resourceId))).orderBy('key').execute();
    return rows.map((r) => ({ Key: r.key, Value: r.value }));
  }

  async putTags(scope: Scope, resourceType: string, resourceId: string, tags: readonly { Key: string; Value: string }[]): Promise<void> {
    for (const t of tags) {
      await this.db
        .insertInto('ssm_tags')
        .values({ ...resource(scope, resourceType, resourceId), key: t.Key, value: t.Value })
        .onConflict((oc) => oc.columns(['account_id', 'region', 'resource_type', 'resource_id', 'key']).doUpdateSet({ value: t.Value }))
        .execute();
    }
  }

  async removeTags(scope: Scope, resourceType: string, resourceId: string, keys: readonly string[]): Promise<void> {
    if (keys.length === 0) return;
    await this.db
      .deleteFrom('ssm_tags')
      .where((eb) => eb.and(resource(scope, resourceType, resourceId)))
      .where('key', 'in', keys as string[])
      .execute();
  }
}
