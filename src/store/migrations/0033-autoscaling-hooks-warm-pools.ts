// Auto Scaling lifecycle hooks and warm pools (issue 13 §4): one row a hook (PutLifecycleHook's
// parameters), the group's warm pool configuration (PutWarmPool's, with its Status) as a JSON
// column of the group, and an instance's lifecycle action in progress (the hooks it waits for,
// their tokens, deadlines and results) as a JSON column of the instance.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('autoscaling_lifecycle_hooks')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('group_name', 'text', (c) => c.notNull())
    .addColumn('hook_name', 'text', (c) => c.notNull())
    .addColumn('transition', 'text', (c) => c.notNull())
    .addColumn('heartbeat_timeout', 'integer', (c) => c.notNull())
    .addColumn('default_result', 'text', (c) => c.notNull())
    .addColumn('notification_metadata', 'text')
    .addColumn('notification_target_arn', 'text')
    .addColumn('role_arn', 'text')
    .addPrimaryKeyConstraint('autoscaling_lifecycle_hooks_pk', ['account_id', 'region', 'group_name', 'hook_name'])
    .execute();
  await db.schema.alterTable('autoscaling_groups').addColumn('warm_pool', 'text').execute();
  await db.schema.alterTable('autoscaling_instances').addColumn('lifecycle_action', 'text').execute();
}
