// CloudWatch alarms through @aws-sdk/client-cloudwatch against a real server: every alarm
// operation and its errors, a high-resolution alarm that goes to ALARM on PutMetricData of
// breaching values (the server evaluates every 300 ms instead of every 10 s), its history, a
// metric-math alarm, a composite alarm, actions, tags, and evaluation resuming after a restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import {
  DeleteAlarmsCommand,
  DescribeAlarmHistoryCommand,
  DescribeAlarmsCommand,
  DescribeAlarmsForMetricCommand,
  DisableAlarmActionsCommand,
  EnableAlarmActionsCommand,
  ListTagsForResourceCommand,
  PutCompositeAlarmCommand,
  PutMetricAlarmCommand,
  PutMetricDataCommand,
  SetAlarmStateCommand,
  TagResourceCommand,
  UntagResourceCommand,
  type CloudWatchClient,
  type PutMetricAlarmCommandInput,
} from '@aws-sdk/client-cloudwatch';
import { startServer, type TestServer } from '../helpers/server.js';
import { awsError as sdkError, cloudwatch } from '../helpers/clients.js';

/** The awsQuery error code (x-amzn-query-error), which awsQueryCompatible clients expose as Code. */
async function awsError(p: Promise<unknown>) {
  const e = await sdkError(p);
  return { ...e, name: (e.error.Code as string | undefined) ?? e.name };
}

const ARGS = ['--alarm-evaluation-interval-ms', '300'];
let server: TestServer;
let cw: CloudWatchClient;
const ARN = (name: string) => `arn:aws:cloudwatch:us-east-1:000000000000:alarm:${name}`;

before(async () => {
  server = await startServer({ args: ARGS });
  cw = cloudwatch(server.url);
});

after(async () => {
  await server?.stop();
});

const base = (name: string, over: Partial<PutMetricAlarmCommandInput> = {}): PutMetricAlarmCommandInput => ({
  AlarmName: name,
  Namespace: 'Test/App',
  MetricName: 'Load',
  Dimensions: [{ Name: 'Host', Value: name }],
  Statistic: 'Maximum',
  Period: 10,
  EvaluationPeriods: 1,
  Threshold: 50,
  ComparisonOperator: 'GreaterThanThreshold',
  ...over,
});

/** Breaching or not, values in the last completed 10-second periods (high resolution). */
async function putValues(host: string, values: number[], agoMs = 10_000): Promise<void> {
  const now = Date.now() - agoMs + 10_000;
  await cw.send(
    new PutMetricDataCommand({
      Namespace: 'Test/App',
      MetricData: values.map((v, i) => ({ MetricName: 'Load', Dimensions: [{ Name: 'Host', Value: host }], Value: v, Timestamp: new Date(now - 10_000 * (i + 1)), StorageResolution: 1 })),
    }),
  );
}

async function describe(name: string) {
  const out = await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name], AlarmTypes: ['MetricAlarm', 'CompositeAlarm'] }));
  return out.MetricAlarms?.[0] ?? out.CompositeAlarms?.[0];
}

async function waitForState(name: string, state: string, ms = 8000) {
  const until = Date.now() + ms;
  for (;;) {
    const a = await describe(name);
    if (a?.StateValue === state) return a;
    if (Date.now() > until) assert.fail(`${name} stayed ${a?.StateValue} (${a?.StateReason}), wanted ${state}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

test('PutMetricAlarm refuses what AWS refuses', async () => {
  const cases: [Partial<PutMetricAlarmCommandInput>, string, RegExp][] = [
    [{ DatapointsToAlarm: 3, EvaluationPeriods: 2 }, 'ValidationError', /DatapointsToAlarm must be less than or equal to EvaluationPeriods/],
    [{ Period: 45 }, 'ValidationError', /Period must be 10, 20, 30 or a multiple of 60/],
    [{ ExtendedStatistic: 'p90' }, 'InvalidParameterCombination', /Statistic and ExtendedStatistic/],
    [{ AlarmActions: ['not-an-arn'] }, 'ValidationError', /Invalid arn syntax: not-an-arn/],
    [{ AlarmActions: ['arn:aws:automate:eu-west-1:ec2:stop'] }, 'ValidationError', /Invalid region eu-west-1/],
    [{ TreatMissingData: 'sometimes' }, 'ValidationError', /TreatMissingData/],
    [{ Period: 60, EvaluationPeriods: 1441 }, 'ValidationError', /cannot exceed 86400/],
    [{ Threshold: undefined }, 'ValidationError', /Threshold/],
    [{ AlarmName: 'x'.repeat(256) }, 'ValidationError', /at 'alarmName' failed to satisfy constraint: Member must have length less than or equal to 255/],
    [{ EvaluationInterval: 60 }, 'ValidationError', /^EvaluationInterval is not supported by this server\.$/],
  ];
  for (const [over, code, message] of cases) {
    const e = await awsError(cw.send(new PutMetricAlarmCommand(base('bad', over))));
    assert.equal(e.name, code, JSON.stringify(over));
    assert.match(e.message, message);
  }
  const math = await awsError(
    cw.send(
      new PutMetricAlarmCommand({
        AlarmName: 'bad-math',
        EvaluationPeriods: 1,
        Threshold: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        Metrics: [
          { Id: 'm1', MetricStat: { Metric: { Namespace: 'Test/App', MetricName: 'Load' }, Period: 60, Stat: 'Average' } },
          { Id: 'e1', Expression: 'm1 * 2' },
        ],
      }),
    ),
  );
  assert.equal(math.name, 'ValidationError');
  assert.match(math.message, /Exactly one element of the metrics list should return data/);
  const queries = (expression: string) => [
    { Id: 'm1', MetricStat: { Metric: { Namespace: 'Test/App', MetricName: 'Load' }, Period: 60, Stat: 'Average' }, ReturnData: false },
    { Id: 'e1', Expression: expression },
  ];
  const put = (expression: string) => cw.send(new PutMetricAlarmCommand({ AlarmName: 'bad-math', EvaluationPeriods: 1, Threshold: 1, ComparisonOperator: 'GreaterThanThreshold', Metrics: queries(expression) }));
  const unparsable = await awsError(put('m1 * (2'));
  assert.equal(unparsable.name, 'ValidationError');
  assert.match(unparsable.message, /^Invalid metrics list: error in expression 'e1'/);
  assert.match((await awsError(put('m1 + m9'))).message, /expression 'e1' refers to 'm9'/);
  assert.equal((await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['bad', 'bad-math'] }))).MetricAlarms?.length, 0);
});

test('a high-resolution alarm goes to ALARM on breaching data, with AWS reason, history and actions', async () => {
  await cw.send(new PutMetricAlarmCommand(base('cpu-high', { AlarmActions: ['arn:aws:sns:us-east-1:000000000000:ops'], OKActions: [], Tags: [{ Key: 'team', Value: 'ops' }] })));
  const fresh = await describe('cpu-high');
  assert.equal(fresh?.AlarmArn, ARN('cpu-high'));
  assert.equal(fresh?.StateValue, 'INSUFFICIENT_DATA');
  assert.equal(fresh?.ActionsEnabled, true);
  await putValues('cpu-high', [80]);
  const alarmed = await waitForState('cpu-high', 'ALARM');
  assert.match(alarmed.StateReason!, /^Threshold Crossed: 1 out of the last 1 datapoints \[80\.0 \(\d\d\/\d\d\/\d\d \d\d:\d\d:\d\d\)\] was greater than the threshold \(50\.0\) \(minimum 1 datapoint for INSUFFICIENT_DATA -> ALARM transition\)\.$/);
  const data = JSON.parse(alarmed.StateReasonData!);
  assert.equal(data.version, '1.0');
  assert.equal(data.statistic, 'Maximum');
  assert.equal(data.period, 10);
  assert.deepEqual(data.recentDatapoints, [80]);

  // history, newest first by default; paging and ScanBy
  const deadline = Date.now() + 4000;
  let items: { HistoryItemType?: string; HistorySummary?: string; HistoryData?: string }[] = [];
  while (Date.now() < deadline) {
    items = (await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'cpu-high' }))).AlarmHistoryItems ?? [];
    if (items.some((i) => i.HistoryItemType === 'Action')) break;
    await new Promise((r) => setTimeout(r, 150));
  }
  const state = items.find((i) => i.HistoryItemType === 'StateUpdate');
  assert.equal(state?.HistorySummary, 'Alarm updated from INSUFFICIENT_DATA to ALARM');
  const sd = JSON.parse(state!.HistoryData!);
  assert.equal(sd.oldState.stateValue, 'INSUFFICIENT_DATA');
  assert.equal(sd.newState.stateValue, 'ALARM');
  assert.equal(items.find((i) => i.HistoryItemType === 'ConfigurationUpdate')?.HistorySummary, 'Alarm "cpu-high" created');
  assert.match(items.find((i) => i.HistoryItemType === 'Action')!.HistorySummary!, /no Amazon SNS.*arn:aws:sns:us-east-1:000000000000:ops/);
  const first = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'cpu-high', MaxRecords: 1, ScanBy: 'TimestampAscending' }));
  assert.equal(first.AlarmHistoryItems?.[0]?.HistoryItemType, 'ConfigurationUpdate');
  assert.ok(first.NextToken);
  const second = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'cpu-high', MaxRecords: 1, ScanBy: 'TimestampAscending', NextToken: first.NextToken }));
  assert.equal(second.AlarmHistoryItems?.[0]?.HistoryItemType, 'StateUpdate');
  const onlyState = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'cpu-high', HistoryItemType: 'StateUpdate' }));
  assert.ok(onlyState.AlarmHistoryItems!.every((i) => i.HistoryItemType === 'StateUpdate'));
  const future = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'cpu-high', StartDate: new Date(Date.now() + 60_000) }));
  assert.equal(future.AlarmHistoryItems?.length, 0);
  assert.equal((await awsError(cw.send(new DescribeAlarmHistoryCommand({ NextToken: 'nope' })))).name, 'InvalidNextToken');
});

test('SetAlarmState holds until the next evaluation; with no data at all, missing -> INSUFFICIENT_DATA', async () => {
  await cw.send(new PutMetricAlarmCommand(base('quiet')));
  await cw.send(new SetAlarmStateCommand({ AlarmName: 'quiet', StateValue: 'ALARM', StateReason: 'by hand' }));
  const back = await waitForState('quiet', 'INSUFFICIENT_DATA');
  assert.equal(back.StateReason, 'Insufficient Data: 1 datapoint was unknown.');
  const items = (await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'quiet', HistoryItemType: 'StateUpdate', ScanBy: 'TimestampAscending' }))).AlarmHistoryItems ?? [];
  assert.deepEqual(items.map((i) => i.HistorySummary), ['Alarm updated from INSUFFICIENT_DATA to ALARM', 'Alarm updated from ALARM to INSUFFICIENT_DATA']);
});

test('SetAlarmState, Enable/DisableAlarmActions, and their errors', async () => {
  await cw.send(new PutMetricAlarmCommand(base('manual', { Period: 60, TreatMissingData: 'ignore' })));
  await cw.send(new SetAlarmStateCommand({ AlarmName: 'manual', StateValue: 'ALARM', StateReason: 'testing', StateReasonData: '{"by":"test"}' }));
  const a = await describe('manual');
  assert.equal(a?.StateValue, 'ALARM');
  assert.equal(a?.StateReason, 'testing');
  assert.equal(a?.StateReasonData, '{"by":"test"}');
  assert.equal((await awsError(cw.send(new SetAlarmStateCommand({ AlarmName: 'manual', StateValue: 'OK', StateReason: 'x', StateReasonData: '{oops' })))).name, 'InvalidFormat');
  const missing = await awsError(cw.send(new SetAlarmStateCommand({ AlarmName: 'nobody', StateValue: 'OK', StateReason: 'x' })));
  assert.equal(missing.name, 'ResourceNotFound');
  assert.equal(missing.status, 404);

  await cw.send(new DisableAlarmActionsCommand({ AlarmNames: ['manual', 'nobody'] }));
  assert.equal((await describe('manual'))?.ActionsEnabled, false);
  await cw.send(new EnableAlarmActionsCommand({ AlarmNames: ['manual'] }));
  assert.equal((await describe('manual'))?.ActionsEnabled, true);

  // an update keeps the state and records what changed
  await cw.send(new PutMetricAlarmCommand(base('manual', { Period: 60, TreatMissingData: 'ignore', Threshold: 70 })));
  const updated = await describe('manual');
  assert.equal(updated?.StateValue, 'ALARM');
  assert.equal((updated as { Threshold?: number })?.Threshold, 70);
  const hist = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'manual', HistoryItemType: 'ConfigurationUpdate' }));
  const upd = hist.AlarmHistoryItems!.find((i) => i.HistorySummary === 'Alarm "manual" updated');
  assert.equal(JSON.parse(upd!.HistoryData!).originalUpdatedFields.threshold, 50);
});

test('DescribeAlarms filters and pages; DescribeAlarmsForMetric; tags; DeleteAlarms', async () => {
  for (const n of ['list-a', 'list-b', 'list-c']) await cw.send(new PutMetricAlarmCommand(base(n, { Period: 60, AlarmActions: n === 'list-b' ? ['arn:aws:automate:us-east-1:ec2:stop'] : [], Tags: [{ Key: 'n', Value: n }] })));
  const byPrefix = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'list-' }));
  assert.deepEqual(byPrefix.MetricAlarms?.map((a) => a.AlarmName), ['list-a', 'list-b', 'list-c']);
  const page1 = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'list-', MaxRecords: 2 }));
  assert.equal(page1.MetricAlarms?.length, 2);
  const page2 = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'list-', MaxRecords: 2, NextToken: page1.NextToken }));
  assert.deepEqual(page2.MetricAlarms?.map((a) => a.AlarmName), ['list-c']);
  assert.equal(page2.NextToken, undefined);
  assert.equal((await awsError(cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'other', NextToken: page1.NextToken })))).name, 'InvalidNextToken');
  const tooMany = await awsError(cw.send(new DescribeAlarmsCommand({ MaxRecords: 101 })));
  assert.equal(tooMany.name, 'ValidationError');
  assert.match(tooMany.message, /Value '101' at 'maxRecords' failed to satisfy constraint: Member must have value less than or equal to 100/);
  const byAction = await cw.send(new DescribeAlarmsCommand({ ActionPrefix: 'arn:aws:automate:' }));
  assert.deepEqual(byAction.MetricAlarms?.map((a) => a.AlarmName), ['list-b']);
  const byState = await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'list-', StateValue: 'ALARM' }));
  assert.equal(byState.MetricAlarms?.length, 0);

  const forMetric = await cw.send(new DescribeAlarmsForMetricCommand({ Namespace: 'Test/App', MetricName: 'Load', Dimensions: [{ Name: 'Host', Value: 'list-a' }] }));
  assert.deepEqual(forMetric.MetricAlarms?.map((a) => a.AlarmName), ['list-a']);
  const forPeriod = await cw.send(new DescribeAlarmsForMetricCommand({ Namespace: 'Test/App', MetricName: 'Load', Period: 10 }));
  assert.ok(forPeriod.MetricAlarms!.every((a) => a.Period === 10));

  assert.deepEqual((await cw.send(new ListTagsForResourceCommand({ ResourceARN: ARN('list-a') }))).Tags, [{ Key: 'n', Value: 'list-a' }]);
  await cw.send(new TagResourceCommand({ ResourceARN: ARN('list-a'), Tags: [{ Key: 'env', Value: 'test' }] }));
  await cw.send(new UntagResourceCommand({ ResourceARN: ARN('list-a'), TagKeys: ['n'] }));
  assert.deepEqual((await cw.send(new ListTagsForResourceCommand({ ResourceARN: ARN('list-a') }))).Tags, [{ Key: 'env', Value: 'test' }]);
  const noTags = await awsError(cw.send(new ListTagsForResourceCommand({ ResourceARN: ARN('nobody') })));
  assert.equal(noTags.name, 'ResourceNotFoundException');

  await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['list-a', 'list-b', 'never-was'] }));
  assert.deepEqual((await cw.send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'list-' }))).MetricAlarms?.map((a) => a.AlarmName), ['list-c']);
  const deleted = await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: 'list-a', HistoryItemType: 'ConfigurationUpdate' }));
  assert.equal(deleted.AlarmHistoryItems?.[0]?.HistorySummary, 'Alarm "list-a" deleted');
});

test('a metric-math alarm and a composite alarm over it', async () => {
  await cw.send(
    new PutMetricAlarmCommand({
      AlarmName: 'math',
      EvaluationPeriods: 1,
      Threshold: 100,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      Metrics: [
        { Id: 'm1', MetricStat: { Metric: { Namespace: 'Test/App', MetricName: 'Load', Dimensions: [{ Name: 'Host', Value: 'math' }] }, Period: 10, Stat: 'Maximum' }, ReturnData: false },
        { Id: 'e1', Expression: 'm1 * 2', Label: 'doubled', ReturnData: true },
      ],
    }),
  );
  const math = (await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['math'] }))).MetricAlarms?.[0];
  assert.equal(math?.Metrics?.length, 2);
  assert.equal(math?.Metrics?.[1]?.Expression, 'm1 * 2');
  const bad = await awsError(cw.send(new PutCompositeAlarmCommand({ AlarmName: 'combo', AlarmRule: 'ALARM(math) AND (' })));
  assert.equal(bad.name, 'ValidationError');
  const suppressed = await awsError(cw.send(new PutCompositeAlarmCommand({ AlarmName: 'combo', AlarmRule: 'ALARM(math)', ActionsSuppressor: 'math' })));
  assert.match(suppressed.message, /ActionsSuppressor is not supported/);
  const orphan = await awsError(cw.send(new PutCompositeAlarmCommand({ AlarmName: 'combo', AlarmRule: 'ALARM(nobody)' })));
  assert.match(orphan.message, /alarms \[nobody\] in the alarm rule do not exist/);
  await cw.send(new PutCompositeAlarmCommand({ AlarmName: 'combo', AlarmRule: 'ALARM("math") AND NOT OK(cpu-high)', AlarmActions: ['arn:aws:sns:us-east-1:000000000000:ops'] }));
  await putValues('math', [60]);
  await waitForState('math', 'ALARM');
  const combo = await waitForState('combo', 'ALARM');
  assert.match(combo.StateReason!, /^arn:aws:cloudwatch:us-east-1:000000000000:alarm:math transitioned to ALARM at \w+day \d\d \w+, \d{4} \d\d:\d\d:\d\d UTC$/);
  const composites = await cw.send(new DescribeAlarmsCommand({ AlarmTypes: ['CompositeAlarm'] }));
  assert.equal(composites.CompositeAlarms?.[0]?.AlarmRule, 'ALARM("math") AND NOT OK(cpu-high)');
  assert.equal(composites.MetricAlarms?.length, 0);
  const children = await cw.send(new DescribeAlarmsCommand({ ChildrenOfAlarmName: 'combo' }));
  assert.deepEqual(children.MetricAlarms?.map((a) => a.AlarmName).sort(), ['cpu-high', 'math']);
  assert.deepEqual(Object.keys(children.MetricAlarms![0]!).sort(), ['AlarmArn', 'AlarmName', 'StateUpdatedTimestamp', 'StateValue']);
  const parents = await cw.send(new DescribeAlarmsCommand({ ParentsOfAlarmName: 'math' }));
  assert.deepEqual(parents.CompositeAlarms?.map((a) => a.AlarmName), ['combo']);
  assert.equal((await awsError(cw.send(new DescribeAlarmsCommand({ ChildrenOfAlarmName: 'combo', AlarmTypes: ['MetricAlarm'] })))).name, 'ValidationError');
  // a composite alarm set by hand stays so until a child changes state
  await cw.send(new SetAlarmStateCommand({ AlarmName: 'combo', StateValue: 'OK', StateReason: 'muted by hand' }));
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await describe('combo'))?.StateReason, 'muted by hand');
  const held = await awsError(cw.send(new DeleteAlarmsCommand({ AlarmNames: ['math', 'list-c'] })));
  assert.equal(held.name, 'ValidationError');
  assert.equal(held.message, 'Cannot delete math as there are composite alarm(s) depending on it.');
  assert.equal((await describe('list-c'))?.AlarmName, 'list-c', 'nothing deleted');
  await cw.send(new DeleteAlarmsCommand({ AlarmNames: ['combo', 'math'] }));
  assert.equal(await describe('math'), undefined);
});

test('alarms survive kill -9 and are evaluated after the restart', async () => {
  await cw.send(new PutMetricAlarmCommand(base('durable')));
  await server.kill();
  server = await startServer({ dataDir: server.dataDir, args: ARGS });
  cw = cloudwatch(server.url);
  assert.equal((await describe('durable'))?.AlarmName, 'durable');
  await putValues('durable', [99]);
  await waitForState('durable', 'ALARM');
});
