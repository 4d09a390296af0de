// Security group rules keep the order they were given in: rules added by one call share their
// creation time, and SQLite's rowid (insertion order) is not a column PostgreSQL has. A rule's
// position within its call breaks the tie on both engines.
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema.alterTable('security_group_rules').addColumn('position', 'integer', (c) => c.notNull().defaultTo(0)).execute();
}
