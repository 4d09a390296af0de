// The named IAM entities (users, groups, roles, managed policies, instance profiles): one table
// each with the columns of IamNamedTable, keyed by (account, lower-cased name), listed in name
// order under a path prefix. One class serves every such table.
import { sql, type Kysely, type SqlBool, type Updateable } from 'kysely';
import type { Database, IamNamedTable } from '../schema.js';

export type IamEntityTable = 'iam_users' | 'iam_groups' | 'iam_roles' | 'iam_policies' | 'iam_instance_profiles';

export interface IamListQuery {
  pathPrefix?: string;
  /** name_key to continue after (exclusive) */
  after?: string;
  limit: number;
  /** only these name_keys */
  keys?: string[];
}

/** `column` starts with `prefix`, case-sensitive on both engines (LIKE is not, on SQLite). */
export function startsWith(column: string, prefix: string) {
  return sql<SqlBool>`substr(${sql.ref(column)}, 1, ${prefix.length}) = ${prefix}`;
}

export class IamEntitiesRepo<Row extends IamNamedTable> {
  constructor(
    private readonly db: Kysely<Database>,
    // every table here has IamNamedTable's columns; queries are typed as the plainest of them
    private readonly table: IamEntityTable,
  ) {}

  private get t(): 'iam_groups' {
    return this.table as 'iam_groups';
  }

  async get(accountId: string, nameKey: string): Promise<Row | undefined> {
    const row = await this.db.selectFrom(this.t).selectAll().where('account_id', '=', accountId).where('name_key', '=', nameKey).executeTakeFirst();
    return row as Row | undefined;
  }

  async getById(id: string): Promise<Row | undefined> {
    return (await this.db.selectFrom(this.t).selectAll().where('id', '=', id).executeTakeFirst()) as Row | undefined;
  }

  async list(accountId: string, q: IamListQuery): Promise<Row[]> {
    let query = this.db.selectFrom(this.t).selectAll().where('account_id', '=', accountId);
    if (q.pathPrefix && q.pathPrefix !== '/') query = query.where(startsWith('path', q.pathPrefix));
    if (q.after !== undefined) query = query.where('name_key', '>', q.after);
    if (q.keys) {
      if (q.keys.length === 0) return [];
      query = query.where('name_key', 'in', q.keys);
    }
    return (await query.orderBy('name_key').limit(q.limit).execute()) as Row[];
  }

  /** False when the name is taken in the account. */
  async insert(row: Row): Promise<boolean> {
    const r = await this.db
      .insertInto(this.t)
      .values(row)
      .onConflict((oc) => oc.columns(['account_id', 'name_key']).doNothing())
      .executeTakeFirst();
    return Number(r.numInsertedOrUpdatedRows ?? 0) > 0;
  }

  async update(accountId: string, nameKey: string, set: Updateable<Omit<Row, 'account_id' | 'name_key' | 'id'>>): Promise<void> {
    await this.db
      .updateTable(this.t)
      .set(set as Updateable<IamNamedTable>)
      .where('account_id', '=', accountId)
      .where('name_key', '=', nameKey)
      .execute();
  }

  async delete(accountId: string, nameKey: string): Promise<void> {
    await this.db.deleteFrom(this.t).where('account_id', '=', accountId).where('name_key', '=', nameKey).execute();
  }

  async count(accountId: string): Promise<number> {
    const r = await this.db.selectFrom(this.t).select((eb) => eb.fn.countAll<number>().as('n')).where('account_id', '=', accountId).executeTakeFirstOrThrow();
    return Number(r.n);
  }
}
