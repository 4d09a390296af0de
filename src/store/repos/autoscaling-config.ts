// Auto Scaling configuration beside the groups: launch configurations (per account and region),
// scheduled actions and notification configurations (per group).
import { atomic } from '../atomic.js';
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { AutoscalingLaunchConfigurationsTable, AutoscalingNotificationsTable, AutoscalingScheduledActionsTable, Database } from '../schema.js';
import type { Scope } from '../scope.js';

export type LaunchConfigRow = Selectable<AutoscalingLaunchConfigurationsTable>;
export type ScheduledActionRow = Selectable<AutoscalingScheduledActionsTable>;
export type NotificationRow = Selectable<AutoscalingNotificationsTable>;

export class AutoscalingConfigRepo {
  constructor(private readonly db: Kysely<Database>) {}

  // ---- launch configurations -------------------------------------------------------------

  async insertLaunchConfig(row: LaunchConfigRow): Promise<void> {
    await this.db.insertInto('autoscaling_launch_configurations').values(row).execute();
  }

  async launchConfigs(scope: Scope, names?: readonly string[]): Promise<LaunchConfigRow[]> {
    let q = this.db.selectFrom('autoscaling_launch_configurations').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region);
    if (names) q = q.where('name', 'in', names.length ? (names as string[]) : ['']);
    return q.orderBy('name').execute();
  }

  async countLaunchConfigs(scope: Scope): Promise<number> {
    const r = await this.db
      .selectFrom('autoscaling_launch_configurations')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async deleteLaunchConfig(scope: Scope, name: string): Promise<void> {
    await this.db.deleteFrom('autoscaling_launch_configurations').where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', '=', name).execute();
  }

  /** Names of the groups that launch from the launch configuration. */
  async groupsUsing(scope: Scope, name: string): Promise<string[]> {
    const rows = await this.db
      .selectFrom('autoscaling_groups')
      .select('group_name')
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('launch_configuration', '=', name)
      .orderBy('group_name')
      .execute();
    return rows.map((r) => r.group_name);
  }

  // ---- scheduled actions -------------------------------------------------------------------

  async putScheduledAction(row: ScheduledActionRow): Promise<void> {
    const { account_id, region, group_name, action_name, ...rest } = row;
    void account_id, region, group_name, action_name;
    await this.db
      .insertInto('autoscaling_scheduled_actions')
      .values(row)
      .onConflict((oc) => oc.columns(['account_id', 'region', 'group_name', 'action_name']).doUpdateSet(rest))
      .execute();
  }

  async scheduledActions(scope: Scope, group?: string): Promise<ScheduledActionRow[]> {
    let q = this.db.selectFrom('autoscaling_scheduled_actions').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region);
    if (group !== undefined) q = q.where('group_name', '=', group);
    return q.orderBy('group_name').orderBy('action_name').execute();
  }

  async scheduledAction(scope: Scope, group: string, name: string): Promise<ScheduledActionRow | undefined> {
    return this.db
      .selectFrom('autoscaling_scheduled_actions')
      .selectAll()
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('group_name', '=', group)
      .where('action_name', '=', name)
      .executeTakeFirst();
  }

  async updateScheduledAction(scope: Scope, group: string, name: string, set: Updateable<AutoscalingScheduledActionsTable>): Promise<void> {
    await this.db
      .updateTable('autoscaling_scheduled_actions')
      .set(set)
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('group_name', '=', group)
      .where('action_name', '=', name)
      .execute();
  }

  async deleteScheduledActions(scope: Scope, group: string, names: readonly string[]): Promise<void> {
    if (!names.length) return;
    await this.db
      .deleteFrom('autoscaling_scheduled_actions')
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('group_name', '=', group)
      .where('action_name', 'in', names as string[])
      .execute();
  }

  // ---- notification configurations -------------------------------------------------------------

  /** Replaces the topic's notification types for the group. */
  async putNotifications(scope: Scope, group: string, topicArn: string, types: readonly string[]): Promise<void> {
    await atomic(this.db, async (trx) => {
      await trx.deleteFrom('autoscaling_notifications').where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('group_name', '=', group).where('topic_arn', '=', topicArn).execute();
      for (const t of new Set(types)) {
        await trx.insertInto('autoscaling_notifications').values({ account_id: scope.accountId, region: scope.region, group_name: group, topic_arn: topicArn, notification_type: t }).execute();
      }
    });
  }

  async notifications(scope: Scope, groups?: readonly string[]): Promise<NotificationRow[]> {
    let q = this.db.selectFrom('autoscaling_notifications').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region);
    if (groups) q = q.where('group_name', 'in', groups.length ? (groups as string[]) : ['']);
    return q.orderBy('group_name').orderBy('topic_arn').orderBy('notification_type').execute();
  }

  /** Whether a notification configuration was deleted. */
  async deleteNotifications(scope: Scope, group: string, topicArn: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('autoscaling_notifications')
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('group_name', '=', group)
      .where('topic_arn', '=', topicArn)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
