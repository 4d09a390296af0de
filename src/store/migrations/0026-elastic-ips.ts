// Elastic IP addresses (issue 12 §1): one row an allocation, its address unique across the host
// (the addresses come from the same loopback pool as instances' public addresses), associated
// with at most one instance's network interface at a time.
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('elastic_ips')
    .addColumn('allocation_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('public_ip', 'text', (c) => c.notNull().unique())
    .addColumn('association_id', 'text', (c) => c.unique())
    .addColumn('instance_id', 'text')
    .addColumn('eni_id', 'text')
    .addColumn('private_ip', 'text')
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await sql`CREATE INDEX elastic_ips_scope ON elastic_ips (account_id, region, allocation_id)`.execute(db);
  // one address a network interface (its primary private address)
  await sql`CREATE UNIQUE INDEX elastic_ips_eni ON elastic_ips (eni_id) WHERE eni_id IS NOT NULL`.execute(db);
}
