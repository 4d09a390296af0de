// Network interfaces of their own (issue 12 §1): CreateNetworkInterface's, attached to an
// instance at a device index or available; and, for an instance's primary interface (still a
// view of the instance row), a row only once something of its own is set (description,
// source/dest check, secondary addresses). Every private address an interface holds besides an
// instance's primary one is a row of network_interface_addresses, unique in its subnet, so
// launches and interfaces never take the same one.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('network_interfaces')
    .addColumn('eni_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('subnet_id', 'text', (c) => c.notNull())
    .addColumn('vpc_id', 'text', (c) => c.notNull())
    .addColumn('availability_zone', 'text', (c) => c.notNull())
    /** the primary private address (an instance's primary interface: the instance's) */
    .addColumn('private_ip', 'text', (c) => c.notNull())
    .addColumn('mac_address', 'text', (c) => c.notNull())
    .addColumn('description', 'text', (c) => c.notNull())
    .addColumn('source_dest_check', 'integer', (c) => c.notNull())
    /** JSON [sg-…] (an instance's primary interface: the instance's groups are the truth) */
    .addColumn('groups', 'text', (c) => c.notNull())
    /** 1: the primary interface of instance_id, which it cannot leave */
    .addColumn('instance_primary', 'integer', (c) => c.notNull())
    .addColumn('instance_id', 'text')
    .addColumn('device_index', 'integer')
    .addColumn('attachment_id', 'text')
    .addColumn('attach_time', 'text')
    .addColumn('delete_on_termination', 'integer', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await sql`CREATE INDEX network_interfaces_scope ON network_interfaces (account_id, region, eni_id)`.execute(db);
  await sql`CREATE INDEX network_interfaces_subnet ON network_interfaces (subnet_id)`.execute(db);
  await sql`CREATE UNIQUE INDEX network_interfaces_device ON network_interfaces (instance_id, device_index) WHERE instance_id IS NOT NULL`.execute(db);
  await sql`CREATE UNIQUE INDEX network_interfaces_attachment ON network_interfaces (attachment_id) WHERE attachment_id IS NOT NULL`.execute(db);

  await db.schema
    .createTable('network_interface_addresses')
    .addColumn('eni_id', 'text', (c) => c.notNull())
    .addColumn('subnet_id', 'text', (c) => c.notNull())
    .addColumn('private_ip', 'text', (c) => c.notNull())
    .addColumn('is_primary', 'integer', (c) => c.notNull())
    .addPrimaryKeyConstraint('network_interface_addresses_pk', ['subnet_id', 'private_ip'])
    .execute();
  await sql`CREATE INDEX network_interface_addresses_eni ON network_interface_addresses (eni_id)`.execute(db);
}
