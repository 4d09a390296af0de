// CloudWatch alarms and their history (migration 0031). Alarms are listed per (account, region)
// in name order; a state is written only if it is still the one the writer read (the evaluator
// and SetAlarmState never overwrite each other's newer state). History reads in time order,
// either way, after a (at, seq) position for paging.
import type { Insertable, Kysely, Selectable } from 'kysely';
import type { CloudwatchAlarmHistoryTable, CloudwatchAlarmsTable, Database } from '../schema.js';
import type { Scope } from '../scope.js';

export type CloudwatchAlarmRow = Selectable<CloudwatchAlarmsTable>;
export type AlarmHistoryRow = Selectable<CloudwatchAlarmHistoryTable>;
export type AlarmStateFields = Pick<CloudwatchAlarmRow, 'state_value' | 'state_reason' | 'state_reason_data' | 'state_updated_at' | 'state_transitioned_at'>;

export interface AlarmListQuery {
  names?: readonly string[];
  prefix?: string;
  state?: string;
  types?: readonly string[];
  namespace?: string;
  metricName?: string;
}

export interface HistoryQuery {
  alarmName?: string;
  itemType?: string;
  types?: readonly string[];
  /** ms since the epoch, inclusive */
  from?: number;
  /** ms since the epoch, exclusive */
  to?: number;
  newestFirst: boolean;
  /** continue after this (at, seq) */
  after?: { at: number; seq: number };
  limit: number;
}

export class CloudwatchAlarmsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  get(scope: Scope, name: string): Promise<CloudwatchAlarmRow | undefined> {
    return this.db.selectFrom('cloudwatch_alarms').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', '=', name).executeTakeFirst();
  }

  list(scope: Scope, q: AlarmListQuery = {}): Promise<CloudwatchAlarmRow[]> {
    let s = this.db.selectFrom('cloudwatch_alarms').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region);
    if (q.names) s = q.names.length ? s.where('name', 'in', [...q.names]) : s.where('name', '=', '\u0000');
    if (q.state) s = s.where('state_value', '=', q.state);
    if (q.types?.length) s = s.where('alarm_type', 'in', [...q.types]);
    if (q.namespace !== undefined) s = s.where('namespace', '=', q.namespace);
    if (q.metricName !== undefined) s = s.where('metric_name', '=', q.metricName);
    return s.orderBy('name').execute().then((rows) => (q.prefix ? rows.filter((r) => r.name.startsWith(q.prefix!)) : rows));
  }

  async insert(row: CloudwatchAlarmRow): Promise<void> {
    await this.db.insertInto('cloudwatch_alarms').values(row).execute();
  }

  /** Replaces an alarm's configuration (PutMetricAlarm on an existing alarm keeps its state). */
  async updateConfig(scope: Scope, name: string, fields: Pick<CloudwatchAlarmRow, 'alarm_type' | 'definition' | 'actions_enabled' | 'namespace' | 'metric_name' | 'config_updated_at' | 'tags'>): Promise<void> {
    await this.db.updateTable('cloudwatch_alarms').set(fields).where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', '=', name).execute();
  }

  async setFields(scope: Scope, name: string, fields: Partial<Pick<CloudwatchAlarmRow, 'actions_enabled' | 'tags'>>): Promise<void> {
    await this.db.updateTable('cloudwatch_alarms').set(fields).where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', '=', name).execute();
  }

  /** Writes a new state if the alarm still holds the state `read` (value, reason, time); false when someone else set it since. */
  async setState(scope: Scope, name: string, read: Pick<CloudwatchAlarmRow, 'state_value' | 'state_reason' | 'state_updated_at'>, state: AlarmStateFields): Promise<boolean> {
    const r = await this.db
      .updateTable('cloudwatch_alarms')
      .set(state)
      .where('account_id', '=', scope.accountId)
      .where('region', '=', scope.region)
      .where('name', '=', name)
      .where('state_value', '=', read.state_value)
      .where('state_reason', '=', read.state_reason)
      .where('state_updated_at', '=', read.state_updated_at)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async delete(scope: Scope, names: readonly string[]): Promise<void> {
    if (names.length === 0) return;
    await this.db.deleteFrom('cloudwatch_alarms').where('account_id', '=', scope.accountId).where('region', '=', scope.region).where('name', 'in', [...names]).execute();
  }

  async addHistory(row: Insertable<CloudwatchAlarmHistoryTable>): Promise<void> {
    await this.db.insertInto('cloudwatch_alarm_history').values(row).execute();
  }

  /** Drops the history items older than `before` (ms since the epoch), every account's; how many. */
  async pruneHistory(before: number): Promise<number> {
    const r = await this.db.deleteFrom('cloudwatch_alarm_history').where('at', '<', before).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  history(scope: Scope, q: HistoryQuery): Promise<AlarmHistoryRow[]> {
    let s = this.db.selectFrom('cloudwatch_alarm_history').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region);
    if (q.alarmName !== undefined) s = s.where('alarm_name', '=', q.alarmName);
    if (q.itemType) s = s.where('item_type', '=', q.itemType);
    if (q.types?.length) s = s.where('alarm_type', 'in', [...q.types]);
    if (q.from !== undefined) s = s.where('at', '>=', q.from);
    if (q.to !== undefined) s = s.where('at', '<', q.to);
    const after = q.after;
    if (after) {
      s = q.newestFirst
        ? s.where((eb) => eb.or([eb('at', '<', after.at), eb.and([eb('at', '=', after.at), eb('seq', '<', after.seq)])]))
        : s.where((eb) => eb.or([eb('at', '>', after.at), eb.and([eb('at', '=', after.at), eb('seq', '>', after.seq)])]));
    }
    const dir = q.newestFirst ? 'desc' : 'asc';
    return s.orderBy('at', dir).orderBy('seq', dir).limit(q.limit).execute();
  }
}
