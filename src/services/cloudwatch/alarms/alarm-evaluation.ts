// The metric alarm's state machine, pure: an alarm's evaluation settings, its current state and
// the datapoints of its evaluation range in, the next state and AWS's reason text and reason
// data out. No clock, no store: the evaluator (alarm-evaluator.ts) reads the datapoints.
//
//            breaching >= M of the last N            all missing ('missing')
//   OK  ─────────────────────────────────▶ ALARM ─────────────────────────▶ INSUFFICIENT_DATA
//    ▲ ◀───────────────────────────────── ─┘  ◀── breaching >= M ──────────┘        │
//    │     breaching < M                                                            │
//    └──────────────────────── breaching < M ───────────────────────────────────────┘
//
// The evaluation range (AWS "How CloudWatch treats missing data"): CloudWatch reads more periods
// than EvaluationPeriods (N) — here N + 2, the five of AWS's tables for N = 3 — and then
//  - with at least N real datapoints in the range, the most recent N real ones decide (missing
//    periods in between are skipped; TreatMissingData is not needed);
//  - with none at all: missing -> INSUFFICIENT_DATA, ignore -> the state stays, breaching ->
//    ALARM, notBreaching -> OK;
//  - with some but fewer than N: breaching/notBreaching fill the gap (as few filled points as
//    possible, every real one counts); missing/ignore decide on the real ones alone, needing
//    min(M, real) breaching for ALARM (AWS's "premature alarm" row), and ignore keeps the state
//    rather than alarm prematurely.
// M is DatapointsToAlarm (default N). ALARM -> OK needs N - M + 1 not-breaching datapoints,
// which is the same test as "fewer than M breaching".
// With EvaluateLowSampleCountPercentile=ignore, a percentile datapoint with fewer than
// 10 / (1 - p/100) samples keeps the state (AWS: "not statistically significant").

export type AlarmState = 'OK' | 'ALARM' | 'INSUFFICIENT_DATA';
export type TreatMissingData = 'missing' | 'ignore' | 'breaching' | 'notBreaching';
export const TREAT_MISSING_DATA: readonly TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];
export const STATIC_OPERATORS = ['GreaterThanOrEqualToThreshold', 'GreaterThanThreshold', 'LessThanThreshold', 'LessThanOrEqualToThreshold'] as const;
export type StaticOperator = (typeof STATIC_OPERATORS)[number];

export interface EvaluationSettings {
  /** seconds; 10, 20, 30 or a multiple of 60 */
  period: number;
  evaluationPeriods: number;
  /** M of the M-of-N (default: evaluationPeriods) */
  datapointsToAlarm?: number;
  threshold: number;
  comparisonOperator: StaticOperator;
  treatMissingData?: TreatMissingData;
  evaluateLowSampleCountPercentile?: 'evaluate' | 'ignore';
  /** Average, Sum, … (metric alarms) */
  statistic?: string;
  /** p99, … (metric alarms) */
  extendedStatistic?: string;
  unit?: string;
}

/** One period of the evaluation range: its start, and its value unless the period is missing. */
export interface PeriodValue {
  timestamp: Date;
  value?: number;
  sampleCount?: number;
}

export interface EvaluationInput {
  settings: EvaluationSettings;
  state: AlarmState;
  /** the evaluation range, oldest first, one entry a period (see evaluationRange) */
  range: readonly PeriodValue[];
  now: Date;
}

export interface Transition {
  state: AlarmState;
  reason: string;
  /** StateReasonData as AWS writes it (JSON text) */
  reasonData: string;
}

/** The next state, or 'retain' when the evaluation keeps the current one (ignore, low samples). */
export type Evaluation = Transition | 'retain';

/** How many periods an evaluation reads for N evaluation periods. */
export function evaluationRangeLength(evaluationPeriods: number): number {
  return evaluationPeriods + 2;
}

/** The start times of the evaluation range's periods at `now` (complete periods only), oldest first. */
export function evaluationRange(period: number, evaluationPeriods: number, now: Date): Date[] {
  const ms = period * 1000;
  const end = Math.floor(now.getTime() / ms) * ms;
  const n = evaluationRangeLength(evaluationPeriods);
  return Array.from({ length: n }, (_, i) => new Date(end - (n - i) * ms));
}

/** How often AWS evaluates an alarm: every 10 s (high resolution), every minute, or hourly past a day. */
export function evaluationIntervalMs(period: number, evaluationPeriods: number): number {
  if (period * evaluationPeriods > 86_400) return 3_600_000;
  if (period < 10) return period * 1000; // the shortened metrics period's knob: every period
  return period < 60 ? 10_000 : 60_000;
}

const PHRASES: Record<StaticOperator, string> = {
  GreaterThanOrEqualToThreshold: 'greater than or equal to',
  GreaterThanThreshold: 'greater than',
  LessThanThreshold: 'less than',
  LessThanOrEqualToThreshold: 'less than or equal to',
};

export function breaches(op: StaticOperator, value: number, threshold: number): boolean {
  switch (op) {
    case 'GreaterThanOrEqualToThreshold':
      return value >= threshold;
    case 'GreaterThanThreshold':
      return value > threshold;
    case 'LessThanThreshold':
      return value < threshold;
    case 'LessThanOrEqualToThreshold':
      return value <= threshold;
  }
}

/** A number as Java's Double.toString writes it (AWS's reason texts): 50.0, 75.2, 1.0E7. */
export function javaDouble(v: number): string {
  if (!Number.isFinite(v)) return Number.isNaN(v) ? 'NaN' : v > 0 ? 'Infinity' : '-Infinity';
  const abs = Math.abs(v);
  if (abs !== 0 && (abs < 1e-3 || abs >= 1e7)) {
    const [m, e] = v.toExponential().split('e');
    const mantissa = m!.includes('.') ? m! : `${m}.0`;
    return `${mantissa}E${Number(e)}`;
  }
  const s = String(v);
  return s.includes('.') ? s : `${s}.0`;
}

const pad = (n: number): string => String(n).padStart(2, '0');

/** dd/MM/yy HH:mm:ss in UTC, as in AWS's reason texts. */
export function reasonTime(d: Date): string {
  return `${pad(d.getUTCDate())}/${pad(d.getUTCMonth() + 1)}/${pad(d.getUTCFullYear() % 100)} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
}

/** yyyy-MM-ddTHH:mm:ss.SSS+0000, the timestamps of AWS's reason data and history data. */
export function awsJsonTime(d: Date): string {
  return d.toISOString().replace('Z', '+0000');
}

const plural = (n: number, one: string, many: string): string => (n === 1 ? one : many);

/** The minimum sample count for a percentile to count (10 / (1 - p)); 0 for other statistics. */
export function minimumSamples(extendedStatistic: string | undefined): number {
  const m = /^p(\d+(?:\.\d+)?)$/.exec(extendedStatistic ?? '');
  if (!m) return 0;
  const p = Number(m[1]) / 100;
  return p >= 1 ? Infinity : Math.ceil(10 / (1 - p) - 1e-9);
}

export function evaluate(input: EvaluationInput): Evaluation {
  const { settings: s, state, range, now } = input;
  const n = s.evaluationPeriods;
  const m = s.datapointsToAlarm ?? n;
  const treat = s.treatMissingData ?? 'missing';
  const real = range.filter((p) => p.value !== undefined);
  const recent = real.slice(-n);
  if (s.evaluateLowSampleCountPercentile === 'ignore') {
    const min = minimumSamples(s.extendedStatistic);
    if (min > 0 && recent.some((p) => (p.sampleCount ?? 0) < min)) return 'retain';
  }
  const breachingOf = (ps: readonly PeriodValue[]) => ps.filter((p) => breaches(s.comparisonOperator, p.value!, s.threshold));
  const reasonData = (evaluated: readonly PeriodValue[]) => reasonDataJson(s, now, evaluated);

  if (recent.length >= n) {
    const bad = breachingOf(recent);
    const next: AlarmState = bad.length >= m ? 'ALARM' : 'OK';
    const shown = next === 'ALARM' ? bad : recent.filter((p) => !bad.includes(p));
    return { state: next, reason: crossed(s, state, next, shown, n, m, 0), reasonData: reasonData(recent) };
  }

  const filled = n - real.length;
  // the periods the filled points stand for: the most recent missing ones
  const missingPeriods = range.filter((p) => p.value === undefined).slice(-filled);
  const evaluated = [...real, ...missingPeriods].sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
  if (real.length === 0) {
    if (treat === 'ignore') return 'retain';
    if (treat === 'missing') {
      return { state: 'INSUFFICIENT_DATA', reason: `Insufficient Data: ${n} ${plural(n, 'datapoint was', 'datapoints were')} unknown.`, reasonData: reasonData(missingPeriods) };
    }
    const next: AlarmState = treat === 'breaching' ? (n >= m ? 'ALARM' : 'OK') : 'OK';
    const as = treat === 'breaching' ? 'Breaching' : 'NonBreaching';
    return { state: next, reason: `Threshold Crossed: no datapoints were received for ${n} ${plural(n, 'period', 'periods')} and ${n} missing ${plural(n, 'datapoint was', 'datapoints were')} treated as [${as}].`, reasonData: reasonData(missingPeriods) };
  }

  const bad = breachingOf(real);
  if (treat === 'breaching' || treat === 'notBreaching') {
    const count = bad.length + (treat === 'breaching' ? filled : 0);
    const next: AlarmState = count >= m ? 'ALARM' : 'OK';
    const shown = next === 'ALARM' ? bad : real.filter((p) => !bad.includes(p));
    return { state: next, reason: crossed(s, state, next, shown, n, m, filled, treat), reasonData: reasonData(evaluated) };
  }
  // missing / ignore with fewer real datapoints than N: the real ones decide
  const needed = Math.min(m, real.length);
  const next: AlarmState = bad.length >= needed ? 'ALARM' : 'OK';
  if (next === 'ALARM' && treat === 'ignore') return 'retain';
  const shown = next === 'ALARM' ? bad : real.filter((p) => !bad.includes(p));
  return { state: next, reason: crossed(s, state, next, shown, real.length, next === 'ALARM' ? needed : m, 0), reasonData: reasonData(real) };
}

/** "Threshold Crossed: 3 out of the last 3 datapoints [...] were greater than the threshold (50.0) (minimum 3 datapoints for OK -> ALARM transition)." */
function crossed(s: EvaluationSettings, from: AlarmState, to: AlarmState, shown: readonly PeriodValue[], n: number, m: number, filled: number, treat?: TreatMissingData): string {
  const list = [...shown]
    .sort((a, b) => b.timestamp.getTime() - a.timestamp.getTime())
    .map((p) => `${javaDouble(p.value!)} (${reasonTime(p.timestamp)})`)
    .join(', ');
  const phrase = (to === 'OK' ? 'not ' : '') + PHRASES[s.comparisonOperator];
  const minimum = to === 'ALARM' ? m : Math.max(1, n - m + 1);
  const fill = filled > 0 ? ` and ${filled} missing ${plural(filled, 'datapoint was', 'datapoints were')} treated as [${treat === 'breaching' ? 'Breaching' : 'NonBreaching'}]` : '';
  return (
    `Threshold Crossed: ${shown.length} out of the last ${n} datapoints [${list}] ${plural(shown.length, 'was', 'were')} ${phrase} the threshold (${javaDouble(s.threshold)})` +
    `${fill} (minimum ${minimum} ${plural(minimum, 'datapoint', 'datapoints')} for ${from} -> ${to} transition).`
  );
}

/** StateReasonData: {"version":"1.0","queryDate":…,"startDate":…,"statistic":…,"period":…,"recentDatapoints":[…],"threshold":…,"evaluatedDatapoints":[…]} */
function reasonDataJson(s: EvaluationSettings, now: Date, evaluated: readonly PeriodValue[]): string {
  const oldestFirst = [...evaluated].sort((a, b) => a.timestamp.getTime() - b.timestamp.getTime());
  const data: Record<string, unknown> = { version: '1.0', queryDate: awsJsonTime(now) };
  if (oldestFirst.length > 0) data.startDate = awsJsonTime(oldestFirst[0]!.timestamp);
  if (s.statistic) data.statistic = s.statistic;
  if (s.extendedStatistic) data.extendedStatistic = s.extendedStatistic;
  if (s.unit) data.unit = s.unit;
  data.period = s.period;
  data.recentDatapoints = oldestFirst.filter((p) => p.value !== undefined).map((p) => p.value);
  data.threshold = s.threshold;
  data.evaluatedDatapoints = [...oldestFirst].reverse().map((p) => {
    const out: Record<string, unknown> = { timestamp: awsJsonTime(p.timestamp) };
    if (p.value !== undefined) {
      if (p.sampleCount !== undefined) out.sampleCount = p.sampleCount;
      out.value = p.value;
    }
    return out;
  });
  return JSON.stringify(data);
}
