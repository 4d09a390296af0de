// Instance profile associations (issue 11 §5): which IAM instance profile an instance holds,
// from RunInstances or AssociateIamInstanceProfile, one row per association (iip-assoc-…). A
// disassociated or replaced association keeps its row, `disassociated` with `ended_at`, for
// DescribeIamInstanceProfileAssociations' state filter; at most one live association an
// instance (the partial unique index: two racing Associate calls admit one, on any node).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('instance_profile_associations')
    .addColumn('association_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('instance_id', 'text', (c) => c.notNull())
    .addColumn('profile_arn', 'text', (c) => c.notNull())
    .addColumn('profile_id', 'text', (c) => c.notNull())
    .addColumn('state', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .addColumn('ended_at', 'text')
    .execute();
  await sql`CREATE UNIQUE INDEX instance_profile_associations_live ON instance_profile_associations (instance_id) WHERE state = 'associated'`.execute(db);
  await sql`CREATE INDEX instance_profile_associations_scope ON instance_profile_associations (account_id, region, association_id)`.execute(db);
}
