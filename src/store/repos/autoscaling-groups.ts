// Auto Scaling groups with their tags and scaling policies (one account and region each).
import { atomic } from '../atomic.js';
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { AutoscalingGroupsTable, AutoscalingLifecycleHooksTable, AutoscalingPoliciesTable, AutoscalingTagsTable, Database } from '../schema.js';
import type { Scope } from '../scope.js';

export type GroupRow = Selectable<AutoscalingGroupsTable>;
export type GroupTagRow = Selectable<AutoscalingTagsTable>;
export type PolicyRow = Selectable<AutoscalingPoliciesTable>;
export type LifecycleHookRow = Selectable<AutoscalingLifecycleHooksTable>;

export class AutoscalingGroupsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: GroupRow, tags: readonly GroupTagRow[]): Promise<void> {
    await atomic(this.db, async (trx) => {
      await trx.insertInto('autoscaling_groups').values(row).execute();
      for (const t of tags) await trx.insertInto('autoscaling_tags').values(t).execute();
    });
  }

  async get(scope: Scope, name: string): Promise<GroupRow | undefined> {
    return this.db
      .selectFrom('autoscaling_groups')
      .selectAll()
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('group_name', '=', name)
      .executeTakeFirst();
  }

  async list(scope: Scope): Promise<GroupRow[]> {
    return this.db.selectFrom('autoscaling_groups').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region).orderBy('group_name').execute();
  }

  /** Groups of every account and region with metrics collection on (EnableMetricsCollection). */
  async collectingMetrics(): Promise<GroupRow[]> {
    return this.db.selectFrom('autoscaling_groups').selectAll().where('enabled_metrics', 'is not', null).where('enabled_metrics', '<>', '[]').execute();
  }

  async update(scope: Scope, name: string, set: Updateable<AutoscalingGroupsTable>): Promise<void> {
    await this.db
      .updateTable('autoscaling_groups')
      .set(set)
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('group_name', '=', name)
      .execute();
  }

  /** Deletes the group, its tags, policies, scheduled actions, notifications and lifecycle hooks (its activities stay: IncludeDeletedGroups). */
  async delete(scope: Scope, name: string): Promise<void> {
    await atomic(this.db, async (trx) => {
      for (const table of ['autoscaling_groups', 'autoscaling_tags', 'autoscaling_policies', 'autoscaling_refreshes', 'autoscaling_scheduled_actions', 'autoscaling_notifications', 'autoscaling_lifecycle_hooks'] as const) {
        await trx.deleteFrom(table).where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('group_name', '=', name).execute();
      }
    });
  }

  // ---- tags ----------------------------------------------------------------------------

  async tags(scope: Scope, names?: readonly string[]): Promise<GroupTagRow[]> {
    let q = this.db.selectFrom('autoscaling_tags').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region);
    if (names) q = q.where('group_name', 'in', names.length ? (names as string[]) : ['']);
    return q.orderBy('group_name').orderBy('key').execute();
  }

  async putTags(tags: readonly GroupTagRow[]): Promise<void> {
    await atomic(this.db, async (trx) => {
      for (const t of tags) {
        await trx
          .insertInto('autoscaling_tags')
          .values(t)
          .onConflict((oc) => oc.columns(['account_id', 'region', 'group_name', 'key']).doUpdateSet({ value: t.value, propagate_at_launch: t.propagate_at_launch }))
          .execute();
      }
    });
  }

  async deleteTags(scope: Scope, tags: readonly { group: string; key: string }[]): Promise<void> {
    await atomic(this.db, async (trx) => {
      for (const t of tags) {
        await trx
          .deleteFrom('autoscaling_tags')
          .where('account_id', '=', scope.accountId)
          .where('region', '=', scope.region)
          .where('group_name', '=', t.group)
          .where('key', '=', t.key)
          .execute();
      }
    });
  }

  // ---- scaling policies ----------------------------------------------------------------

  async putPolicy(row: PolicyRow): Promise<void> {
    await this.db
      .insertInto('autoscaling_policies')
      .values(row)
      .onConflict((oc) => oc.columns(['account_id', 'region', 'group_name', 'policy_name']).doUpdateSet({ config: row.config }))
      .execute();
  }

  async policies(scope: Scope, group?: string): Promise<PolicyRow[]> {
    let q = this.db.selectFrom('autoscaling_policies').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region);
    if (group !== undefined) q = q.where('group_name', '=', group);
    return q.orderBy('group_name').orderBy('policy_name').execute();
  }

  async updatePolicy(scope: Scope, group: string, name: string, set: Updateable<AutoscalingPoliciesTable>): Promise<void> {
    await this.db
      .updateTable('autoscaling_policies')
      .set(set)
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('group_name', '=', group)
      .where('policy_name', '=', name)
      .execute();
  }

  async deletePolicy(scope: Scope, group: string, name: string): Promise<void> {
    await this.db
      .deleteFrom('autoscaling_policies')
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('group_name', '=', group)
      .where('policy_name', '=', name)
      .execute();
  }

  // ---- lifecycle hooks -----------------------------------------------------------------

  /** PutLifecycleHook: creates the hook or replaces its settings. */
  async putHook(row: LifecycleHookRow): Promise<void> {
    const { transition, heartbeat_timeout, default_result, notification_metadata, notification_target_arn, role_arn } = row;
    await this.db
      .insertInto('autoscaling_lifecycle_hooks')
      .values(row)
      .onConflict((oc) =>
        oc.columns(['account_id', 'region', 'group_name', 'hook_name']).doUpdateSet({ transition, heartbeat_timeout, default_result, notification_metadata, notification_target_arn, role_arn }),
      )
      .execute();
  }

  async hooks(scope: Scope, group: string): Promise<LifecycleHookRow[]> {
    return this.db
      .selectFrom('autoscaling_lifecycle_hooks')
      .selectAll()
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('group_name', '=', group)
      .orderBy('hook_name')
      .execute();
  }

  /** Whether a hook was there to delete. */
  async deleteHook(scope: Scope, group: string, name: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('autoscaling_lifecycle_hooks')
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('group_name', '=', group)
      .where('hook_name', '=', name)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
