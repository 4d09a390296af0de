// Auto Scaling configuration through @aws-sdk/client-auto-scaling against a real server
// process: launch configurations (create, copy from an instance, describe with paging, delete,
// in use by a group, groups launching from them, the account limit counts), suspended processes,
// metrics collection, notification configurations and every Describe*Types catalog, with their
// errors; all of it survives a restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DeleteNotificationConfigurationCommand,
  DescribeAdjustmentTypesCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingNotificationTypesCommand,
  DescribeLifecycleHookTypesCommand,
  DescribeMetricCollectionTypesCommand,
  DescribeNotificationConfigurationsCommand,
  DescribeScalingProcessTypesCommand,
  DescribeTerminationPolicyTypesCommand,
  DisableMetricsCollectionCommand,
  EnableMetricsCollectionCommand,
  PutNotificationConfigurationCommand,
  ResumeProcessesCommand,
  SuspendProcessesCommand,
  type AutoScalingGroup,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestAccount, type TestServer } from '../helpers/server.js';
import { autoscaling, ec2 } from '../helpers/clients.js';
import { emptySnapshot, expectError, registerImage } from '../helpers/images.js';

describe('Auto Scaling configuration', () => {
  let server: TestServer;
  let dir: string;
  let ami: string;
  let ltId: string;
  const asg = (account: TestAccount = ALICE): AutoScalingClient => autoscaling(server.url, { account, region: 'us-east-1' });
  const ec = (account: TestAccount = ALICE): EC2Client => ec2(server.url, { account });
  const start = async () => {
    server = await startServer({ dataDir: dir, credentials: join(dir, 'credentials'), args: ['--settle-ms', '50'] });
  };
  const group = async (name: string): Promise<AutoScalingGroup> => (await asg().send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups![0];

  before(async () => {
    dir = tempDir();
    writeCredentials(dir);
    await start();
    ami = await registerImage(ec(), await emptySnapshot(ec()));
    const lt = await ec().send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'cfg', LaunchTemplateData: { ImageId: ami, InstanceType: 't3.micro' } }));
    ltId = lt.LaunchTemplate!.LaunchTemplateId!;
    await asg().send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'cfg-group', MinSize: 0, MaxSize: 2, AvailabilityZones: ['us-east-1a'], LaunchTemplate: { LaunchTemplateId: ltId } }));
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  test('Describe*Types catalogs answer', async () => {
    const processes = await asg().send(new DescribeScalingProcessTypesCommand({}));
    assert.deepEqual(
      processes.Processes!.map((p) => p.ProcessName).sort(),
      ['AZRebalance', 'AddToLoadBalancer', 'AlarmNotification', 'HealthCheck', 'InstanceRefresh', 'Launch', 'ReplaceUnhealthy', 'ScheduledActions', 'Terminate'],
    );
    const metrics = await asg().send(new DescribeMetricCollectionTypesCommand({}));
    assert.ok(metrics.Metrics!.some((m) => m.Metric === 'GroupDesiredCapacity'));
    assert.ok(metrics.Metrics!.some((m) => m.Metric === 'WarmPoolTotalCapacity'));
    assert.deepEqual(metrics.Granularities, [{ Granularity: '1Minute' }]);
    const notifications = await asg().send(new DescribeAutoScalingNotificationTypesCommand({}));
    assert.deepEqual(notifications.AutoScalingNotificationTypes, [
      'autoscaling:EC2_INSTANCE_LAUNCH',
      'autoscaling:EC2_INSTANCE_LAUNCH_ERROR',
      'autoscaling:EC2_INSTANCE_TERMINATE',
      'autoscaling:EC2_INSTANCE_TERMINATE_ERROR',
      'autoscaling:TEST_NOTIFICATION',
    ]);
    const hooks = await asg().send(new DescribeLifecycleHookTypesCommand({}));
    assert.deepEqual(hooks.LifecycleHookTypes, ['autoscaling:EC2_INSTANCE_LAUNCHING', 'autoscaling:EC2_INSTANCE_TERMINATING']);
    assert.equal((await asg().send(new DescribeAdjustmentTypesCommand({}))).AdjustmentTypes!.length, 3);
    assert.ok((await asg().send(new DescribeTerminationPolicyTypesCommand({}))).TerminationPolicyTypes!.includes('OldestInstance'));
  });

  test('Suspend/ResumeProcesses: stored with the reason, invalid names refused', async () => {
    await asg().send(new SuspendProcessesCommand({ AutoScalingGroupName: 'cfg-group', ScalingProcesses: ['Launch', 'AZRebalance'] }));
    let g = await group('cfg-group');
    assert.deepEqual(g.SuspendedProcesses!.map((p) => p.ProcessName), ['Launch', 'AZRebalance']);
    assert.match(g.SuspendedProcesses![0].SuspensionReason!, /^User suspended at \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    await expectError(asg().send(new SuspendProcessesCommand({ AutoScalingGroupName: 'cfg-group', ScalingProcesses: ['Bogus'] })), 'ValidationError', /Bogus/);
    await expectError(asg().send(new SuspendProcessesCommand({ AutoScalingGroupName: 'nope' })), 'ValidationError', /AutoScalingGroup name not found/);
    await asg().send(new ResumeProcessesCommand({ AutoScalingGroupName: 'cfg-group', ScalingProcesses: ['Launch'] }));
    g = await group('cfg-group');
    assert.deepEqual(g.SuspendedProcesses!.map((p) => p.ProcessName), ['AZRebalance']);
    // none named: all of them
    await asg().send(new SuspendProcessesCommand({ AutoScalingGroupName: 'cfg-group' }));
    assert.equal((await group('cfg-group')).SuspendedProcesses!.length, 9);
    await asg().send(new ResumeProcessesCommand({ AutoScalingGroupName: 'cfg-group' }));
    assert.deepEqual((await group('cfg-group')).SuspendedProcesses, []);
    await asg().send(new SuspendProcessesCommand({ AutoScalingGroupName: 'cfg-group', ScalingProcesses: ['ScheduledActions'] }));
  });

  test('Enable/DisableMetricsCollection: EnabledMetrics, granularity and names checked, Disable never fails', async () => {
    await asg().send(new DisableMetricsCollectionCommand({ AutoScalingGroupName: 'cfg-group' }));
    await asg().send(new EnableMetricsCollectionCommand({ AutoScalingGroupName: 'cfg-group', Granularity: '1Minute', Metrics: ['GroupDesiredCapacity', 'GroupMaxSize'] }));
    assert.deepEqual((await group('cfg-group')).EnabledMetrics, [
      { Metric: 'GroupMaxSize', Granularity: '1Minute' },
      { Metric: 'GroupDesiredCapacity', Granularity: '1Minute' },
    ]);
    await expectError(asg().send(new EnableMetricsCollectionCommand({ AutoScalingGroupName: 'cfg-group', Granularity: '5Minute' })), 'ValidationError', /1Minute/);
    await expectError(asg().send(new EnableMetricsCollectionCommand({ AutoScalingGroupName: 'cfg-group', Granularity: '1Minute', Metrics: ['CPU'] })), 'ValidationError', /CPU/);
    await asg().send(new DisableMetricsCollectionCommand({ AutoScalingGroupName: 'cfg-group', Metrics: ['GroupMaxSize'] }));
    assert.deepEqual((await group('cfg-group')).EnabledMetrics, [{ Metric: 'GroupDesiredCapacity', Granularity: '1Minute' }]);
    await asg().send(new EnableMetricsCollectionCommand({ AutoScalingGroupName: 'cfg-group', Granularity: '1Minute' }));
    assert.equal((await group('cfg-group')).EnabledMetrics!.length, 20);
  });

  test('notification configurations: put, describe with paging, delete, errors', async () => {
    const topic = 'arn:aws:sns:us-east-1:111111111111:scaling';
    await asg().send(new PutNotificationConfigurationCommand({ AutoScalingGroupName: 'cfg-group', TopicARN: topic, NotificationTypes: ['autoscaling:EC2_INSTANCE_LAUNCH', 'autoscaling:EC2_INSTANCE_TERMINATE'] }));
    await asg().send(new PutNotificationConfigurationCommand({ AutoScalingGroupName: 'cfg-group', TopicARN: `${topic}-2`, NotificationTypes: ['autoscaling:TEST_NOTIFICATION'] }));
    const all = await asg().send(new DescribeNotificationConfigurationsCommand({ AutoScalingGroupNames: ['cfg-group'] }));
    assert.deepEqual(all.NotificationConfigurations, [
      { AutoScalingGroupName: 'cfg-group', TopicARN: topic, NotificationType: 'autoscaling:EC2_INSTANCE_LAUNCH' },
      { AutoScalingGroupName: 'cfg-group', TopicARN: topic, NotificationType: 'autoscaling:EC2_INSTANCE_TERMINATE' },
      { AutoScalingGroupName: 'cfg-group', TopicARN: `${topic}-2`, NotificationType: 'autoscaling:TEST_NOTIFICATION' },
    ]);
    const first = await asg().send(new DescribeNotificationConfigurationsCommand({ MaxRecords: 2 }));
    assert.equal(first.NotificationConfigurations!.length, 2);
    const rest = await asg().send(new DescribeNotificationConfigurationsCommand({ MaxRecords: 2, NextToken: first.NextToken }));
    assert.equal(rest.NotificationConfigurations!.length, 1);
    assert.equal(rest.NextToken, undefined);
    // a Put replaces the topic's types
    await asg().send(new PutNotificationConfigurationCommand({ AutoScalingGroupName: 'cfg-group', TopicARN: topic, NotificationTypes: ['autoscaling:EC2_INSTANCE_LAUNCH_ERROR'] }));
    await expectError(asg().send(new PutNotificationConfigurationCommand({ AutoScalingGroupName: 'cfg-group', TopicARN: topic, NotificationTypes: ['autoscaling:NOPE'] })), 'ValidationError', /autoscaling:NOPE/);
    await expectError(asg().send(new PutNotificationConfigurationCommand({ AutoScalingGroupName: 'nope', TopicARN: topic, NotificationTypes: ['autoscaling:TEST_NOTIFICATION'] })), 'ValidationError', /not found/);
    await asg().send(new DeleteNotificationConfigurationCommand({ AutoScalingGroupName: 'cfg-group', TopicARN: `${topic}-2` }));
    const left = await asg().send(new DescribeNotificationConfigurationsCommand({}));
    assert.deepEqual(left.NotificationConfigurations!.map((n) => n.NotificationType), ['autoscaling:EC2_INSTANCE_LAUNCH_ERROR']);
    // another account sees none of them
    assert.deepEqual((await asg(BOB).send(new DescribeNotificationConfigurationsCommand({}))).NotificationConfigurations, []);
  });

  test('everything survives a restart', async () => {
    await server.stop();
    await start();
    const g = await group('cfg-group');
    assert.deepEqual(g.SuspendedProcesses!.map((p) => p.ProcessName), ['ScheduledActions']);
    assert.equal(g.EnabledMetrics!.length, 20);
    assert.equal((await asg().send(new DescribeNotificationConfigurationsCommand({}))).NotificationConfigurations!.length, 1);
  });
});
