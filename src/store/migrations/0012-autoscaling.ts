// Launch templates (numbered, immutable versions with their data as given) and Auto Scaling:
// groups, their instances, scaling activities, ASG tags, scaling policies and instance
// refreshes. Every row carries account and region; the reconciler's progress lives here (not in
// memory), so a restart resumes scaling and refreshes where they were.
import { sql, type Kysely } from 'kysely';
import { intType } from '../dialects/dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('launch_templates')
    .addColumn('launch_template_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addColumn('default_version', intType(db), (c) => c.notNull())
    .addColumn('latest_version', intType(db), (c) => c.notNull())
    // version numbers are never reused, even after the newest version is deleted
    .addColumn('last_number', intType(db), (c) => c.notNull())
    .execute();
  await sql`CREATE UNIQUE INDEX launch_templates_name ON launch_templates (account_id, region, name)`.execute(db);

  await db.schema
    .createTable('launch_template_versions')
    .addColumn('launch_template_id', 'text', (c) => c.notNull())
    .addColumn('version_number', intType(db), (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('data', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('created_by', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('launch_template_versions_pk', ['launch_template_id', 'version_number'])
    .execute();

  await db.schema
    .createTable('autoscaling_groups')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('group_name', 'text', (c) => c.notNull())
    .addColumn('group_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('min_size', intType(db), (c) => c.notNull())
    .addColumn('max_size', intType(db), (c) => c.notNull())
    .addColumn('desired_capacity', intType(db), (c) => c.notNull())
    .addColumn('launch_template', 'text')
    .addColumn('mixed_instances_policy', 'text')
    .addColumn('settings', 'text', (c) => c.notNull())
    .addColumn('status', 'text')
    .addColumn('capacity_cause', 'text')
    .addColumn('launch_failures', intType(db), (c) => c.notNull().defaultTo(0))
    .addColumn('next_launch_at', 'text')
    .addColumn('cooldown_until', 'text')
    .addPrimaryKeyConstraint('autoscaling_groups_pk', ['account_id', 'region', 'group_name'])
    .execute();

  await db.schema
    .createTable('autoscaling_instances')
    .addColumn('instance_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('group_name', 'text', (c) => c.notNull())
    .addColumn('availability_zone', 'text', (c) => c.notNull())
    .addColumn('subnet_id', 'text')
    .addColumn('lifecycle_state', 'text', (c) => c.notNull())
    .addColumn('health_status', 'text', (c) => c.notNull())
    .addColumn('protected_from_scale_in', intType(db), (c) => c.notNull())
    .addColumn('launch_template', 'text')
    .addColumn('image_id', 'text')
    .addColumn('instance_type', 'text')
    .addColumn('launched_at', 'text', (c) => c.notNull())
    .addColumn('in_service_at', 'text')
    .addColumn('refresh_id', 'text')
    .addColumn('activity_id', 'text')
    .addColumn('termination_cause', 'text')
    .execute();
  await db.schema.createIndex('autoscaling_instances_group').on('autoscaling_instances').columns(['account_id', 'region', 'group_name']).execute();

  await db.schema
    .createTable('autoscaling_activities')
    .addColumn('activity_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('group_name', 'text', (c) => c.notNull())
    .addColumn('group_id', 'text', (c) => c.notNull())
    .addColumn('seq', intType(db), (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('cause', 'text', (c) => c.notNull())
    .addColumn('start_time', 'text', (c) => c.notNull())
    .addColumn('end_time', 'text')
    .addColumn('status_code', 'text', (c) => c.notNull())
    .addColumn('status_message', 'text')
    .addColumn('progress', intType(db), (c) => c.notNull())
    .addColumn('details', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('autoscaling_activities_group').on('autoscaling_activities').columns(['account_id', 'region', 'group_name', 'seq']).execute();

  await db.schema
    .createTable('autoscaling_tags')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('group_name', 'text', (c) => c.notNull())
    .addColumn('key', 'text', (c) => c.notNull())
    .addColumn('value', 'text', (c) => c.notNull())
    .addColumn('propagate_at_launch', intType(db), (c) => c.notNull())
    .addPrimaryKeyConstraint('autoscaling_tags_pk', ['account_id', 'region', 'group_name', 'key'])
    .execute();

  await db.schema
    .createTable('autoscaling_policies')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('group_name', 'text', (c) => c.notNull())
    .addColumn('policy_name', 'text', (c) => c.notNull())
    .addColumn('policy_id', 'text', (c) => c.notNull())
    .addColumn('config', 'text', (c) => c.notNull())
    .addColumn('last_executed_at', 'text')
    .addPrimaryKeyConstraint('autoscaling_policies_pk', ['account_id', 'region', 'group_name', 'policy_name'])
    .execute();

  await db.schema
    .createTable('autoscaling_refreshes')
    .addColumn('refresh_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('group_name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('status_reason', 'text')
    .addColumn('start_time', 'text', (c) => c.notNull())
    .addColumn('end_time', 'text')
    .addColumn('strategy', 'text', (c) => c.notNull())
    .addColumn('preferences', 'text', (c) => c.notNull())
    .addColumn('desired_configuration', 'text')
    .addColumn('plan', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('autoscaling_refreshes_group').on('autoscaling_refreshes').columns(['account_id', 'region', 'group_name', 'start_time']).execute();
}
