// NAT gateways and VPC peering connections (issue 12 §1). A NAT gateway holds an address of its
// subnet (a network_interface_addresses row under its requester-managed interface's id) and, when
// public, an Elastic IP (associated with that interface). A peering connection is seen by both
// sides: the requester's (account_id, region) and the accepter's.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('nat_gateways')
    .addColumn('nat_gateway_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('vpc_id', 'text', (c) => c.notNull())
    .addColumn('subnet_id', 'text', (c) => c.notNull())
    .addColumn('connectivity_type', 'text', (c) => c.notNull())
    .addColumn('allocation_id', 'text')
    .addColumn('public_ip', 'text')
    .addColumn('eni_id', 'text', (c) => c.notNull())
    .addColumn('private_ip', 'text', (c) => c.notNull())
    /** pending | deleting (the visible state settles from these) | failed | deleted */
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('failure_code', 'text')
    .addColumn('failure_message', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('deleted_at', 'text')
    .execute();
  await sql`CREATE INDEX nat_gateways_scope ON nat_gateways (account_id, region, nat_gateway_id)`.execute(db);
  await sql`CREATE INDEX nat_gateways_subnet ON nat_gateways (subnet_id)`.execute(db);

  await db.schema
    .createTable('vpc_peering_connections')
    .addColumn('pcx_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('vpc_id', 'text', (c) => c.notNull())
    .addColumn('vpc_cidr', 'text', (c) => c.notNull())
    .addColumn('peer_account_id', 'text', (c) => c.notNull())
    .addColumn('peer_region', 'text', (c) => c.notNull())
    .addColumn('peer_vpc_id', 'text', (c) => c.notNull())
    .addColumn('peer_vpc_cidr', 'text')
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('message', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('changed_at', 'text', (c) => c.notNull())
    .execute();
  await sql`CREATE INDEX vpc_peering_connections_requester ON vpc_peering_connections (account_id, region, pcx_id)`.execute(db);
  await sql`CREATE INDEX vpc_peering_connections_accepter ON vpc_peering_connections (peer_account_id, peer_region, pcx_id)`.execute(db);
}
