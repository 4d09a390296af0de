// Alarms evaluated on schedule by a durable job: one keyed job per alarm
// (`cw-alarm/<account>/<region>/<name>`) in the job runner's store, so evaluation survives
// restarts and, with several nodes sharing PostgreSQL, runs on one node at a time (the job's
// lease). Each run reads the alarm's evaluation range from the metric store (GetMetricData's
// engine for metric-math alarms), decides with alarm-evaluation.ts and writes a change through
// AlarmService.transition; while the state holds, Auto Scaling actions run again once a minute
// ("an alarm invokes an Auto Scaling action once each minute when the alarm remains in a new
// state"). The job then reschedules itself at AWS's cadence — every 10 s for high-resolution
// periods, every minute otherwise, hourly past a day of evaluation — or the server's test
// interval. A composite alarm's job runs once per kick (a child's change, its own update): its
// rule over the children's states. An alarm put is brought forward (`kick`); a deleted alarm's
// job ends at its next run. History older than 30 days is dropped by one more keyed job, hourly.
import type { JobRunner } from '../../../jobs/job-runner.js';
import type { Logger } from '../../../logger.js';
import type { Scope } from '../../../store/scope.js';
import type { Store } from '../../../store/store.js';
import type { CloudwatchAlarmRow } from '../../../store/repos/cloudwatch-alarms.js';
import type { MetricStore, Datapoint } from '../metrics/metric-store.js';
import { awsJsonTime, evaluate, evaluationIntervalMs, evaluationRange, type AlarmState, type PeriodValue } from './alarm-evaluation.js';
import type { CompositeAlarmDefinition, MetricAlarmDefinition } from './alarm-model.js';
import { alarmArn } from './alarm-model.js';
import { evaluateRule, parseRule, ruleAlarms } from './alarm-rule.js';
import type { AlarmService, StateChange } from './alarm-service.js';
import { alarmPeriod, isStaticOperator } from './alarm-validation.js';

export const ALARM_JOB = 'cloudwatch.alarm';
export const HISTORY_EXPIRY_JOB = 'cloudwatch.alarm-history-expiry';
/** how long alarm history is kept (the CloudWatch console's 30 days) */
export const HISTORY_RETENTION_MS = 30 * 86_400_000;

interface Payload {
  accountId: string;
  region: string;
  name: string;
}

export interface AlarmEvaluatorDeps {
  jobs: JobRunner;
  store: Store;
  metrics: MetricStore;
  service: () => AlarmService;
  /** evaluate every alarm this often instead of AWS's cadence (tests, demos) */
  intervalMs?: number;
  now?: () => Date;
  log?: Logger;
}

/** The deps and, per alarm, when its repeating actions last ran (in memory: a restart repeats once early). */
type Ctx = AlarmEvaluatorDeps & { lastRepeat: Map<string, number> };

export function alarmEvaluator(evaluatorDeps: AlarmEvaluatorDeps) {
  // AWS invokes Auto Scaling actions "once each minute" while the alarm stays in the state
  const deps: Ctx = { ...evaluatorDeps, lastRepeat: new Map() };
  const now = deps.now ?? (() => new Date());
  deps.jobs.register(ALARM_JOB, async (payload) => {
    const { accountId, region, name } = payload as Payload;
    const scope = { accountId, region };
    const row = await deps.store.cloudwatchAlarms.get(scope, name);
    if (!row) return 'done';
    const at = now();
    let interval: number;
    if (row.alarm_type === 'CompositeAlarm') {
      // evaluated when a child changes state or its configuration changes, never on a clock
      // (AWS: a composite alarm set by SetAlarmState stays so until then)
      await evaluateComposite(deps, scope, row);
      return 'done';
    } else {
      const def = JSON.parse(row.definition) as MetricAlarmDefinition;
      await evaluateMetric(deps, scope, row, def, at);
      interval = evaluationIntervalMs(alarmPeriod(def), def.evaluationPeriods);
    }
    if (deps.intervalMs !== undefined) return { retryInMs: deps.intervalMs };
    // just past the next boundary of the cadence, as AWS evaluates
    const t = now().getTime();
    return { retryInMs: interval - (t % interval) + 1000 };
  });
  // one keyed job for the cluster drops history past its retention, hourly
  deps.jobs.register(HISTORY_EXPIRY_JOB, async () => {
    await deps.store.cloudwatchAlarms.pruneHistory(now().getTime() - HISTORY_RETENTION_MS);
    return { retryInMs: 3_600_000 };
  });
  deps.jobs.ensure('cw-alarm-history-expiry', HISTORY_EXPIRY_JOB, {}).catch((e: unknown) => deps.log?.error('could not schedule alarm history expiry', { err: String(e) }));
  return {
    kick(scope: Scope, name: string): void {
      const payload: Payload = { accountId: scope.accountId, region: scope.region, name };
      deps.jobs.ensure(`cw-alarm/${scope.accountId}/${scope.region}/${name}`, ALARM_JOB, payload).catch((e: unknown) => deps.log?.error('could not schedule alarm evaluation', { alarm: name, err: String(e) }));
    },
  };
}

async function evaluateMetric(deps: Ctx, scope: Scope, row: CloudwatchAlarmRow, def: MetricAlarmDefinition, at: Date): Promise<void> {
  if (!isStaticOperator(def.comparisonOperator) || def.threshold === undefined) return;
  const period = alarmPeriod(def);
  const starts = evaluationRange(period, def.evaluationPeriods, at);
  let values: Map<number, PeriodValue>;
  try {
    values = await readRange(deps.metrics, scope, def, period, starts[0]!, new Date(starts[starts.length - 1]!.getTime() + period * 1000), at);
  } catch (e) {
    // the metrics could not be read (a query the metric store refuses): no evaluation this time
    deps.log?.warn('alarm not evaluated: its metrics could not be read', { alarm: row.name, err: e instanceof Error ? e.message : String(e) });
    return;
  }
  const range: PeriodValue[] = starts.map((t) => values.get(t.getTime()) ?? { timestamp: t });
  const result = evaluate({
    settings: {
      period,
      evaluationPeriods: def.evaluationPeriods,
      datapointsToAlarm: def.datapointsToAlarm,
      threshold: def.threshold,
      comparisonOperator: def.comparisonOperator,
      treatMissingData: def.treatMissingData as never,
      evaluateLowSampleCountPercentile: def.evaluateLowSampleCountPercentile as never,
      statistic: def.statistic,
      extendedStatistic: def.extendedStatistic,
      unit: def.unit,
    },
    state: row.state_value as AlarmState,
    range,
    now: at,
  });
  // "once each minute": six 10-second evaluations; shorter only where periods are (test knobs)
  const repeatMs = deps.intervalMs ?? Math.min(60_000, 6 * evaluationIntervalMs(period, def.evaluationPeriods));
  await settle(deps, scope, row, result === 'retain' ? undefined : result, repeatMs);
}

/** Writes a change, or — the state holding — repeats the actions that repeat (Auto Scaling). */
async function settle(deps: Ctx, scope: Scope, row: CloudwatchAlarmRow, change: StateChange | undefined, repeatMs = 60_000): Promise<void> {
  const service = deps.service();
  if (change && change.state !== row.state_value) {
    // the change runs the actions; repeats start a minute after it
    if (await service.transition(scope, row, change)) deps.lastRepeat.set(`${scope.accountId}/${scope.region}/${row.name}`, (deps.now ?? (() => new Date()))().getTime());
    return;
  }
  const key = `${scope.accountId}/${scope.region}/${row.name}`;
  const t = (deps.now ?? (() => new Date()))().getTime();
  const last = deps.lastRepeat.get(key);
  if (last !== undefined && t - last < repeatMs - 500) return;
  deps.lastRepeat.set(key, t);
  await service.act(scope, row, row.state_value as AlarmState, true, change);
}

/** The alarm's value per period start (ms), from the metric store. */
async function readRange(metrics: MetricStore, scope: Scope, def: MetricAlarmDefinition, period: number, start: Date, end: Date, at: Date): Promise<Map<number, PeriodValue>> {
  const out = new Map<number, PeriodValue>();
  if (def.metrics?.length) {
    const res = await metrics.metricData(
      scope,
      {
        queries: def.metrics.map((q) => ({
          id: q.id,
          metricStat: q.metricStat && { metric: q.metricStat.metric, periodSeconds: q.metricStat.period, stat: q.metricStat.stat, unit: q.metricStat.unit },
          expression: q.expression,
          label: q.label,
          returnData: q.returnData,
          periodSeconds: q.period ?? period,
        })),
        start,
        end,
        scanBy: 'TimestampAscending',
      },
      at,
    );
    const id = (def.metrics.find((q) => q.returnData !== false) ?? def.metrics[0]!).id;
    const result = res.results.find((r) => r.id === id);
    result?.timestamps.forEach((t, i) => out.set(t.getTime(), { timestamp: t, value: result.values[i]! }));
    return out;
  }
  const points = await metrics.statistics(
    scope,
    {
      namespace: def.namespace!,
      metricName: def.metricName!,
      dimensions: def.dimensions ?? [],
      start,
      end,
      periodSeconds: period,
      unit: def.unit,
      statistics: def.statistic ? [def.statistic as 'Average', 'SampleCount'] : ['SampleCount'],
      extended: def.extendedStatistic ? [def.extendedStatistic] : undefined,
    },
    at,
  );
  for (const p of points) {
    const value = pick(p, def);
    if (value !== undefined && !out.has(p.timestamp.getTime())) out.set(p.timestamp.getTime(), { timestamp: p.timestamp, value, sampleCount: p.sampleCount });
  }
  return out;
}

function pick(p: Datapoint, def: MetricAlarmDefinition): number | undefined {
  if (def.extendedStatistic) return p.extended?.[def.extendedStatistic];
  switch (def.statistic) {
    case 'Average':
      return p.average;
    case 'Sum':
      return p.sum;
    case 'Minimum':
      return p.minimum;
    case 'Maximum':
      return p.maximum;
    case 'SampleCount':
      return p.sampleCount;
    default:
      return undefined;
  }
}

const DAYS = ['Sunday', 'Monday', 'Tuesday', 'Wednesday', 'Thursday', 'Friday', 'Saturday'];
const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const pad = (n: number) => String(n).padStart(2, '0');
/** "Tuesday 10 January, 2023 15:54:57 UTC", as composite alarms' reasons date their trigger */
const longTime = (d: Date) => `${DAYS[d.getUTCDay()]} ${pad(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]}, ${d.getUTCFullYear()} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())} UTC`;

/** A composite alarm: ALARM while its rule holds, else OK; its reason names the child that changed last. */
async function evaluateComposite(deps: Ctx, scope: Scope, row: CloudwatchAlarmRow): Promise<void> {
  const rule = parseRule((JSON.parse(row.definition) as CompositeAlarmDefinition).alarmRule);
  const names = ruleAlarms(rule);
  const children = await deps.store.cloudwatchAlarms.list(scope, { names });
  const states = new Map(children.map((c) => [c.name, c.state_value as AlarmState]));
  const next: AlarmState = evaluateRule(rule, (n) => states.get(n)) ? 'ALARM' : 'OK';
  if (next === row.state_value) return settle(deps, scope, row, undefined);
  const trigger = [...children].sort((a, b) => Date.parse(b.state_transitioned_at) - Date.parse(a.state_transitioned_at))[0];
  const change: StateChange = trigger
    ? {
        state: next,
        reason: `${alarmArn(scope.region, scope.accountId, trigger.name)} transitioned to ${trigger.state_value} at ${longTime(new Date(trigger.state_transitioned_at))}`,
        reasonData: JSON.stringify({ triggeringAlarms: [{ arn: alarmArn(scope.region, scope.accountId, trigger.name), state: { value: trigger.state_value, timestamp: awsJsonTime(new Date(trigger.state_transitioned_at)) } }] }),
      }
    : { state: next, reason: `The alarm rule evaluated to ${next === 'ALARM' ? 'TRUE' : 'FALSE'}` };
  await settle(deps, scope, row, change);
}
