// Instances and what they need around them: the instances themselves (state machine, launch
// facts; `seq` orders them by launch so reservations stay together and pages are stable), their
// EBS attachments, key pairs (public halves only), and security groups with their rules.
// VPCs, subnets and network interfaces are derived, not stored (default VPC per account and
// region, one default subnet per zone, one primary interface per instance).
import { sql, type Kysely } from 'kysely';
import { dialectOf, intType } from '../dialects/dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('instances')
    // SQLite: an INTEGER PRIMARY KEY AUTOINCREMENT; PostgreSQL: serial
    .addColumn('seq', dialectOf(db) === 'postgres' ? 'serial' : 'integer', (c) => (dialectOf(db) === 'postgres' ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('instance_id', 'text', (c) => c.notNull().unique())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('reservation_id', 'text', (c) => c.notNull())
    .addColumn('image_id', 'text', (c) => c.notNull())
    .addColumn('instance_type', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('state_reason_code', 'text')
    .addColumn('state_reason_message', 'text')
    .addColumn('transition_reason', 'text', (c) => c.notNull().defaultTo(''))
    .addColumn('availability_zone', 'text', (c) => c.notNull())
    .addColumn('subnet_id', 'text', (c) => c.notNull())
    .addColumn('vpc_id', 'text', (c) => c.notNull())
    .addColumn('private_ip', 'text', (c) => c.notNull())
    .addColumn('eni_id', 'text', (c) => c.notNull())
    .addColumn('mac_address', 'text', (c) => c.notNull())
    .addColumn('key_name', 'text')
    .addColumn('launch_index', intType(db), (c) => c.notNull())
    .addColumn('launch_time', 'text', (c) => c.notNull())
    .addColumn('client_token', 'text')
    .addColumn('architecture', 'text', (c) => c.notNull())
    .addColumn('root_device_name', 'text', (c) => c.notNull())
    .addColumn('user_data', 'text')
    .addColumn('disable_api_termination', intType(db), (c) => c.notNull().defaultTo(0))
    .addColumn('disable_api_stop', intType(db), (c) => c.notNull().defaultTo(0))
    .addColumn('shutdown_behavior', 'text', (c) => c.notNull().defaultTo('stop'))
    .addColumn('security_groups', 'text', (c) => c.notNull())
    // JSON: the launch facts that are read back but never queried (see instance-row.ts)
    .addColumn('spec', 'text', (c) => c.notNull())
    .addColumn('state_changed_at', 'text', (c) => c.notNull())
    .addColumn('running_since', 'text')
    .addColumn('terminated_at', 'text')
    .execute();
  await db.schema.createIndex('instances_scope').on('instances').columns(['account_id', 'region', 'seq']).execute();
  await db.schema.createIndex('instances_token').on('instances').columns(['account_id', 'region', 'client_token']).execute();
  await db.schema.createIndex('instances_subnet_ip').on('instances').columns(['subnet_id', 'private_ip']).execute();
  await db.schema.createIndex('instances_terminated').on('instances').columns(['terminated_at']).execute();

  // an instance's EBS volumes (the volumes themselves live in `volumes`)
  await db.schema
    .createTable('instance_volumes')
    .addColumn('volume_id', 'text', (c) => c.primaryKey())
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('device_name', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('attach_time', 'text', (c) => c.notNull())
    .addColumn('delete_on_termination', intType(db), (c) => c.notNull())
    .execute();
  await db.schema.createIndex('instance_volumes_instance').on('instance_volumes').columns(['instance_id', 'device_name']).execute();

  await db.schema
    .createTable('key_pairs')
    .addColumn('key_pair_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('key_name', 'text', (c) => c.notNull())
    .addColumn('key_type', 'text', (c) => c.notNull())
    .addColumn('fingerprint', 'text', (c) => c.notNull())
    // OpenSSH one-line form (`ssh-rsa AAAA…`); private keys are never stored
    .addColumn('public_key', 'text', (c) => c.notNull())
    .addColumn('create_time', 'text', (c) => c.notNull())
    .execute();
  await sql`CREATE UNIQUE INDEX key_pairs_name ON key_pairs (account_id, region, key_name)`.execute(db);

  await db.schema
    .createTable('security_groups')
    .addColumn('group_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('vpc_id', 'text', (c) => c.notNull())
    .addColumn('group_name', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await sql`CREATE UNIQUE INDEX security_groups_name ON security_groups (account_id, region, vpc_id, group_name)`.execute(db);

  await db.schema
    .createTable('security_group_rules')
    .addColumn('rule_id', 'text', (c) => c.primaryKey())
    .addColumn('group_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('is_egress', intType(db), (c) => c.notNull())
    .addColumn('ip_protocol', 'text', (c) => c.notNull())
    .addColumn('from_port', intType(db))
    .addColumn('to_port', intType(db))
    .addColumn('cidr_ipv4', 'text')
    .addColumn('cidr_ipv6', 'text')
    .addColumn('prefix_list_id', 'text')
    .addColumn('referenced_group_id', 'text')
    .addColumn('referenced_account_id', 'text')
    .addColumn('description', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('security_group_rules_group').on('security_group_rules').columns(['group_id']).execute();
}
