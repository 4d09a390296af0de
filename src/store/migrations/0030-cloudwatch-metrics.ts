// CloudWatch metrics (issue 13): one row a metric (account, region, namespace, name, exact
// dimension set; its id a hash of those), and its datapoints as per-period aggregates in four
// retention tiers (1 s, 60 s, 300 s, 3600 s — services/cloudwatch/metrics/metric-tiers.ts).
import { sql, type Kysely } from 'kysely';
import { dialectOf, intType, withoutRowid } from '../dialects/dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const float = dialectOf(db) === 'postgres' ? 'double precision' : 'real';
  await db.schema
    .createTable('cw_metrics')
    .addColumn('metric_id', 'text', (c) => c.primaryKey())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('namespace', 'text', (c) => c.notNull())
    .addColumn('metric_name', 'text', (c) => c.notNull())
    .addColumn('dimensions', 'text', (c) => c.notNull())
    .addColumn('metric_key', 'text', (c) => c.notNull())
    .addColumn('last_put', intType(db), (c) => c.notNull())
    .execute();
  await sql`CREATE UNIQUE INDEX cw_metrics_key ON cw_metrics (account_id, region, metric_key)`.execute(db);
  await sql`CREATE INDEX cw_metrics_last_put ON cw_metrics (last_put)`.execute(db);
  await sql`CREATE TABLE cw_datapoints (
    metric_id text NOT NULL,
    tier integer NOT NULL,
    unit text NOT NULL,
    ts ${sql.raw(intType(db))} NOT NULL,
    sample_count ${sql.raw(float)} NOT NULL,
    sum ${sql.raw(float)} NOT NULL,
    min ${sql.raw(float)} NOT NULL,
    max ${sql.raw(float)} NOT NULL,
    vals text,
    PRIMARY KEY (metric_id, tier, ts, unit)
  )${withoutRowid(db)}`.execute(db);
  await sql`CREATE INDEX cw_datapoints_expiry ON cw_datapoints (tier, ts)`.execute(db);
}
