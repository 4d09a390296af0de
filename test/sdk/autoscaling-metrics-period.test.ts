// The demo/test knob `--metrics-period-seconds N` (N < 60) as target tracking sees it: the
// managed alarms of a policy on an instance metric take the shortest period CloudWatch queries
// that spans N (1, 5, 10, 20 or 30 s; a 1 or 5 s one is then also accepted from PutMetricAlarm,
// other periods under 10 s are still refused in AWS's words), so 3 and 15 datapoints take seconds. Without the knob the
// managed alarms keep AWS's minute (autoscaling-policies.test.ts).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateAutoScalingGroupCommand, PutScalingPolicyCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { startServer, type TestServer } from '../helpers/server.js';
import { autoscaling, cloudwatch, ec2 } from '../helpers/clients.js';
import { emptySnapshot, registerImage } from '../helpers/images.js';
import { managedAlarmPeriod } from '../../src/services/autoscaling/policy-alarms.js';

test('managedAlarmPeriod: the minute by default; else the shortest queryable period spanning the metrics period', () => {
  assert.deepEqual([60, 1, 2, 5, 9, 10, 11, 15, 20, 25, 30, 31, 59].map(managedAlarmPeriod), [60, 1, 5, 5, 10, 10, 20, 20, 20, 30, 30, 60, 60]);
});

describe('a server with --metrics-period-seconds 3', () => {
  let server: TestServer;
  before(async () => {
    server = await startServer({ args: ['--settle-ms', '0', '--metrics-period-seconds', '3'] });
  });
  after(() => server.stop());

  test('a target tracking policy on ASGAverageCPUUtilization: its managed alarms use 5-second periods', async () => {
    const e = ec2(server.url);
    const ami = await registerImage(e, await emptySnapshot(e));
    await e.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'web', LaunchTemplateData: { ImageId: ami, InstanceType: 't2.nano' } }));
    const asg = autoscaling(server.url);
    await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'web', MinSize: 0, MaxSize: 2, AvailabilityZones: ['us-east-1a'], LaunchTemplate: { LaunchTemplateName: 'web' } }));
    const put = await asg.send(
      new PutScalingPolicyCommand({
        AutoScalingGroupName: 'web',
        PolicyName: 'cpu50',
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingConfiguration: { TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' } },
      }),
    );
    const alarms = (await cloudwatch(server.url).send(new DescribeAlarmsCommand({ AlarmNames: put.Alarms!.map((a) => a.AlarmName!) }))).MetricAlarms!;
    assert.deepEqual(
      alarms.map((a) => [a.AlarmName!.replace(/-[0-9a-f-]{36}$/, ''), a.Namespace, a.MetricName, a.Period, a.EvaluationPeriods, a.Threshold]).sort(),
      [
        ['TargetTracking-web-AlarmHigh', 'AWS/EC2', 'CPUUtilization', 5, 3, 50],
        ['TargetTracking-web-AlarmLow', 'AWS/EC2', 'CPUUtilization', 5, 15, 45],
      ],
    );
  });

  test('PutMetricAlarm accepts the 5-second period too, and still refuses other periods under 10 s', async () => {
    const cw = cloudwatch(server.url);
    const alarm = { AlarmName: 'fast', Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Statistic: 'Average' as const, EvaluationPeriods: 3, Threshold: 80, ComparisonOperator: 'GreaterThanThreshold' as const };
    await cw.send(new PutMetricAlarmCommand({ ...alarm, Period: 5 }));
    assert.equal((await cw.send(new DescribeAlarmsCommand({ AlarmNames: ['fast'] }))).MetricAlarms![0]!.Period, 5);
    await assert.rejects(cw.send(new PutMetricAlarmCommand({ ...alarm, Period: 1 })), (e: Error) => /^Validation(Error|Exception)$/.test(e.name) && /Period must be 10, 20, 30 or a multiple of 60/.test(e.message));
  });
});
