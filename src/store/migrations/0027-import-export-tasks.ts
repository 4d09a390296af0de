// EC2's import and export tasks (issue 12 §2): ImportImage, ImportSnapshot, ExportImage and the
// store/restore image tasks, one row a task. What the Describe calls answer lives in `detail`
// (JSON: progress, status message, the disks and their snapshots); `status` is the state the
// describes filter on (active | completed | deleting | deleted; store tasks: InProgress …).
import { sql, type Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  await db.schema
    .createTable('import_export_tasks')
    .addColumn('task_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('kind', 'text', (c) => c.notNull())
    .addColumn('status', 'text', (c) => c.notNull())
    .addColumn('detail', 'text', (c) => c.notNull())
    .addColumn('created_at', 'text', (c) => c.notNull())
    .execute();
  await sql`CREATE INDEX import_export_tasks_scope ON import_export_tasks (account_id, region, kind, task_id)`.execute(db);
}
