// Auto Scaling instance refreshes: their status and the progress of their replacement plan.
import type { Kysely, Selectable, Updateable } from 'kysely';
import type { AutoscalingRefreshesTable, Database } from '../schema.js';
import type { Scope } from '../scope.js';

export type RefreshRow = Selectable<AutoscalingRefreshesTable>;

export class InstanceRefreshesRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async insert(row: RefreshRow): Promise<void> {
    await this.db.insertInto('autoscaling_refreshes').values(row).execute();
  }

  async update(refreshId: string, set: Updateable<AutoscalingRefreshesTable>): Promise<void> {
    await this.db.updateTable('autoscaling_refreshes').set(set).where('refresh_id', '=', refreshId).execute();
  }

  /** A group's refreshes, newest first. */
  async ofGroup(scope: Scope, group: string): Promise<RefreshRow[]> {
    return this.db
      .selectFrom('autoscaling_refreshes')
      .selectAll()
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('group_name', '=', group)
      .orderBy('start_time', 'desc')
      .orderBy('refresh_id')
      .execute();
  }
}
