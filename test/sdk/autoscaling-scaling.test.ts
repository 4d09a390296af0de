// Scaling end to end with the `none` driver, through the SDKs against a real server process whose
// alarms are evaluated every 200 ms: a target tracking policy on a high-resolution custom metric
// (10-second periods, the group's AutoScalingGroupName dimension); PutMetricData of high values
// puts its AlarmHigh in ALARM, the group scales out to its MaxSize (proportionally, then again
// while the alarm holds) and DescribeScalingActivities tells why; low values put AlarmLow in
// ALARM and the group scales back in to its MinSize.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  CreateAutoScalingGroupCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  PutScalingPolicyCommand,
  type Activity,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { ALICE, removeDir, startServer, tempDir, writeCredentials, type TestServer } from '../helpers/server.js';
import { autoscaling, ec2 } from '../helpers/clients.js';
import { emptySnapshot, registerImage } from '../helpers/images.js';

describe('target tracking scales a group out and in', () => {
  let server: TestServer;
  let dir: string;
  const asg = () => autoscaling(server.url, { account: ALICE });
  const cw = () => new CloudWatchClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: ALICE.accessKeyId, secretAccessKey: ALICE.secretAccessKey }, maxAttempts: 1 });
  const group = async () => (await asg().send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web'] }))).AutoScalingGroups![0]!;
  const until = async (what: string, ok: () => Promise<boolean>, ms = 12_000) => {
    const end = Date.now() + ms;
    while (Date.now() < end) {
      if (await ok()) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${what}`);
  };
  /** the metric's value for every 5 s from `fromS` to `toS` seconds around now */
  const load = (value: number, fromS: number, toS: number) => {
    const now = Date.now();
    const data = [];
    for (let t = fromS; t <= toS; t += 5) {
      data.push({ MetricName: 'Busy', Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'web' }], Timestamp: new Date(now + t * 1000), Value: value, StorageResolution: 1 });
    }
    return cw().send(new PutMetricDataCommand({ Namespace: 'Imago/E2E', MetricData: data }));
  };
  const activities = async (): Promise<Activity[]> => (await asg().send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'web' }))).Activities!;

  before(async () => {
    dir = tempDir();
    writeCredentials(dir);
    server = await startServer({ dataDir: dir, credentials: join(dir, 'credentials'), args: ['--settle-ms', '20', '--alarm-evaluation-interval-ms', '200'] });
    const e = ec2(server.url, { account: ALICE });
    const ami = await registerImage(e, await emptySnapshot(e));
    const lt = await e.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'web', LaunchTemplateData: { ImageId: ami, InstanceType: 't3.micro' } }));
    await asg().send(
      new CreateAutoScalingGroupCommand({
        AutoScalingGroupName: 'web',
        MinSize: 1,
        MaxSize: 3,
        DesiredCapacity: 1,
        DefaultInstanceWarmup: 0,
        AvailabilityZones: ['us-east-1a', 'us-east-1b'],
        LaunchTemplate: { LaunchTemplateId: lt.LaunchTemplate!.LaunchTemplateId! },
      }),
    );
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  test('high load: AlarmHigh fires, the group grows to MaxSize; low load: AlarmLow fires, it shrinks to MinSize', async () => {
    await until('the first instance in service', async () => (await group()).Instances!.filter((i) => i.LifecycleState === 'InService').length === 1);
    const put = await asg().send(
      new PutScalingPolicyCommand({
        AutoScalingGroupName: 'web',
        PolicyName: 'busy50',
        PolicyType: 'TargetTrackingScaling',
        TargetTrackingConfiguration: {
          TargetValue: 50,
          // Minimum: a later low value in a period outweighs the earlier high one
          CustomizedMetricSpecification: { Namespace: 'Imago/E2E', MetricName: 'Busy', Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'web' }], Statistic: 'Minimum', Period: 10 },
        },
      }),
    );
    const high = put.Alarms!.find((a) => a.AlarmName!.includes('-AlarmHigh-'))!.AlarmName!;
    const low = put.Alarms!.find((a) => a.AlarmName!.includes('-AlarmLow-'))!.AlarmName!;

    // 90% busy for the last minute and the next: 1 instance -> 2 (1.8 rounded up), then 2 -> 3 (MaxSize)
    await load(90, -60, 60);
    await until('AlarmHigh in ALARM', async () => (await cw().send(new DescribeAlarmsCommand({ AlarmNames: [high] }))).MetricAlarms![0]!.StateValue === 'ALARM');
    await until('the group at MaxSize with every instance in service', async () => {
      const g = await group();
      return g.DesiredCapacity === 3 && g.Instances!.filter((i) => i.LifecycleState === 'InService').length === 3;
    });
    const launches = (await activities()).filter((a) => a.Description!.startsWith('Launching a new EC2 instance: i-'));
    const escape = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const byAlarm = new RegExp(`^At \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ a monitor alarm ${escape(high)} in state ALARM triggered policy busy50 changing the desired capacity from (1 to 2|2 to 3)\\.  At .* an instance was started in response to a difference between desired and actual capacity, increasing the capacity from \\d to \\d\\.$`);
    assert.equal(launches.filter((a) => byAlarm.test(a.Cause!)).length, 2, launches.map((a) => a.Cause).join('\n'));

    // 10% busy for the last 160 s and the next minute: AlarmLow (15 of 15 below 45) -> MinSize
    await load(10, -160, 60);
    await until('AlarmLow in ALARM', async () => (await cw().send(new DescribeAlarmsCommand({ AlarmNames: [low] }))).MetricAlarms![0]!.StateValue === 'ALARM');
    await until('the group back at MinSize', async () => {
      const g = await group();
      return g.DesiredCapacity === 1 && g.Instances!.length === 1;
    });
    const terminations = (await activities()).filter((a) => a.Description!.startsWith('Terminating EC2 instance: i-'));
    const shrunk = new RegExp(`^At .*Z a monitor alarm ${escape(low)} in state ALARM triggered policy busy50 changing the desired capacity from 3 to 1\\.  At .* an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from 3 to 1\\.`);
    assert.equal(terminations.filter((a) => shrunk.test(a.Cause!)).length, 2, terminations.map((a) => a.Cause).join('\n'));
    // each alarm is its own job: AlarmHigh sees the low values at its own next evaluation, which
    // may come after AlarmLow's and the scale-in
    await until('AlarmHigh back to OK', async () => (await cw().send(new DescribeAlarmsCommand({ AlarmNames: [high] }))).MetricAlarms![0]!.StateValue === 'OK');
  });
});
