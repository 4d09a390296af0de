// EC2's import/export tasks (migration 0027): a row a task, its describable state as JSON.
// Listings are per (account, region, kind) in task id order.
import type { Kysely, Selectable } from 'kysely';
import type { Database, ImportExportTasksTable } from '../schema.js';
import type { Scope } from '../scope.js';

export type ImportExportTaskRow = Selectable<ImportExportTasksTable>;

export class ImportExportTasksRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: ImportExportTaskRow): Promise<void> {
    await this.db.insertInto('import_export_tasks').values(row).execute();
  }

  get(taskId: string): Promise<ImportExportTaskRow | undefined> {
    return this.db.selectFrom('import_export_tasks').selectAll().where('task_id', '=', taskId).executeTakeFirst();
  }

  async update(taskId: string, fields: Partial<Pick<ImportExportTaskRow, 'status' | 'detail'>>): Promise<void> {
    await this.db.updateTable('import_export_tasks').set(fields).where('task_id', '=', taskId).execute();
  }

  /** Moves a task from one status to another; false when it was no longer in `from`. */
  async transition(taskId: string, from: string, to: string): Promise<boolean> {
    const r = await this.db.updateTable('import_export_tasks').set({ status: to }).where('task_id', '=', taskId).where('status', '=', from).executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  list(scope: Scope, kind: string, ids?: readonly string[]): Promise<ImportExportTaskRow[]> {
    let q = this.db.selectFrom('import_export_tasks').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('kind', '=', kind);
    if (ids?.length) q = q.where('task_id', 'in', [...ids]);
    return q.orderBy('task_id').execute();
  }
}
