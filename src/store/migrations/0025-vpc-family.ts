// The VPC family (issue 12 §1): VPCs and their CIDR blocks, subnets, internet gateways, route
// tables (routes, associations: one main association a VPC), network ACLs (entries,
// associations: one a subnet) and DHCP options sets. Every table is keyed by its id and listed
// by (account_id, region, id), the order describes page in; children by their parent.
import { sql, type Kysely } from 'kysely';

const scoped = async (db: Kysely<unknown>, table: string, id: string) =>
  sql`CREATE INDEX ${sql.raw(`${table}_scope`)} ON ${sql.raw(table)} (account_id, region, ${sql.raw(id)})`.execute(db);

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('vpcs')
    .addColumn('vpc_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('cidr_block', 'text', (c) => c.notNull())
    .addColumn('instance_tenancy', 'text', (c) => c.notNull())
    .addColumn('is_default', 'integer', (c) => c.notNull())
    .addColumn('dhcp_options_id', 'text', (c) => c.notNull())
    .addColumn('enable_dns_support', 'integer', (c) => c.notNull())
    .addColumn('enable_dns_hostnames', 'integer', (c) => c.notNull())
    .addColumn('enable_nau_metrics', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await scoped(db, 'vpcs', 'vpc_id');

  await db.schema
    .createTable('vpc_cidr_blocks')
    .addColumn('association_id', 'text', (c) => c.primaryKey())
    .addColumn('vpc_id', 'text', (c) => c.notNull())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('cidr_block', 'text', (c) => c.notNull())
    .addColumn('ipv6', 'integer', (c) => c.notNull())
    .addColumn('network_border_group', 'text')
    .addColumn('position', 'integer', (c) => c.notNull())
    .execute();
  await sql`CREATE INDEX vpc_cidr_blocks_vpc ON vpc_cidr_blocks (vpc_id, position)`.execute(db);

  await db.schema
    .createTable('subnets')
    .addColumn('subnet_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('vpc_id', 'text', (c) => c.notNull())
    .addColumn('availability_zone', 'text', (c) => c.notNull())
    .addColumn('cidr_block', 'text', (c) => c.notNull())
    .addColumn('ipv6_cidr_block', 'text')
    .addColumn('ipv6_association_id', 'text')
    .addColumn('default_for_az', 'integer', (c) => c.notNull())
    .addColumn('map_public_ip_on_launch', 'integer', (c) => c.notNull())
    .addColumn('assign_ipv6_on_creation', 'integer', (c) => c.notNull())
    .addColumn('enable_dns64', 'integer', (c) => c.notNull())
    .addColumn('hostname_type', 'text', (c) => c.notNull())
    .addColumn('dns_a_record', 'integer', (c) => c.notNull())
    .addColumn('dns_aaaa_record', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await scoped(db, 'subnets', 'subnet_id');
  await sql`CREATE INDEX subnets_vpc ON subnets (vpc_id)`.execute(db);

  await db.schema
    .createTable('internet_gateways')
    .addColumn('gateway_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('vpc_id', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await scoped(db, 'internet_gateways', 'gateway_id');
  // one gateway a VPC, whichever node attaches
  await sql`CREATE UNIQUE INDEX internet_gateways_vpc ON internet_gateways (vpc_id) WHERE vpc_id IS NOT NULL`.execute(db);

  await db.schema
    .createTable('route_tables')
    .addColumn('route_table_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('vpc_id', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await scoped(db, 'route_tables', 'route_table_id');
  await sql`CREATE INDEX route_tables_vpc ON route_tables (vpc_id)`.execute(db);

  await db.schema
    .createTable('routes')
    .addColumn('route_table_id', 'text', (c) => c.notNull())
    .addColumn('destination', 'text', (c) => c.notNull())
    .addColumn('destination_type', 'text', (c) => c.notNull())
    .addColumn('target_type', 'text', (c) => c.notNull())
    .addColumn('target_id', 'text', (c) => c.notNull())
    .addColumn('origin', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('routes_pk', ['route_table_id', 'destination'])
    .execute();
  await sql`CREATE INDEX routes_target ON routes (target_id)`.execute(db);

  await db.schema
    .createTable('route_table_associations')
    .addColumn('association_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('route_table_id', 'text', (c) => c.notNull())
    .addColumn('vpc_id', 'text', (c) => c.notNull())
    .addColumn('subnet_id', 'text', (c) => c.unique())
    .addColumn('gateway_id', 'text', (c) => c.unique())
    .addColumn('main', 'integer', (c) => c.notNull())
    .execute();
  await sql`CREATE INDEX route_table_associations_table ON route_table_associations (route_table_id)`.execute(db);
  await sql`CREATE UNIQUE INDEX route_table_associations_main ON route_table_associations (vpc_id) WHERE main = 1`.execute(db);

  await db.schema
    .createTable('network_acls')
    .addColumn('network_acl_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('vpc_id', 'text', (c) => c.notNull())
    .addColumn('is_default', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await scoped(db, 'network_acls', 'network_acl_id');
  await sql`CREATE INDEX network_acls_vpc ON network_acls (vpc_id)`.execute(db);

  await db.schema
    .createTable('network_acl_entries')
    .addColumn('network_acl_id', 'text', (c) => c.notNull())
    .addColumn('egress', 'integer', (c) => c.notNull())
    .addColumn('rule_number', 'integer', (c) => c.notNull())
    .addColumn('protocol', 'text', (c) => c.notNull())
    .addColumn('rule_action', 'text', (c) => c.notNull())
    .addColumn('cidr_block', 'text')
    .addColumn('ipv6_cidr_block', 'text')
    .addColumn('icmp_type', 'integer')
    .addColumn('icmp_code', 'integer')
    .addColumn('port_from', 'integer')
    .addColumn('port_to', 'integer')
    .addPrimaryKeyConstraint('network_acl_entries_pk', ['network_acl_id', 'egress', 'rule_number'])
    .execute();

  await db.schema
    .createTable('network_acl_associations')
    .addColumn('association_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('network_acl_id', 'text', (c) => c.notNull())
    .addColumn('subnet_id', 'text', (c) => c.notNull().unique())
    .execute();
  await sql`CREATE INDEX network_acl_associations_acl ON network_acl_associations (network_acl_id)`.execute(db);

  await db.schema
    .createTable('dhcp_options')
    .addColumn('dhcp_options_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    /** JSON: [{ key, values: [...] }] */
    .addColumn('configurations', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await scoped(db, 'dhcp_options', 'dhcp_options_id');
}
