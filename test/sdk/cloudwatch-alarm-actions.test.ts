// Alarm actions for real, through the SDKs: an EC2 stop action stops the instance the alarm's
// InstanceId dimension names when the alarm goes to ALARM, and says so in the alarm's history;
// an alarm whose actions are disabled changes state and does nothing.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DescribeAlarmHistoryCommand, DescribeAlarmsCommand, PutMetricAlarmCommand, PutMetricDataCommand, type CloudWatchClient } from '@aws-sdk/client-cloudwatch';
import type { EC2Client } from '@aws-sdk/client-ec2';
import { startServer, type TestServer } from '../helpers/server.js';
import { cloudwatch, ec2 } from '../helpers/clients.js';
import { describeInstance, instanceIn, launchableImage, runOne } from '../helpers/instances.js';

let server: TestServer;
let cw: CloudWatchClient;
let compute: EC2Client;

before(async () => {
  server = await startServer({ args: ['--alarm-evaluation-interval-ms', '300'] });
  cw = cloudwatch(server.url);
  compute = ec2(server.url);
});
after(async () => {
  await server?.stop();
});

async function alarmOn(name: string, instanceId: string, action: string, actionsEnabled: boolean): Promise<void> {
  await cw.send(
    new PutMetricAlarmCommand({
      AlarmName: name,
      Namespace: 'Test/Guest',
      MetricName: 'Errors',
      Dimensions: [{ Name: 'InstanceId', Value: instanceId }],
      Statistic: 'Sum',
      Period: 10,
      EvaluationPeriods: 1,
      Threshold: 0,
      ComparisonOperator: 'GreaterThanThreshold',
      ActionsEnabled: actionsEnabled,
      AlarmActions: [action],
    }),
  );
  await cw.send(new PutMetricDataCommand({ Namespace: 'Test/Guest', MetricData: [{ MetricName: 'Errors', Dimensions: [{ Name: 'InstanceId', Value: instanceId }], Value: 3, Timestamp: new Date(Date.now() - 10_000), StorageResolution: 1 }] }));
}

async function inAlarm(name: string): Promise<void> {
  const until = Date.now() + 8000;
  while ((await cw.send(new DescribeAlarmsCommand({ AlarmNames: [name] }))).MetricAlarms?.[0]?.StateValue !== 'ALARM') {
    if (Date.now() > until) assert.fail(`${name} never went to ALARM`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

const actionItems = async (name: string) => (await cw.send(new DescribeAlarmHistoryCommand({ AlarmName: name, HistoryItemType: 'Action' }))).AlarmHistoryItems ?? [];

test('an EC2 stop action stops the instance; disabled actions do nothing', async () => {
  const image = await launchableImage(compute);
  const [a, b] = [(await runOne(compute, image)).InstanceId!, (await runOne(compute, image)).InstanceId!];
  await instanceIn(compute, a, 'running');
  await instanceIn(compute, b, 'running');

  await alarmOn('guest-errors', a, 'arn:aws:automate:us-east-1:ec2:stop', true);
  await inAlarm('guest-errors');
  await instanceIn(compute, a, 'stopped');
  const until = Date.now() + 4000;
  let items = await actionItems('guest-errors');
  while (items.length === 0 && Date.now() < until) items = await actionItems('guest-errors');
  assert.equal(items[0]?.HistorySummary, 'Successfully executed action arn:aws:automate:us-east-1:ec2:stop');
  assert.equal(JSON.parse(items[0]!.HistoryData!).actionState, 'Succeeded');

  await alarmOn('muted', b, 'arn:aws:automate:us-east-1:ec2:terminate', false);
  await inAlarm('muted');
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await describeInstance(compute, b))?.State?.Name, 'running');
  assert.deepEqual(await actionItems('muted'), []);
});
