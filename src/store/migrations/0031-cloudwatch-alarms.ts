// CloudWatch alarms (issue 13 §1): one row an alarm (metric or composite) — its definition as
// JSON, the columns DescribeAlarms and DescribeAlarmsForMetric select on, its state — and the
// alarm history (ConfigurationUpdate, StateUpdate, Action items), kept after the alarm is
// deleted as AWS keeps it. History reads are per account and region, by alarm name or all,
// in time order; `seq` breaks ties between items of the same millisecond.
import { type Kysely } from 'kysely';
import { dialectOf, intType } from '../dialects/dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const int = intType(db);
  const postgres = dialectOf(db) === 'postgres';
  await db.schema
    .createTable('cloudwatch_alarms')
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('name', 'text', (c) => c.notNull())
    .addColumn('alarm_type', 'text', (c) => c.notNull())
    .addColumn('definition', 'text', (c) => c.notNull())
    .addColumn('actions_enabled', int, (c) => c.notNull())
    .addColumn('namespace', 'text')
    .addColumn('metric_name', 'text')
    .addColumn('state_value', 'text', (c) => c.notNull())
    .addColumn('state_reason', 'text', (c) => c.notNull())
    .addColumn('state_reason_data', 'text')
    .addColumn('state_updated_at', 'text', (c) => c.notNull())
    .addColumn('state_transitioned_at', 'text', (c) => c.notNull())
    .addColumn('config_updated_at', 'text', (c) => c.notNull())
    .addColumn('tags', 'text', (c) => c.notNull())
    .addPrimaryKeyConstraint('cloudwatch_alarms_pk', ['account_id', 'region', 'name'])
    .execute();
  await db.schema.createIndex('cloudwatch_alarms_metric').on('cloudwatch_alarms').columns(['account_id', 'region', 'namespace', 'metric_name']).execute();

  await db.schema
    .createTable('cloudwatch_alarm_history')
    .addColumn('seq', postgres ? 'bigserial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('alarm_name', 'text', (c) => c.notNull())
    .addColumn('alarm_type', 'text', (c) => c.notNull())
    .addColumn('item_type', 'text', (c) => c.notNull())
    /** ms since the epoch */
    .addColumn('at', int, (c) => c.notNull())
    .addColumn('summary', 'text', (c) => c.notNull())
    .addColumn('data', 'text', (c) => c.notNull())
    .execute();
  await db.schema.createIndex('cloudwatch_alarm_history_time').on('cloudwatch_alarm_history').columns(['account_id', 'region', 'at', 'seq']).execute();
  await db.schema.createIndex('cloudwatch_alarm_history_alarm').on('cloudwatch_alarm_history').columns(['account_id', 'region', 'alarm_name', 'at']).execute();
}
