// IAM (issue 11): users, groups and their members, roles (trust policies), access keys (secrets
// only wrapped under a key derived from the master key), customer managed policies and their
// versions, inline policies and attachments of users, groups and roles, instance profiles.
// IAM is global: rows carry the account, no region. Names are unique per account whatever
// their case (IAM's rule), so each entity is keyed by `name_key` (lower case) and keeps the
// name as given. Tags are JSON arrays of {Key, Value} in their entity's row.
import { sql, type Kysely } from 'kysely';
import { bytesType, intType } from '../dialects/dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const named = (table: string) =>
    db.schema
      .createTable(table)
      .addColumn('account_id', 'text', (c) => c.notNull())
      .addColumn('name_key', 'text', (c) => c.notNull())
      .addColumn('name', 'text', (c) => c.notNull())
      .addColumn('id', 'text', (c) => c.notNull().unique())
      .addColumn('path', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint(`${table}_pk`, ['account_id', 'name_key']);

  await named('iam_users').addColumn('permissions_boundary', 'text').addColumn('tags', 'text', (c) => c.notNull()).execute();
  await named('iam_groups').execute();
  await named('iam_roles')
    .addColumn('trust_policy', 'text', (c) => c.notNull())
    .addColumn('description', 'text')
    .addColumn('max_session_duration', intType(db), (c) => c.notNull())
    .addColumn('permissions_boundary', 'text')
    .addColumn('tags', 'text', (c) => c.notNull())
    .execute();
  await named('iam_policies')
    .addColumn('description', 'text')
    .addColumn('default_version', 'text', (c) => c.notNull())
    .addColumn('last_version', intType(db), (c) => c.notNull())
    .addColumn('updated_at', 'text', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .execute();
  await named('iam_instance_profiles').addColumn('role_key', 'text').addColumn('tags', 'text', (c) => c.notNull()).execute();
  await sql`CREATE INDEX iam_instance_profiles_role ON iam_instance_profiles (account_id, role_key)`.execute(db);

  await db.schema
    .createTable('iam_group_members')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('group_key', 'text', (c) => c.notNull())
    .addColumn('user_key', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('iam_group_members_pk', ['account_id', 'group_key', 'user_key'])
    .execute();
  await sql`CREATE INDEX iam_group_members_user ON iam_group_members (account_id, user_key)`.execute(db);

  await db.schema
    .createTable('iam_policy_versions')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('policy_key', 'text', (c) => c.notNull())
    .addColumn('version_id', 'text', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('iam_policy_versions_pk', ['account_id', 'policy_key', 'version_id'])
    .execute();

  // owner_type: user | group | role; owner_key: the owner's name_key
  await db.schema
    .createTable('iam_inline_policies')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('owner_type', 'text', (c) => c.notNull())
    .addColumn('owner_key', 'text', (c) => c.notNull())
    .addColumn('policy_name', 'text', (c) => c.notNull())
    .addColumn('document', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('iam_inline_policies_pk', ['account_id', 'owner_type', 'owner_key', 'policy_name'])
    .execute();
  await db.schema
    .createTable('iam_attachments')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('owner_type', 'text', (c) => c.notNull())
    .addColumn('owner_key', 'text', (c) => c.notNull())
    .addColumn('policy_arn', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('iam_attachments_pk', ['account_id', 'owner_type', 'owner_key', 'policy_arn'])
    .execute();
  await sql`CREATE INDEX iam_attachments_policy ON iam_attachments (policy_arn)`.execute(db);

  await db.schema
    .createTable('iam_access_keys')
    .addColumn('access_key_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('user_key', 'text', (c) => c.notNull())
    .addColumn('secret', bytesType(db), (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('last_used_at', 'text')
    .addColumn('last_used_service', 'text')
    .addColumn('last_used_region', 'text')
    .execute();
  await sql`CREATE INDEX iam_access_keys_user ON iam_access_keys (account_id, user_key)`.execute(db);
}
