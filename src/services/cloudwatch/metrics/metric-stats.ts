// Statistics of a period from its stored aggregates: SampleCount, Sum, Average, Minimum, Maximum
// from the sums, and the extended statistics from the raw values (tiers 1 and 60 keep them):
//   pNN        percentile (nearest rank)               p90, p99.9
//   tmNN       trimmed mean of the lowest NN%          tm90; TM(10%:90%) between two percentiles
//   wmNN       winsorized mean (values above pNN set to pNN); WM(a%:b%)
//   tcNN, tsNN trimmed count and sum;                  TC(a%:b%), TS(a%:b%)
//   PR(a:b)    percentile rank: % of values in (a, b]; IQM = TM(25%:75%)
// A period whose raw values are not all kept (a statistic set with minimum ≠ maximum, values
// beyond the row's cap, an expired tier) has no extended statistics, as AWS leaves percentiles
// of statistic sets unavailable.
import type { DatapointRow } from '../../../store/repos/cw-metrics.js';

export interface Period {
  /** start, ms */
  ts: number;
  unit: string;
  sampleCount: number;
  sum: number;
  minimum: number;
  maximum: number;
  /** [value, count] sorted by value; undefined when not all are kept */
  values?: [number, number][];
}

/** Rows (sorted by ts) into periods of `periodMs` from `start`, one per unit unless `mergeUnits`. */
export function periods(rows: readonly DatapointRow[], start: number, periodMs: number, mergeUnits = false): Period[] {
  const out = new Map<string, Period & { raw?: [number, number][] | null }>();
  for (const r of rows) {
    const ts = start + Math.floor((r.ts - start) / periodMs) * periodMs;
    const unit = mergeUnits ? 'None' : r.unit;
    const key = `${ts}|${unit}`;
    let p = out.get(key);
    if (!p) {
      p = { ts, unit, sampleCount: 0, sum: 0, minimum: Infinity, maximum: -Infinity, raw: [] };
      out.set(key, p);
    }
    p.sampleCount += r.sample_count;
    p.sum += r.sum;
    p.minimum = Math.min(p.minimum, r.min);
    p.maximum = Math.max(p.maximum, r.max);
    if (p.raw && r.vals !== null) p.raw.push(...parseVals(r.vals));
    else p.raw = null;
  }
  return [...out.values()].map(({ raw, ...p }) => (raw ? { ...p, values: compact(raw) } : p));
}

/** "v" and "v*count" tokens, comma-separated (store/repos/cw-metrics.ts). */
export function formatVals(values: readonly { value: number; count: number }[]): string {
  return values.map((v) => (v.count === 1 ? String(v.value) : `${v.value}*${v.count}`)).join(',');
}

function parseVals(vals: string): [number, number][] {
  if (vals === '') return [];
  return vals.split(',').map((t) => {
    const star = t.indexOf('*');
    return star < 0 ? [Number(t), 1] : [Number(t.slice(0, star)), Number(t.slice(star + 1))];
  });
}

function compact(raw: [number, number][]): [number, number][] {
  raw.sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [v, c] of raw) {
    const last = out[out.length - 1];
    if (last && last[0] === v) last[1] += c;
    else out.push([v, c]);
  }
  return out;
}

export type StandardStatistic = 'SampleCount' | 'Average' | 'Sum' | 'Minimum' | 'Maximum';

export function standard(p: Period, stat: StandardStatistic): number {
  switch (stat) {
    case 'SampleCount':
      return p.sampleCount;
    case 'Sum':
      return p.sum;
    case 'Average':
      return p.sampleCount > 0 ? p.sum / p.sampleCount : 0;
    case 'Minimum':
      return p.minimum;
    case 'Maximum':
      return p.maximum;
  }
}

type Extended =
  | { kind: 'p'; q: number }
  | { kind: 'tm' | 'wm' | 'tc' | 'ts'; lo: number; hi: number }
  | { kind: 'pr'; lo: number; hi: number };

const NUM = '(\\d{1,2}(?:\\.\\d{1,10})?|100)';

/** The extended statistic a name denotes (p90, tm90, TM(10%:90%), PR(0:300), IQM), or undefined. */
export function parseExtended(name: string): Extended | undefined {
  if (name === 'IQM') return { kind: 'tm', lo: 25, hi: 75 };
  let m = new RegExp(`^(p|tm|wm|tc|ts)${NUM}$`).exec(name);
  if (m) {
    const n = Number(m[2]);
    if (m[1] === 'p') return n >= 0 && n <= 100 ? { kind: 'p', q: n } : undefined;
    return n > 0 && n <= 100 ? { kind: m[1] as 'tm', lo: 0, hi: n } : undefined;
  }
  m = new RegExp(`^(TM|WM|TC|TS)\\(${NUM}?%:${NUM}?%\\)$`).exec(name);
  if (m) {
    const lo = m[2] === undefined ? 0 : Number(m[2]);
    const hi = m[3] === undefined ? 100 : Number(m[3]);
    return lo < hi && hi <= 100 ? { kind: m[1]!.toLowerCase() as 'tm', lo, hi } : undefined;
  }
  m = /^PR\((-?\d+(?:\.\d+)?)?:(-?\d+(?:\.\d+)?)?\)$/.exec(name);
  if (m) return { kind: 'pr', lo: m[1] === undefined ? -Infinity : Number(m[1]), hi: m[2] === undefined ? Infinity : Number(m[2]) };
  return undefined;
}

/** The extended statistic of a period, or undefined when its raw values are not kept. */
export function extended(p: Period, name: string): number | undefined {
  const e = parseExtended(name);
  const values = p.values;
  if (!e || !values || values.length === 0) return undefined;
  const total = values.reduce((s, [, c]) => s + c, 0);
  if (total <= 0) return undefined;
  if (e.kind === 'p') return percentile(values, total, e.q);
  if (e.kind === 'pr') {
    const inside = values.reduce((s, [v, c]) => s + (v > e.lo && v <= e.hi ? c : 0), 0);
    return (inside / total) * 100;
  }
  const lo = e.lo === 0 ? -Infinity : percentile(values, total, e.lo);
  const hi = percentile(values, total, e.hi);
  if (e.kind === 'wm') {
    let sum = 0;
    for (const [v, c] of values) sum += Math.min(Math.max(v, lo === -Infinity ? v : lo), hi) * c;
    return sum / total;
  }
  let count = 0;
  let sum = 0;
  for (const [v, c] of values) {
    if (v > lo && v <= hi) {
      count += c;
      sum += v * c;
    }
  }
  if (e.kind === 'tc') return count;
  if (e.kind === 'ts') return sum;
  return count > 0 ? sum / count : undefined;
}

/** nearest rank: the smallest value with at least q% of the samples at or below it */
function percentile(values: [number, number][], total: number, q: number): number {
  const rank = Math.max(1, Math.ceil((q / 100) * total));
  let seen = 0;
  for (const [v, c] of values) {
    seen += c;
    if (seen >= rank) return v;
  }
  return values[values.length - 1]![0];
}
