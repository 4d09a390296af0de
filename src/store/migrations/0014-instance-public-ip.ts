// Instances that run as VMs get a public address from the loopback pool while they run
// (services/ec2/networking/public-addresses.ts); the column holds it, so an address is never
// handed out twice and a restarted server brings a running instance back at the same one.
// RunInstances under a memory budget counts the instances holding memory by type: an index on
// (state, instance_type) answers that without reading the table.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('instances').addColumn('public_ip', 'text').execute();
  await sql`CREATE UNIQUE INDEX instances_public_ip ON instances (public_ip) WHERE public_ip IS NOT NULL`.execute(db);
  await sql`CREATE INDEX instances_state_type ON instances (state, instance_type)`.execute(db);
}
