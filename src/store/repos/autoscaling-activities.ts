// Scaling activities: every launch and termination of a group's instances, newest first.
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { AutoscalingActivitiesTable, Database } from '../schema.js';
import type { Scope } from '../scope.js';

export type ActivityRow = Selectable<AutoscalingActivitiesTable>;

export class AutoscalingActivitiesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: ActivityRow): Promise<void> {
    await this.db.insertInto('autoscaling_activities').values(row).execute();
  }

  async update(activityId: string, set: Updateable<AutoscalingActivitiesTable>): Promise<void> {
    await this.db.updateTable('autoscaling_activities').set(set).where('activity_id', '=', activityId).execute();
  }

  /** Newest first; `groups` limits to those groups (of this account and region). */
  async list(scope: Scope, filter: { groups?: readonly string[]; activityIds?: readonly string[] }): Promise<ActivityRow[]> {
    let q = this.db.selectFrom('autoscaling_activities').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region);
    if (filter.groups) q = q.where('group_name', 'in', filter.groups.length ? (filter.groups as string[]) : ['']);
    if (filter.activityIds) q = q.where('activity_id', 'in', filter.activityIds.length ? (filter.activityIds as string[]) : ['']);
    return q.orderBy('seq', 'desc').execute();
  }
}
