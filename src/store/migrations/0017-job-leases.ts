// Jobs are leased: several nodes share one queue and exactly one runs each job. A runner claims
// due jobs by writing its id and moving run_at to the lease's end (so the run_at index still
// finds what is due), renews the lease while it runs them, and a dead node's jobs fall due again
// when their lease runs out. `rerun` records a request to run a keyed job again that arrived
// while it was running (on any node).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('jobs').addColumn('lease_owner', 'text').execute();
  await db.schema.alterTable('jobs').addColumn('rerun', 'integer', (c) => c.notNull().defaultTo(0)).execute();
  await sql`CREATE INDEX jobs_lease ON jobs (lease_owner)`.execute(db);
}
