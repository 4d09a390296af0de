// CloudWatch metrics and their per-period datapoints (migration 0030). Writes are multi-row
// upserts that add to existing periods (sums and counts add, minimum and maximum widen, raw
// values append), so a PutMetricData of 1000 values is a handful of statements in one unit of
// work; the caller merges rows with the same key first (one upsert may touch a row once).
import { sql, type Kysely, type RawBuilder, type Selectable } from 'kysely';
import { dialectOf, greatest } from '../dialects/dialect.js';
import type { CwDatapointsTable, CwMetricsTable, Database } from '../schema.js';
import type { Scope } from '../scope.js';
import { atomic } from '../atomic.js';
import { insertRows } from '../insert-rows.js';

export type MetricRow = Selectable<CwMetricsTable>;
export type DatapointRow = Selectable<CwDatapointsTable>;

/** a datapoint row's raw values beyond this many characters are dropped (its percentiles unavailable) */
export const MAX_VALS_CHARS = 256 * 1024;
const ROWS_PER_STATEMENT = 500;

const least = (db: Kysely<Database>, a: RawBuilder<unknown>, b: RawBuilder<unknown>): RawBuilder<number> =>
  dialectOf(db) === 'postgres' ? sql<number>`LEAST(${a}, ${b})` : sql<number>`min(${a}, ${b})`;

export class CwMetricsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Metric rows (new ones inserted, known ones' last_put advanced) and datapoint rows, at once. */
  async write(metrics: readonly MetricRow[], points: readonly DatapointRow[]): Promise<void> {
    // multi-row upserts of direct text (insert-rows.ts): an instance metrics tick writes
    // thousands of rows, which Kysely's builder spent more time on than the database
    const rowsPerStatement = ROWS_PER_STATEMENT;
    await atomic(this.db, async (db) => {
      await insertRows(db, 'cw_metrics', metrics, {
        rowsPerStatement,
        onConflict: sql`ON CONFLICT (metric_id) DO UPDATE SET last_put = ${greatest(db, sql`cw_metrics.last_put`, sql`excluded.last_put`)}`,
      });
      await insertRows(db, 'cw_datapoints', points, {
        rowsPerStatement,
        onConflict: sql`ON CONFLICT (metric_id, tier, ts, unit) DO UPDATE SET
            sample_count = cw_datapoints.sample_count + excluded.sample_count,
            sum = cw_datapoints.sum + excluded.sum,
            min = ${least(db, sql`cw_datapoints.min`, sql`excluded.min`)},
            max = ${greatest(db, sql`cw_datapoints.max`, sql`excluded.max`)},
            vals = CASE WHEN cw_datapoints.vals IS NULL OR excluded.vals IS NULL
                          OR length(cw_datapoints.vals) + length(excluded.vals) > ${sql.lit(MAX_VALS_CHARS)} THEN NULL
                        ELSE cw_datapoints.vals || ',' || excluded.vals END`,
      });
    });
  }

  /** One metric's periods of one tier in [from, to), by time then unit. */
  async points(metricId: string, tier: number, from: number, to: number, unit?: string, withValues = true): Promise<DatapointRow[]> {
    let q = this.db
      .selectFrom('cw_datapoints')
      .select(['metric_id', 'tier', 'unit', 'ts', 'sample_count', 'sum', 'min', 'max'])
      .select(withValues ? sql<string | null>`vals`.as('vals') : sql<null>`NULL`.as('vals'))
      .where('metric_id', '=', metricId)
      .where('tier', '=', tier)
      .where('ts', '>=', from)
      .where('ts', '<', to);
    if (unit !== undefined) q = q.where('unit', '=', unit);
    return q.orderBy('ts').orderBy('unit').execute();
  }

  /** Metrics of a scope in metric_key order after `after`, optionally by namespace, name and last put. */
  async list(scope: Scope, filter: { namespace?: string; metricName?: string; activeSince?: number; after?: string; limit: number }): Promise<MetricRow[]> {
    let q = this.db.selectFrom('cw_metrics').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region);
    if (filter.namespace !== undefined) q = q.where('namespace', '=', filter.namespace);
    if (filter.metricName !== undefined) q = q.where('metric_name', '=', filter.metricName);
    if (filter.activeSince !== undefined) q = q.where('last_put', '>=', filter.activeSince);
    if (filter.after !== undefined) q = q.where('metric_key', '>', filter.after);
    return q.orderBy('metric_key').limit(filter.limit).execute();
  }

  /** Deletes each tier's periods older than its cutoff, and metrics not put since `metricsBefore`. */
  async expire(cutoffs: ReadonlyMap<number, number>, metricsBefore: number): Promise<number> {
    let deleted = 0;
    for (const [tier, before] of cutoffs) {
      const r = await this.db.deleteFrom('cw_datapoints').where('tier', '=', tier).where('ts', '<', before).executeTakeFirst();
      deleted += Number(r.numDeletedRows);
    }
    await this.db.deleteFrom('cw_metrics').where('last_put', '<', metricsBefore).execute();
    return deleted;
  }
}
