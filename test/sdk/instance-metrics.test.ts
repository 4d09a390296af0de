// The metrics Imago emits itself (issue 13 §2) through the SDKs, with the `none` driver and a
// 1-second metrics period: a running instance's StatusCheckFailed* (and nothing the driver cannot
// measure: no CPUUtilization without a VM), under InstanceId and, for a group's member,
// AutoScalingGroupName; AWS/AutoScaling group metrics once EnableMetricsCollection is on (only
// those enabled, none after DisableMetricsCollection); detailed monitoring switched by
// MonitorInstances/UnmonitorInstances (RunInstances' Monitoring.Enabled, DescribeInstances'
// Monitoring.State, DryRun, errors).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { CreateLaunchTemplateCommand, MonitorInstancesCommand, TerminateInstancesCommand, UnmonitorInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { CreateAutoScalingGroupCommand, DescribeAutoScalingGroupsCommand, DisableMetricsCollectionCommand, EnableMetricsCollectionCommand, type AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { GetMetricStatisticsCommand, ListMetricsCommand, type CloudWatchClient, type Dimension } from '@aws-sdk/client-cloudwatch';
import { ALICE, BOB, startServer, tempDir, writeCredentials, type TestServer } from '../helpers/server.js';
import { autoscaling, cloudwatch, ec2, expectAwsError } from '../helpers/clients.js';
import { until } from '../helpers/until.js';
import { describeInstance, instanceIn, launchableImage, runOne } from '../helpers/instances.js';

const UNKNOWN_INSTANCE = 'i-0123456789abcdef0';

describe('instance metrics', () => {
  let server: TestServer;
  let alice: EC2Client;
  let bob: EC2Client;
  let image: string;
  let cw: CloudWatchClient;
  let asg: AutoScalingClient;

  const metricsOf = async (namespace: string, name: string, dimensions: Dimension[]) =>
    (await cw.send(new ListMetricsCommand({ Namespace: namespace, MetricName: name, Dimensions: dimensions }))).Metrics ?? [];
  const stats = async (namespace: string, name: string, dimensions: Dimension[]) =>
    (
      await cw.send(
        new GetMetricStatisticsCommand({ Namespace: namespace, MetricName: name, Dimensions: dimensions, StartTime: new Date(Date.now() - 600_000), EndTime: new Date(Date.now() + 60_000), Period: 60, Statistics: ['Maximum', 'SampleCount'] }),
      )
    ).Datapoints ?? [];

  before(async () => {
    const dir = tempDir();
    server = await startServer({ credentials: writeCredentials(dir), args: ['--settle-ms', '300', '--metrics-period-seconds', '1'] });
    alice = ec2(server.url, { account: ALICE });
    bob = ec2(server.url, { account: BOB });
    image = await launchableImage(alice);
    cw = cloudwatch(server.url, { account: ALICE });
    asg = autoscaling(server.url, { account: ALICE });
  });
  after(async () => {
    await server?.stop();
  });

  test('MonitorInstances and UnmonitorInstances switch detailed monitoring (pending/disabling, then enabled/disabled)', async () => {
    const launched = await runOne(alice, image, { Monitoring: { Enabled: false } });
    const id = launched.InstanceId!;
    assert.equal(launched.Monitoring?.State, 'disabled');
    await instanceIn(alice, id, 'running');
    const on = await alice.send(new MonitorInstancesCommand({ InstanceIds: [id] }));
    assert.deepEqual(on.InstanceMonitorings, [{ InstanceId: id, Monitoring: { State: 'pending' } }]);
    await until('monitoring enabled', async () => ((await describeInstance(alice, id))?.Monitoring?.State === 'enabled' ? true : undefined));
    const again = await alice.send(new MonitorInstancesCommand({ InstanceIds: [id] }));
    assert.equal(again.InstanceMonitorings?.[0].Monitoring?.State, 'enabled');
    const off = await alice.send(new UnmonitorInstancesCommand({ InstanceIds: [id] }));
    assert.deepEqual(off.InstanceMonitorings, [{ InstanceId: id, Monitoring: { State: 'disabling' } }]);
    await until('monitoring disabled', async () => ((await describeInstance(alice, id))?.Monitoring?.State === 'disabled' ? true : undefined));
  });

  test('a running instance publishes its status checks every period (AWS/EC2, InstanceId, Count); nothing it cannot measure', async () => {
    const id = (await runOne(alice, image)).InstanceId!;
    await instanceIn(alice, id, 'running');
    const byInstance = [{ Name: 'InstanceId', Value: id }];
    for (const name of ['StatusCheckFailed', 'StatusCheckFailed_Instance', 'StatusCheckFailed_System', 'StatusCheckFailed_AttachedEBS']) {
      await until(`${name} of ${id}`, async () => ((await metricsOf('AWS/EC2', name, byInstance)).length ? true : undefined));
    }
    const points = await until('two samples', async () => {
      const p = await stats('AWS/EC2', 'StatusCheckFailed', byInstance);
      return p.reduce((n, d) => n + (d.SampleCount ?? 0), 0) >= 2 ? p : undefined;
    });
    assert.ok(points.every((d) => d.Maximum === 0 && d.Unit === 'Count'), JSON.stringify(points));
    // the none driver runs no VM: no CPU, disk or network figures are made up
    assert.deepEqual(await metricsOf('AWS/EC2', 'CPUUtilization', byInstance), []);
    assert.deepEqual(await metricsOf('AWS/EC2', 'NetworkIn', byInstance), []);
    // another account sees none of it
    assert.deepEqual((await cloudwatch(server.url, { account: BOB }).send(new ListMetricsCommand({ Namespace: 'AWS/EC2', Dimensions: byInstance }))).Metrics ?? [], []);
    // a stopped instance publishes nothing more
    await alice.send(new TerminateInstancesCommand({ InstanceIds: [id] }));
    await instanceIn(alice, id, 'terminated');
    const count = async () => (await stats('AWS/EC2', 'StatusCheckFailed', byInstance)).reduce((n, d) => n + (d.SampleCount ?? 0), 0);
    // a publish that read the instance as running before it terminated may still land: one
    // period (1 s) of grace, then nothing more
    await new Promise((r) => setTimeout(r, 1200));
    const before = await count();
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await count(), before);
  });

  test('detailed monitoring adds the ImageId, InstanceType and all-instances aggregates; basic does not', async () => {
    const own = await launchableImage(alice);
    const basic = (await runOne(alice, own, { InstanceType: 't3.nano' })).InstanceId!;
    const detailed = (await runOne(alice, own, { InstanceType: 't3.small', Monitoring: { Enabled: true } })).InstanceId!;
    await instanceIn(alice, detailed, 'running');
    await until('the detailed instance by ImageId', async () => ((await metricsOf('AWS/EC2', 'StatusCheckFailed', [{ Name: 'ImageId', Value: own }])).length ? true : undefined));
    await until('by InstanceType', async () => ((await metricsOf('AWS/EC2', 'StatusCheckFailed', [{ Name: 'InstanceType', Value: 't3.small' }])).length ? true : undefined));
    await until('the basic one by InstanceId', async () => ((await metricsOf('AWS/EC2', 'StatusCheckFailed', [{ Name: 'InstanceId', Value: basic }])).length ? true : undefined));
    assert.deepEqual(await metricsOf('AWS/EC2', 'StatusCheckFailed', [{ Name: 'InstanceType', Value: 't3.nano' }]), []);
    // the aggregate across all instances has no dimension
    const all = (await cw.send(new ListMetricsCommand({ Namespace: 'AWS/EC2', MetricName: 'StatusCheckFailed' }))).Metrics ?? [];
    assert.ok(all.some((m) => (m.Dimensions ?? []).length === 0), JSON.stringify(all));
    await alice.send(new TerminateInstancesCommand({ InstanceIds: [basic, detailed] }));
  });

  test('group metrics once EnableMetricsCollection is on, members under AutoScalingGroupName, none after Disable', async () => {
    const lt = (await alice.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'metrics', LaunchTemplateData: { ImageId: image, InstanceType: 't3.micro' } }))).LaunchTemplate!;
    await asg.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'web', MinSize: 1, MaxSize: 3, DesiredCapacity: 1, AvailabilityZones: ['us-east-1a'], LaunchTemplate: { LaunchTemplateId: lt.LaunchTemplateId, Version: '1' } }));
    const byGroup = [{ Name: 'AutoScalingGroupName', Value: 'web' }];
    await asg.send(new EnableMetricsCollectionCommand({ AutoScalingGroupName: 'web', Granularity: '1Minute', Metrics: ['GroupDesiredCapacity', 'GroupInServiceInstances'] }));
    const inService = await until('an InService member', async () => {
      const g = (await asg.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: ['web'] }))).AutoScalingGroups![0];
      return g.Instances?.find((i) => i.LifecycleState === 'InService');
    });
    await until('GroupInServiceInstances = 1', async () => ((await stats('AWS/AutoScaling', 'GroupInServiceInstances', byGroup)).some((d) => d.Maximum === 1) ? true : undefined));
    const desired = await stats('AWS/AutoScaling', 'GroupDesiredCapacity', byGroup);
    assert.ok(desired.length && desired.every((d) => d.Maximum === 1), JSON.stringify(desired));
    assert.deepEqual(await metricsOf('AWS/AutoScaling', 'GroupMaxSize', byGroup), [], 'only the enabled metrics');
    // the member's status checks are published for the group too (the aggregate AWS offers)
    await until('StatusCheckFailed of the group', async () => ((await stats('AWS/EC2', 'StatusCheckFailed', byGroup)).length ? true : undefined));
    assert.ok(inService.InstanceId);
    await asg.send(new DisableMetricsCollectionCommand({ AutoScalingGroupName: 'web' }));
    const count = async () => (await stats('AWS/AutoScaling', 'GroupDesiredCapacity', byGroup)).reduce((n, d) => n + (d.SampleCount ?? 0), 0);
    await new Promise((r) => setTimeout(r, 1200)); // a run in progress may still publish
    // a publish that read the instance as running before it terminated may still land: one
    // period (1 s) of grace, then nothing more
    await new Promise((r) => setTimeout(r, 1200));
    const before = await count();
    await new Promise((r) => setTimeout(r, 2500));
    assert.equal(await count(), before);
  });

  test('RunInstances Monitoring.Enabled launches with detailed monitoring', async () => {
    const launched = await runOne(alice, image, { Monitoring: { Enabled: true } });
    assert.equal(launched.Monitoring?.State, 'enabled');
  });

  test('errors: unknown, malformed, another account, terminated, DryRun', async () => {
    await expectAwsError(alice.send(new MonitorInstancesCommand({ InstanceIds: [UNKNOWN_INSTANCE] })), 'InvalidInstanceID.NotFound', /does not exist/);
    await expectAwsError(alice.send(new UnmonitorInstancesCommand({ InstanceIds: ['i-xyz'] })), 'InvalidInstanceID.Malformed');
    const mine = (await runOne(alice, image)).InstanceId!;
    await expectAwsError(bob.send(new MonitorInstancesCommand({ InstanceIds: [mine] })), 'InvalidInstanceID.NotFound');
    await expectAwsError(alice.send(new MonitorInstancesCommand({ InstanceIds: [mine], DryRun: true })), 'DryRunOperation', undefined, 412);
    assert.equal((await describeInstance(alice, mine))?.Monitoring?.State, 'disabled');
    await alice.send(new TerminateInstancesCommand({ InstanceIds: [mine] }));
    await instanceIn(alice, mine, 'terminated');
    await expectAwsError(alice.send(new MonitorInstancesCommand({ InstanceIds: [mine] })), 'IncorrectInstanceState');
  });
});
