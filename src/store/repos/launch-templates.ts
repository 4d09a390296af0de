// Launch templates and their numbered versions (migration 0012). The tables are typed here (type
// aliases: `withTables` needs index-compatible shapes) and added to the store's Kysely handle, so
// the shared schema stays untouched.
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { Database } from '../schema.js';
import type { Scope } from '../scope.js';

export type LaunchTemplatesTable = {
  launch_template_id: string;
  account_id: string;
  region: string;
  name: string;
  created_at: string;
  /** the creator's ARN (`arn:aws:iam::<account>:root`) */
  created_by: string;
  default_version: number;
  /** the highest existing version */
  latest_version: number;
  /** the highest number ever given (numbers are not reused) */
  last_number: number;
};

export type LaunchTemplateVersionsTable = {
  launch_template_id: string;
  version_number: number;
  description: string | null;
  /** RequestLaunchTemplateData as JSON, stored as given */
  data: string;
  created_at: string;
  created_by: string;
};

export type LaunchTemplateTables = {
  launch_templates: LaunchTemplatesTable;
  launch_template_versions: LaunchTemplateVersionsTable;
};

export type LaunchTemplateRow = Selectable<LaunchTemplatesTable>;
export type LaunchTemplateVersionRow = Selectable<LaunchTemplateVersionsTable>;

export class LaunchTemplatesRepo {
  private readonly db: Kysely<Database & LaunchTemplateTables>;

  constructor(db: Kysely<Database>) {
    this.db = db.withTables<LaunchTemplateTables>();
  }

  async insert(row: LaunchTemplateRow, first: LaunchTemplateVersionRow): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
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
    return this.db.transaction().execute(async (trx) => {
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
    await this.db.transaction().execute(async (trx) => {
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
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('launch_template_versions').where('launch_template_id', '=', id).execute();
      await trx.deleteFrom('launch_templates').where('launch_template_id', '=', id).execute();
    });
  }
}
