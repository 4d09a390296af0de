// Launch templates and their numbered versions (migration 0012; tables in schema.ts).
import { atomic } from '../atomic.js';
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Database, LaunchTemplatesTable, LaunchTemplateVersionsTable } from '../schema.js';
import type { Scope } from '../scope.js';




export type LaunchTemplateRow = Selectable<LaunchTemplatesTable>;
export type LaunchTemplateVersionRow = Selectable<LaunchTemplateVersionsTable>;

export class LaunchTemplatesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: LaunchTemplateRow, first: LaunchTemplateVersionRow): Promise<void> {
    await atomic(this.db, async (trx) => {
      await trx.insertInto('launch_templates').values(row).execute();
      await trx.insertInto('launch_template_versions').values(first).execute();
    });
  }

  async get(scope: Scope, id: string): Promise<LaunchTemplateRow | undefined> {
    return this.db
      .selectFrom('launch_templates')
      .selectAll()
      .where('launch_template_id', '=', id)
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .executeTakeFirst();
  }

  async byName(scope: Scope, name: string): Promise<LaunchTemplateRow | undefined> {
    return this.db
      .selectFrom('launch_templates')
      .selectAll()
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('name', '=', name)
      .executeTakeFirst();
  }

  async list(scope: Scope): Promise<LaunchTemplateRow[]> {
    return this.db
      .selectFrom('launch_templates')
      .selectAll()
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .orderBy('launch_template_id')
      .execute();
  }

  async update(id: string, set: Updateable<LaunchTemplatesTable>): Promise<void> {
    await this.db.updateTable('launch_templates').set(set).where('launch_template_id', '=', id).execute();
  }

  /** Adds the next version; returns its number. Numbering is atomic with the insert. */
  async addVersion(id: string, version: Omit<LaunchTemplateVersionRow, 'launch_template_id' | 'version_number'>): Promise<number> {
    return atomic(this.db, async (trx) => {
      const t = await trx.selectFrom('launch_templates').select('last_number').where('launch_template_id', '=', id).executeTakeFirstOrThrow();
      const n = t.last_number + 1;
      await trx.insertInto('launch_template_versions').values({ ...version, launch_template_id: id, version_number: n }).execute();
      await trx.updateTable('launch_templates').set({ last_number: n, latest_version: n }).where('launch_template_id', '=', id).execute();
      return n;
    });
  }

  async version(id: string, n: number): Promise<LaunchTemplateVersionRow | undefined> {
    return this.db.selectFrom('launch_template_versions').selectAll().where('launch_template_id', '=', id).where('version_number', '=', n).executeTakeFirst();
  }

  async versions(id: string): Promise<LaunchTemplateVersionRow[]> {
    return this.db.selectFrom('launch_template_versions').selectAll().where('launch_template_id', '=', id).orderBy('version_number').execute();
  }

  /** Deletes versions (never the default); the latest number follows the highest left. */
  async deleteVersions(id: string, numbers: readonly number[]): Promise<void> {
    if (numbers.length === 0) return;
    await atomic(this.db, async (trx) => {
      await trx
        .deleteFrom('launch_template_versions')
        .where('launch_template_id', '=', id)
        .where('version_number', 'in', numbers as number[])
        .execute();
      const top = await trx
        .selectFrom('launch_template_versions')
        .select((eb) => eb.fn.max('version_number').as('n'))
        .where('launch_template_id', '=', id)
        .executeTakeFirst();
      await trx
        .updateTable('launch_templates')
        .set({ latest_version: Number(top?.n ?? 0) })
        .where('launch_template_id', '=', id)
        .execute();
    });
  }

  async delete(id: string): Promise<void> {
    await atomic(this.db, async (trx) => {
      await trx.deleteFrom('launch_template_versions').where('launch_template_id', '=', id).execute();
      await trx.deleteFrom('launch_templates').where('launch_template_id', '=', id).execute();
    });
  }
}
