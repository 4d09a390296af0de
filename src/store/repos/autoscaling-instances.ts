// The instances Auto Scaling groups manage, with their lifecycle state in the group.
import { atomic } from '../atomic.js';
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { AutoscalingInstancesTable, Database } from '../schema.js';
import type { Scope } from '../scope.js';

export type GroupInstanceRow = Selectable<AutoscalingInstancesTable>;

export class AutoscalingInstancesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: GroupInstanceRow): Promise<void> {
    await this.db.insertInto('autoscaling_instances').values(row).execute();
  }

  async ofGroup(scope: Scope, group: string): Promise<GroupInstanceRow[]> {
    return this.db
      .selectFrom('autoscaling_instances')
      .selectAll()
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('group_name', '=', group)
      .orderBy('launched_at')
      .orderBy('instance_id')
      .execute();
  }

  async list(scope: Scope, instanceIds?: readonly string[]): Promise<GroupInstanceRow[]> {
    let q = this.db.selectFrom('autoscaling_instances').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region);
    if (instanceIds) q = q.where('instance_id', 'in', instanceIds.length ? (instanceIds as string[]) : ['']);
    return q.orderBy('instance_id').execute();
  }

  async get(scope: Scope, instanceId: string): Promise<GroupInstanceRow | undefined> {
    return this.db
      .selectFrom('autoscaling_instances')
      .selectAll()
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('instance_id', '=', instanceId)
      .executeTakeFirst();
  }

  /** Swaps a row for another (a recorded launch for the instance it started). */
  async replace(instanceId: string, row: GroupInstanceRow): Promise<void> {
    await atomic(this.db, async (trx) => {
      await trx.deleteFrom('autoscaling_instances').where('instance_id', '=', instanceId).execute();
      await trx.insertInto('autoscaling_instances').values(row).execute();
    });
  }

  async update(instanceId: string, set: Updateable<AutoscalingInstancesTable>): Promise<void> {
    await this.db.updateTable('autoscaling_instances').set(set).where('instance_id', '=', instanceId).execute();
  }

  /**
   * Updates the row only if its lifecycle action is still `expected` (compare-and-set: a
   * CompleteLifecycleAction on one node and a timeout applied on another never overwrite each
   * other); whether it did.
   */
  async updateAction(instanceId: string, expected: string | null, set: Updateable<AutoscalingInstancesTable>): Promise<boolean> {
    let q = this.db.updateTable('autoscaling_instances').set(set).where('instance_id', '=', instanceId);
    q = expected === null ? q.where('lifecycle_action', 'is', null) : q.where('lifecycle_action', '=', expected);
    const r = await q.executeTakeFirst();
    return Number(r.numUpdatedRows ?? 0) > 0;
  }

  async delete(instanceId: string): Promise<void> {
    await this.db.deleteFrom('autoscaling_instances').where('instance_id', '=', instanceId).execute();
  }
}
