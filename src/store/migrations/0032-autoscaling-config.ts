// The rest of Auto Scaling's configuration: launch configurations, scheduled actions (with the
// time each runs next, kept by a durable job), notification configurations; on groups the
// suspended processes, the enabled metrics and the launch configuration; on instances the
// launch configuration they were launched from.
import type { Kysely } from 'kysely';
import { intType } from '../dialects/dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('autoscaling_launch_configurations')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('config_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('autoscaling_launch_configurations_pk', ['account_id', 'region', 'name'])
    .execute();

  await db.schema
    .createTable('autoscaling_scheduled_actions')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('group_name', 'text', (c) => c.notNull())
    .addColumn('action_name', 'text', (c) => c.notNull())
    .addColumn('action_id', 'text', (c) => c.notNull())
    .addColumn('start_time', 'text')
    .addColumn('end_time', 'text')
    .addColumn('recurrence', 'text')
    .addColumn('time_zone', 'text')
    .addColumn('min_size', intType(db))
    .addColumn('max_size', intType(db))
    .addColumn('desired_capacity', intType(db))
    .addColumn('next_run_at', 'text')
    .addPrimaryKeyConstraint('autoscaling_scheduled_actions_pk', ['account_id', 'region', 'group_name', 'action_name'])
    .execute();

  await db.schema
    .createTable('autoscaling_notifications')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('group_name', 'text', (c) => c.notNull())
    .addColumn('topic_arn', 'text', (c) => c.notNull())
    .addColumn('notification_type', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('autoscaling_notifications_pk', ['account_id', 'region', 'group_name', 'topic_arn', 'notification_type'])
    .execute();

  await db.schema.alterTable('autoscaling_groups').addColumn('launch_configuration', 'text').execute();
  await db.schema.alterTable('autoscaling_groups').addColumn('suspended_processes', 'text').execute();
  await db.schema.alterTable('autoscaling_groups').addColumn('enabled_metrics', 'text').execute();
  await db.schema.alterTable('autoscaling_instances').addColumn('launch_configuration', 'text').execute();
}
