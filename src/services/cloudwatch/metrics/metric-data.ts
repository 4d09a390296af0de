// GetMetricData: MetricStat queries read their metric's periods (MetricService.periods), expression
// queries are evaluated by metric-math.ts in dependency order; results are ordered by ScanBy and
// paged over all results by MaxDatapoints (the page token carries the offset into the flattened
// answer, so a page is recomputed from the store and never held in memory between calls).
import { ServiceError } from '../../../protocol/service-error.js';
import type { Scope } from '../../../store/scope.js';
import { decodePageToken, encodePageToken } from '../../page-tokens.js';
import { invalidNextToken, invalidParameterCombination, invalidParameterValue } from '../cloudwatch-errors.js';
import type { MetricDataQuery, MetricDataRequest, MetricDataResponse, MetricDataResult, MetricIdentity } from './metric-store.js';
import { checkDimensions, checkPeriod } from './metric-names.js';
import { MathError, evaluate, parseExpression, references, type MathValue, type Series } from './metric-math.js';
import { alignedStart } from './metric-tiers.js';
import { extended, parseExtended, standard, type Period, type StandardStatistic } from './metric-stats.js';

export const MAX_QUERIES = 500;
export const DEFAULT_MAX_DATAPOINTS = 100_800;
const STANDARD = new Set(['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum']);

export interface PeriodSource {
  periods(scope: Scope, metric: MetricIdentity, start: number, end: number, periodSeconds: number, unit: string | undefined, withValues: boolean, now: Date): Promise<Period[]>;
}

const validationError = (message: string) => new ServiceError('ValidationError', message, 400);

export async function metricData(source: PeriodSource, scope: Scope, req: MetricDataRequest, now: Date): Promise<MetricDataResponse> {
  const { queries } = req;
  if (queries.length === 0) throw validationError('The collection MetricDataQueries must not be empty.');
  if (queries.length > MAX_QUERIES) throw validationError(`The collection MetricDataQueries must not have a size greater than ${MAX_QUERIES}.`);
  if (req.start.getTime() >= req.end.getTime()) throw invalidParameterValue('The parameter StartTime must be less than the parameter EndTime.');
  const maxDatapoints = req.maxDatapoints ?? DEFAULT_MAX_DATAPOINTS;
  if (!Number.isInteger(maxDatapoints) || maxDatapoints < 1) throw invalidParameterValue(`The value ${maxDatapoints} for parameter MaxDatapoints is invalid.`);

  const byId = new Map<string, { q: MetricDataQuery; index: number }>();
  queries.forEach((q, i) => {
    const at = `MetricDataQueries.member.${i + 1}`;
    if (!/^[a-z][a-zA-Z0-9_]*$/.test(q.id)) throw validationError(`The value ${q.id} for parameter ${at}.Id is not matching the expected pattern ^[a-z][a-zA-Z0-9_]*$.`);
    if (byId.has(q.id)) throw validationError(`The value ${q.id} for parameter ${at}.Id is duplicated.`);
    byId.set(q.id, { q, index: i });
    if (q.metricStat && q.expression !== undefined) throw invalidParameterCombination(`The parameters ${at}.MetricStat and ${at}.Expression are mutually exclusive and you have specified both.`);
    if (!q.metricStat && q.expression === undefined) throw invalidParameterCombination(`Exactly one of the parameters ${at}.MetricStat and ${at}.Expression must be specified.`);
    if (q.metricStat) {
      const s = q.metricStat;
      checkPeriod(s.periodSeconds, `${at}.MetricStat.Period`);
      checkDimensions(s.metric.dimensions, `${at}.MetricStat.Metric.Dimensions`);
      if (!s.metric.namespace || !s.metric.metricName) throw validationError(`The parameters ${at}.MetricStat.Metric.Namespace and ${at}.MetricStat.Metric.MetricName are required.`);
      if (!STANDARD.has(s.stat) && !parseExtended(s.stat)) throw invalidParameterValue(`The value ${s.stat} for parameter ${at}.MetricStat.Stat is not supported.`);
    }
    if (q.periodSeconds !== undefined) checkPeriod(q.periodSeconds, `${at}.Period`);
  });

  // the parsed expressions, checked for unknown ids and cycles
  const parsed = new Map<string, ReturnType<typeof parseExpression>>();
  for (const { q } of byId.values()) {
    if (q.expression === undefined) continue;
    try {
      const node = parseExpression(q.expression);
      for (const ref of references(node)) if (!byId.has(ref)) throw new MathError(`Unrecognized metric identifier ${ref}`);
      parsed.set(q.id, node);
    } catch (e) {
      if (e instanceof MathError) throw validationError(`Error in expression ${q.id}: ${e.message}`);
      throw e;
    }
  }

  // MetricStat series
  const series = new Map<string, Series>();
  const smallestPeriod = Math.min(...queries.map((q) => q.metricStat?.periodSeconds ?? q.periodSeconds ?? Infinity));
  for (const { q } of byId.values()) {
    const s = q.metricStat;
    if (!s) continue;
    const start = alignedStart(req.start, s.periodSeconds, now);
    const found = await source.periods(scope, s.metric, start, req.end.getTime(), s.periodSeconds, s.unit, !STANDARD.has(s.stat), now);
    const merged = mergeUnits(found);
    const ts: number[] = [];
    const values: number[] = [];
    for (const p of merged) {
      const v = STANDARD.has(s.stat) ? standard(p, s.stat as StandardStatistic) : extended(p, s.stat);
      if (v === undefined) continue;
      ts.push(p.ts);
      values.push(v);
    }
    series.set(q.id, { label: q.label ?? s.metric.metricName, ts, values });
  }

  // expressions, each evaluated once, in dependency order
  const results = new Map<string, MathValue>(series);
  const evaluating = new Set<string>();
  const value = (id: string): MathValue => {
    const known = results.get(id);
    if (known !== undefined) return known;
    if (evaluating.has(id)) throw validationError(`Error in expression ${id}: Circular dependency`);
    evaluating.add(id);
    const q = byId.get(id)!.q;
    const period = q.periodSeconds ?? (Number.isFinite(smallestPeriod) ? smallestPeriod : 60);
    const start = alignedStart(req.start, period, now);
    const grid: number[] = [];
    for (let t = start; t < req.end.getTime() && grid.length < DEFAULT_MAX_DATAPOINTS; t += period * 1000) grid.push(t);
    let v: MathValue;
    try {
      v = evaluate(parsed.get(id)!, { lookup: value, metrics: () => [...series.values()], grid, periodSeconds: period });
    } catch (e) {
      if (e instanceof MathError) throw validationError(`Error in expression ${id}: ${e.message}`);
      throw e;
    }
    if (typeof v === 'number') v = { label: '', ts: grid, values: grid.map(() => v as number) };
    results.set(id, v);
    evaluating.delete(id);
    return v;
  };
  for (const id of parsed.keys()) value(id);

  // the answer: returned queries in request order, each ordered by ScanBy
  const descending = (req.scanBy ?? 'TimestampDescending') === 'TimestampDescending';
  const answer: MetricDataResult[] = [];
  for (const q of queries) {
    if (q.returnData === false) continue;
    const v = results.get(q.id)!;
    const list = Array.isArray(v) ? v : [v as Series];
    for (const s of list) {
      const order = s.ts.map((_, i) => i);
      if (descending) order.reverse();
      // a MetricStat's default label is its metric's name; an expression's its id, or each series' own in an array
      const label = q.label ?? (q.metricStat || Array.isArray(v) ? s.label || q.id : q.id);
      answer.push({ id: q.id, label, timestamps: order.map((i) => new Date(s.ts[i]!)), values: order.map((i) => s.values[i]!), statusCode: 'Complete', messages: [] });
    }
  }
  return page(answer, req, maxDatapoints, scope);
}

/** GetMetricData gives one value a timestamp whatever units the data was put with. */
function mergeUnits(found: Period[]): Period[] {
  const out = new Map<number, Period>();
  for (const p of found) {
    const q = out.get(p.ts);
    if (!q) {
      out.set(p.ts, { ...p });
      continue;
    }
    q.sampleCount += p.sampleCount;
    q.sum += p.sum;
    q.minimum = Math.min(q.minimum, p.minimum);
    q.maximum = Math.max(q.maximum, p.maximum);
    q.values = q.values && p.values ? [...q.values, ...p.values].sort((a, b) => a[0] - b[0]) : undefined;
  }
  return [...out.values()].sort((a, b) => a.ts - b.ts);
}

/** The datapoints from the token's offset, at most maxDatapoints over all results. */
function page(all: MetricDataResult[], req: MetricDataRequest, maxDatapoints: number, scope: Scope): MetricDataResponse {
  const binding = { op: 'cloudwatch.GetMetricData', scope: [scope.accountId, scope.region], req: { ...req, nextToken: undefined, maxDatapoints: undefined } };
  let offset = 0;
  if (req.nextToken !== undefined) {
    const position = decodePageToken(binding, req.nextToken);
    if (position === undefined || !/^\d+$/.test(position)) throw invalidNextToken();
    offset = Number(position);
  }
  let skip = offset;
  let room = maxDatapoints;
  const results: MetricDataResult[] = [];
  let more = false;
  for (const r of all) {
    const n = r.values.length;
    if (skip >= n && n > 0) {
      // given on an earlier page
      skip -= n;
      results.push({ ...r, timestamps: [], values: [] });
      continue;
    }
    if (room === 0) {
      more ||= n - skip > 0;
      results.push({ ...r, timestamps: [], values: [], statusCode: n - skip > 0 ? 'PartialData' : 'Complete' });
      continue;
    }
    const take = Math.min(room, n - skip);
    const partial = skip + take < n;
    results.push({ ...r, timestamps: r.timestamps.slice(skip, skip + take), values: r.values.slice(skip, skip + take), statusCode: partial ? 'PartialData' : 'Complete' });
    more ||= partial;
    room -= take;
    skip = 0;
  }
  return { results, messages: [], ...(more ? { nextToken: encodePageToken(binding, String(offset + maxDatapoints - room)) } : {}) };
}
