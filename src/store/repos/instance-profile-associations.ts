// EC2's instance profile associations (migration 0023): at most one `associated` row an instance
// (a partial unique index), ended rows kept `disassociated` with their end time. Listings are in
// association id order, for paging, and leave out terminated instances' associations.
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { Database, InstanceProfileAssociationsTable } from '../schema.js';
import type { Scope } from '../scope.js';
import { insertRows } from '../insert-rows.js';

export type AssociationRow = Selectable<InstanceProfileAssociationsTable>;

export interface AssociationQuery {
  ids?: readonly string[];
  instanceIds?: readonly string[];
  states?: readonly string[];
  /** ended associations that ended before this time are gone */
  endedAfter: string;
  /** association id to continue after (exclusive) */
  after?: string;
  limit?: number;
}

const some = (values: readonly string[]) => (values.length ? (values as string[]) : ['']);

export class InstanceProfileAssociationsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(rows: readonly Insertable<InstanceProfileAssociationsTable>[]): Promise<void> {
    await insertRows(this.db, 'instance_profile_associations', rows);
  }

  async get(associationId: string): Promise<AssociationRow | undefined> {
    return this.db.selectFrom('instance_profile_associations').selectAll().where('association_id', '=', associationId).executeTakeFirst();
  }

  /** The instance's live association, if any. */
  async current(instanceId: string): Promise<AssociationRow | undefined> {
    return this.db.selectFrom('instance_profile_associations').selectAll().where('instance_id', '=', instanceId).where('state', '=', 'associated').executeTakeFirst();
  }

  async list(scope: Scope, q: AssociationQuery): Promise<AssociationRow[]> {
    let query = this.db
      .selectFrom('instance_profile_associations as a')
      .innerJoin('instances as i', 'i.instance_id', 'a.instance_id')
      .selectAll('a')
      .where('a.account_id', '=', scope.accountId)
      .where('a.region', '=', scope.region)
      .where('i.state', '<>', 'terminated')
      .where((eb) => eb.or([eb('a.ended_at', 'is', null), eb('a.ended_at', '>', q.endedAfter)]));
    if (q.ids) query = query.where('a.association_id', 'in', some(q.ids));
    if (q.instanceIds) query = query.where('a.instance_id', 'in', some(q.instanceIds));
    if (q.states) query = query.where('a.state', 'in', some(q.states));
    if (q.after !== undefined) query = query.where('a.association_id', '>', q.after);
    query = query.orderBy('a.association_id');
    if (q.limit !== undefined) query = query.limit(q.limit);
    return query.execute();
  }

  /** Ends a live association; false when it was not live (another call ended it first). */
  async end(associationId: string, at: string): Promise<boolean> {
    const r = await this.db
      .updateTable('instance_profile_associations')
      .set({ state: 'disassociated', ended_at: at })
      .where('association_id', '=', associationId)
      .where('state', '=', 'associated')
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Forgets associations that ended before `before`. */
  async purge(before: string): Promise<void> {
    await this.db.deleteFrom('instance_profile_associations').where('state', '=', 'disassociated').where('ended_at', '<', before).execute();
  }
}
