// The evaluator over a real store, metric store and job runner with a fake clock: an alarm's
// Auto Scaling action runs on the change to ALARM, again once a minute (not at every 10-second
// evaluation) while the state holds — with the evaluation's current datapoints — and not at all
// once the alarm's actions are disabled; an SNS action runs on the change only. A change's
// actions are a durable job written with it.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { JobRunner } from '../../../jobs/job-runner.js';
import { Logger } from '../../../logger.js';
import { Store } from '../../../store/store.js';
import { MetricService } from '../metrics/metric-service.js';
import { AlarmActions, type AlarmActionEvent } from './alarm-actions.js';
import { ALARM_JOB, alarmEvaluator } from './alarm-evaluator.js';
import { AlarmService } from './alarm-service.js';

const scope = { accountId: '123456789012', region: 'eu-west-1' };
const POLICY = 'arn:aws:autoscaling:eu-west-1:123456789012:scalingPolicy:1b2c:autoScalingGroupName/web:policyName/out';
const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:ops';
let dir: string;
let store: Store;
let now = new Date(Date.UTC(2026, 5, 1, 12, 0, 30));
let jobs: JobRunner;
let metrics: MetricService;
let alarms: AlarmService;
const scaling: AlarmActionEvent[] = [];
const notified: AlarmActionEvent[] = [];

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'imago-alarm-evaluator-'));
  store = await Store.open({ dataDir: dir, durability: 'normal' });
  jobs = new JobRunner(store.jobs, new Logger('error'));
  metrics = new MetricService(store, () => now);
  const actions = new AlarmActions();
  actions.register('arn:aws:autoscaling:', { repeatWhileInState: true, invoke: async (_s, _arn, e) => void scaling.push(e) });
  actions.register('arn:aws:sns:', { invoke: async (_s, _arn, e) => void notified.push(e) });
  const evaluator = alarmEvaluator({ jobs, store, metrics, service: () => alarms, now: () => now });
  alarms = new AlarmService({ store, jobs, actions, kick: evaluator.kick, now: () => now });
});

after(async () => {
  await store?.close();
  rmSync(dir, { recursive: true, force: true });
});

/** One evaluation of the alarm now (its job made due, then run), and the actions job it leaves. */
async function evaluateNow(name: string): Promise<void> {
  await jobs.ensure(`cw-alarm/${scope.accountId}/${scope.region}/${name}`, ALARM_JOB, { ...scope, name });
  await jobs.drain();
  await jobs.drain();
}

async function load(value: number, at: Date): Promise<void> {
  await metrics.put(scope, [{ namespace: 'Test', metricName: 'Load', dimensions: [], timestamp: at, values: [{ value, count: 1 }], storageResolution: 1 }], now);
}

const advance = (ms: number) => (now = new Date(now.getTime() + ms));
const second = (s: number) => new Date(Date.UTC(2026, 5, 1, 12, 0, 0) + s * 1000);

test('Auto Scaling actions repeat once a minute while the alarm stays in ALARM; others run on the change only', async () => {
  await alarms.putMetricAlarm(scope, { name: 'hot', namespace: 'Test', metricName: 'Load', statistic: 'Maximum', period: 10, evaluationPeriods: 1, threshold: 50, comparisonOperator: 'GreaterThanThreshold', alarmActions: [POLICY, TOPIC] });
  await load(80, second(15));
  // the evaluation commits the change with its actions job; the job runs them after
  await jobs.ensure(`cw-alarm/${scope.accountId}/${scope.region}/hot`, ALARM_JOB, { ...scope, name: 'hot' });
  await jobs.drain();
  assert.equal((await alarms.get(scope, 'hot'))?.status.state, 'ALARM');
  assert.equal(scaling.length, 0);
  await jobs.drain();
  assert.equal(scaling.length, 1);
  assert.equal(scaling[0]!.repeat, false);
  assert.equal(scaling[0]!.previousState, 'INSUFFICIENT_DATA');
  assert.equal(notified.length, 1);

  // 10 s later, still breaching: evaluated, no repeat yet
  advance(10_000);
  await load(85, second(25));
  await evaluateNow('hot');
  assert.equal(scaling.length, 1);

  // a minute after the change: repeated with the current datapoint; SNS not again
  advance(50_000);
  await load(95, second(75));
  await evaluateNow('hot');
  assert.equal(scaling.length, 2);
  assert.equal(scaling[1]!.repeat, true);
  assert.deepEqual(JSON.parse(scaling[1]!.reasonData!).recentDatapoints, [95]);
  assert.equal(notified.length, 1);

  // actions disabled: the state holds, nothing runs
  await alarms.setActionsEnabled(scope, ['hot'], false);
  advance(61_000);
  await load(99, second(136));
  await evaluateNow('hot');
  assert.equal(scaling.length, 2);

  // back under the threshold: OK, with no OK actions to run
  await alarms.setActionsEnabled(scope, ['hot'], true);
  advance(10_000);
  await load(10, second(146));
  await evaluateNow('hot');
  assert.equal((await alarms.get(scope, 'hot'))?.status.state, 'OK');
  assert.equal(scaling.length, 2);
  const history = await alarms.describeHistory(scope, { alarmName: 'hot', itemType: 'StateUpdate', scanBy: 'TimestampAscending' });
  assert.deepEqual(history.items.map((h) => h.summary), ['Alarm updated from INSUFFICIENT_DATA to ALARM', 'Alarm updated from ALARM to OK']);
});

test('a state written since the evaluation read it wins (no lost update)', async () => {
  const row = (await store.cloudwatchAlarms.get(scope, 'hot'))!;
  await alarms.setAlarmState(scope, 'hot', { state: 'ALARM', reason: 'by hand' });
  assert.equal(await alarms.transition(scope, row, { state: 'INSUFFICIENT_DATA', reason: 'stale' }), false);
  assert.equal((await alarms.get(scope, 'hot'))?.status.reason, 'by hand');
});
