// MetricStore over the metadata store (store/repos/cw-metrics.ts): PutMetricData's datums become
// per-period aggregates in every retention tier (metric-tiers.ts) in one unit of work; queries read
// the one tier that fits their period (metric-stats.ts makes the statistics).
import { hash } from 'node:crypto';
import type { Scope } from '../../../store/scope.js';
import type { Store } from '../../../store/store.js';
import type { DatapointRow, MetricRow } from '../../../store/repos/cw-metrics.js';
import { decodePageToken, encodePageToken } from '../../page-tokens.js';
import { invalidNextToken, invalidParameterCombination, invalidParameterValue } from '../cloudwatch-errors.js';
import type { Datapoint, Dimension, MetricDataRequest, MetricDataResponse, MetricDatum, MetricFilter, MetricIdentity, MetricStore, StatisticsQuery } from './metric-store.js';
import { checkDimensions, checkPeriod, dimensionKey } from './metric-names.js';
import { VALUE_TIERS, alignedStart, tierFor, tiersFor } from './metric-tiers.js';
import { extended, formatVals, parseExtended, periods, standard, type Period } from './metric-stats.js';
import { metricData } from './metric-data.js';

export const MAX_STATISTICS_DATAPOINTS = 1440;
const LIST_PAGE = 500;
const TWO_WEEKS_MS = 14 * 86_400_000;

/** The key of a metric within its scope: namespace, name and sorted dimensions. */
export const metricKey = (m: MetricIdentity, dimensions = dimensionKey(m.dimensions)): string =>
  // JSON.stringify([namespace, name, dimension pairs]), the pairs' canonical JSON spliced in
  `[${JSON.stringify(m.namespace)},${JSON.stringify(m.metricName)},${dimensions}]`;

// crypto.hash: one call, no Hash object (an instance metrics tick takes one per datum)
const metricId = (scope: Scope, key: string): string => hash('sha256', `${scope.accountId}\n${scope.region}\n${key}`, 'base64url').slice(0, 24);

/** a metric's row is rewritten (its last_put moved) at most this often by one process */
const METRIC_ROW_REFRESH_MS = 60_000;
const MAX_KNOWN_METRICS = 200_000;

export class MetricService implements MetricStore {
  /** metric id -> when this process last wrote its row: most puts only add datapoints */
  private readonly written = new Map<string, number>();

  constructor(
    private readonly store: Store,
    private readonly clock: () => Date = () => new Date(),
    /** told after each put (metric-expiry.ts keeps its job scheduled) */
    private readonly afterPut?: () => void,
  ) {}

  async put(scope: Scope, data: MetricDatum[], now = this.clock()): Promise<void> {
    const metrics = new Map<string, MetricRow>();
    const points = new Map<string, DatapointRow>();
    for (const d of data) {
      checkDimensions(d.dimensions, 'Dimensions');
      const dimensions = dimensionKey(d.dimensions);
      const key = metricKey(d, dimensions);
      const id = metricId(scope, key);
      if (!metrics.has(id) && !(now.getTime() - (this.written.get(id) ?? -Infinity) < METRIC_ROW_REFRESH_MS)) {
        metrics.set(id, { metric_id: id, account_id: scope.accountId, region: scope.region, namespace: d.namespace, metric_name: d.metricName, dimensions, metric_key: key, last_put: now.getTime() });
      }
      const agg = aggregate(d);
      if (!agg) continue;
      const unit = d.unit ?? 'None';
      for (const tier of tiersFor(d.storageResolution)) {
        const ms = tier * 1000;
        const ts = Math.floor(d.timestamp.getTime() / ms) * ms;
        const k = `${id}|${tier}|${ts}|${unit}`;
        const vals = VALUE_TIERS.has(tier) ? agg.vals : null;
        const p = points.get(k);
        if (!p) {
          points.set(k, { metric_id: id, tier, unit, ts, sample_count: agg.count, sum: agg.sum, min: agg.min, max: agg.max, vals });
          continue;
        }
        p.sample_count += agg.count;
        p.sum += agg.sum;
        p.min = Math.min(p.min, agg.min);
        p.max = Math.max(p.max, agg.max);
        p.vals = p.vals === null || vals === null ? null : `${p.vals},${vals}`;
      }
    }
    await this.store.cwMetrics.write([...metrics.values()], [...points.values()]);
    if (this.written.size + metrics.size > MAX_KNOWN_METRICS) this.written.clear();
    for (const id of metrics.keys()) this.written.set(id, now.getTime());
    this.afterPut?.();
  }

  async statistics(scope: Scope, q: StatisticsQuery, now = this.clock()): Promise<Datapoint[]> {
    checkPeriod(q.periodSeconds);
    checkDimensions(q.dimensions, 'Dimensions');
    if (q.start.getTime() >= q.end.getTime()) throw invalidParameterValue('The parameter StartTime must be less than the parameter EndTime.');
    const ext = q.extended ?? [];
    if (q.statistics.length && ext.length) throw invalidParameterCombination('The parameters Statistics and ExtendedStatistics are mutually exclusive and you have specified both.');
    if (!q.statistics.length && !ext.length) throw invalidParameterCombination('Must specify either Statistics or ExtendedStatistics.');
    if (ext.length > 10) throw invalidParameterValue('The collection ExtendedStatistics must not have a size greater than 10.');
    for (const e of ext) if (!parseExtended(e)) throw invalidParameterValue(`The value ${e} for parameter ExtendedStatistics is not supported.`);
    const start = alignedStart(q.start, q.periodSeconds, now);
    const periodMs = q.periodSeconds * 1000;
    const requested = Math.ceil((q.end.getTime() - start) / periodMs);
    if (requested > MAX_STATISTICS_DATAPOINTS) {
      throw invalidParameterCombination(`You have requested up to ${requested} datapoints, which exceeds the limit of ${MAX_STATISTICS_DATAPOINTS}. You may reduce the datapoints requested by increasing Period, or decreasing the time range.`);
    }
    const found = await this.periods(scope, q, start, q.end.getTime(), q.periodSeconds, q.unit, ext.length > 0, now);
    return found.map((p) => {
      const point: Datapoint = { timestamp: new Date(p.ts), unit: p.unit };
      for (const s of q.statistics) {
        const v = standard(p, s);
        if (s === 'SampleCount') point.sampleCount = v;
        else if (s === 'Average') point.average = v;
        else if (s === 'Sum') point.sum = v;
        else if (s === 'Minimum') point.minimum = v;
        else point.maximum = v;
      }
      if (ext.length) {
        point.extended = {};
        for (const e of ext) {
          const v = extended(p, e);
          if (v !== undefined) point.extended[e] = v;
        }
      }
      return point;
    });
  }

  /** A metric's periods over [start, end) (start already aligned), one per unit unless unit is given. */
  async periods(scope: Scope, metric: MetricIdentity, start: number, end: number, periodSeconds: number, unit: string | undefined, withValues: boolean, now = this.clock()): Promise<Period[]> {
    const tier = tierFor(periodSeconds, new Date(start), now);
    const rows = await this.store.cwMetrics.points(metricId(scope, metricKey(metric)), tier, start, end, unit, withValues);
    return periods(rows, start, periodSeconds * 1000);
  }

  metricData(scope: Scope, request: MetricDataRequest, now = this.clock()): Promise<MetricDataResponse> {
    return metricData(this, scope, request, now);
  }

  async list(scope: Scope, filter: MetricFilter, nextToken?: string, now = this.clock()): Promise<{ metrics: MetricIdentity[]; nextToken?: string }> {
    const binding = { op: 'cloudwatch.ListMetrics', scope: [scope.accountId, scope.region], filter: { ...filter, activeSince: filter.activeSince ? 'recent' : undefined } };
    let after: string | undefined;
    if (nextToken !== undefined) {
      after = decodePageToken(binding, nextToken);
      if (after === undefined) throw invalidNextToken();
    }
    // ListMetrics shows metrics with data in the past two weeks
    const since = Math.max(now.getTime() - TWO_WEEKS_MS, filter.activeSince?.getTime() ?? 0);
    const wanted = filter.dimensions ?? [];
    const out: MetricIdentity[] = [];
    let last: string | undefined;
    for (;;) {
      const rows = await this.store.cwMetrics.list(scope, { namespace: filter.namespace, metricName: filter.metricName, activeSince: since, after, limit: 1000 });
      for (const r of rows) {
        after = r.metric_key;
        const dimensions = (JSON.parse(r.dimensions) as [string, string][]).map(([name, value]): Dimension => ({ name, value }));
        if (!wanted.every((w) => dimensions.some((d) => d.name === w.name && (w.value === undefined || d.value === w.value)))) continue;
        out.push({ namespace: r.namespace, metricName: r.metric_name, dimensions });
        last = r.metric_key;
        if (out.length === LIST_PAGE) return { metrics: out, nextToken: encodePageToken(binding, last) };
      }
      if (rows.length < 1000) return { metrics: out };
    }
  }
}

/** A datum's own aggregate; undefined when it carries no sample (all counts 0). */
function aggregate(d: MetricDatum): { count: number; sum: number; min: number; max: number; vals: string | null } | undefined {
  const s = d.statisticValues;
  if (s) {
    // a statistic set's values are known only when they are all one value
    return { count: s.sampleCount, sum: s.sum, min: s.minimum, max: s.maximum, vals: s.minimum === s.maximum ? formatVals([{ value: s.minimum, count: s.sampleCount }]) : null };
  }
  const values = d.values ?? [];
  if (!values.length) return undefined;
  let count = 0;
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const v of values) {
    count += v.count;
    sum += v.value * v.count;
    min = Math.min(min, v.value);
    max = Math.max(max, v.value);
  }
  return { count, sum, min, max, vals: formatVals(values) };
}
