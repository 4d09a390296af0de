// IAM on CloudWatch alarms: an alarm's tags are its aws:ResourceTag/… keys, so a policy can keep a
// user away from the alarms of one team (the deny names the alarm ARN, as AWS's reference does).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { DeleteAlarmsCommand, DescribeAlarmsCommand, PutMetricAlarmCommand, type PutMetricAlarmCommandInput } from '@aws-sdk/client-cloudwatch';
import { CreateAccessKeyCommand, CreateUserCommand, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { ALICE, startServer, tempDir, writeCredentials, type TestServer } from '../helpers/server.js';
import { awsError, cloudwatch, iam } from '../helpers/clients.js';

let server: TestServer;

before(async () => {
  const dir = tempDir();
  server = await startServer({ dataDir: dir, credentials: writeCredentials(dir) });
});
after(async () => {
  await server?.stop();
});

const alarm = (name: string, team: string): PutMetricAlarmCommandInput => ({
  AlarmName: name,
  Namespace: 'Test/App',
  MetricName: 'Load',
  Statistic: 'Average',
  Period: 60,
  EvaluationPeriods: 1,
  Threshold: 1,
  ComparisonOperator: 'GreaterThanThreshold',
  Tags: [{ Key: 'team', Value: team }],
});

test('aws:ResourceTag conditions see the alarm tags', async () => {
  const root = cloudwatch(server.url, { account: ALICE });
  await root.send(new PutMetricAlarmCommand(alarm('ops-alarm', 'ops')));
  await root.send(new PutMetricAlarmCommand(alarm('web-alarm', 'web')));
  const rootIam = iam(server.url, { account: ALICE });
  await rootIam.send(new CreateUserCommand({ UserName: 'dev' }));
  const policy = {
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Action: 'cloudwatch:*', Resource: '*' },
      { Effect: 'Deny', Action: 'cloudwatch:DeleteAlarms', Resource: '*', Condition: { StringEquals: { 'aws:ResourceTag/team': 'ops' } } },
    ],
  };
  await rootIam.send(new PutUserPolicyCommand({ UserName: 'dev', PolicyName: 'p', PolicyDocument: JSON.stringify(policy) }));
  const { AccessKey } = await rootIam.send(new CreateAccessKeyCommand({ UserName: 'dev' }));
  const dev = cloudwatch(server.url, { account: { ...ALICE, accessKeyId: AccessKey!.AccessKeyId!, secretAccessKey: AccessKey!.SecretAccessKey! } });
  const denied = await awsError(dev.send(new DeleteAlarmsCommand({ AlarmNames: ['ops-alarm'] })));
  assert.equal(denied.status, 403);
  await dev.send(new DeleteAlarmsCommand({ AlarmNames: ['web-alarm'] }));
  const left = await root.send(new DescribeAlarmsCommand({}));
  assert.deepEqual(left.MetricAlarms?.map((a) => a.AlarmName), ['ops-alarm']);
});
