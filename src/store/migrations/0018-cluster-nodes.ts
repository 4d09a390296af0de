// Several nodes on one database (issue 10 §4). `nodes`: each `imago serve` process's identity,
// where its peers reach it, and its heartbeat (a node whose heartbeat is old is dead: its jobs
// and its instances are taken over or reported impaired). `instances.node_id`: the node whose
// driver runs the instance's VM (NULL when nothing node-bound runs it). `jobs.node_id`: a job
// only that node may run (a launch placed on the node that checked its capacity) until the node
// dies. `cluster_locks`: leased named locks for work one node at a time must do (catalog seeding).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('nodes')
    .addColumn('node_id', 'text', (c) => c.primaryKey())
    .addColumn('url', 'text', (c) => c.notNull())
    .addColumn('compute', 'text', (c) => c.notNull())
    .addColumn('blocks', 'text', (c) => c.notNull())
    .addColumn('started_at', 'text', (c) => c.notNull())
    .addColumn('heartbeat_at', 'text', (c) => c.notNull())
    .execute();
  await db.schema.alterTable('instances').addColumn('node_id', 'text').execute();
  await db.schema.alterTable('jobs').addColumn('node_id', 'text').execute();
  await sql`CREATE INDEX instances_node ON instances (node_id) WHERE node_id IS NOT NULL`.execute(db);
  await db.schema
    .createTable('cluster_locks')
    .addColumn('name', 'text', (c) => c.primaryKey())
    .addColumn('owner', 'text', (c) => c.notNull())
    .addColumn('until', 'text', (c) => c.notNull())
    .execute();
}
