// Auto Scaling configuration through @aws-sdk/client-auto-scaling against a real server
// process: launch configurations (create, copy from an instance, describe with paging, delete, in
// use by a group, groups launching from them, a refresh onto a template, the account limit
// counts), suspended processes, metrics collection, notification configurations and every
// Describe*Types catalog, with their errors; all of it survives a restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  CreateLaunchConfigurationCommand,
  DeleteAutoScalingGroupCommand,
  DeleteLaunchConfigurationCommand,
  DescribeAccountLimitsCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeInstanceRefreshesCommand,
  DescribeLaunchConfigurationsCommand,
  StartInstanceRefreshCommand,
  UpdateAutoScalingGroupCommand,
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
import { CreateLaunchTemplateCommand, DescribeInstancesCommand, RunInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestAccount, type TestServer } from '../helpers/server.js';
import { autoscaling, ec2 } from '../helpers/clients.js';
import { emptySnapshot, expectError, registerImage } from '../helpers/images.js';
import { until } from '../helpers/until.js';

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

  test('launch configurations: create with AWS defaults, describe with paging, errors, account limits', async () => {
    const userData = Buffer.from('#!/bin/sh\necho hi\n').toString('base64');
    await asg().send(
      new CreateLaunchConfigurationCommand({
        LaunchConfigurationName: 'lc-web',
        ImageId: ami,
        InstanceType: 't3.small',
        UserData: userData,
        InstanceMonitoring: { Enabled: false },
        BlockDeviceMappings: [{ DeviceName: '/dev/xvdb', Ebs: { VolumeSize: 2, VolumeType: 'gp3', DeleteOnTermination: true } }],
        MetadataOptions: { HttpTokens: 'required', HttpPutResponseHopLimit: 2, HttpEndpoint: 'enabled' },
      }),
    );
    await asg().send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'lc-plain', ImageId: ami, InstanceType: 't3.micro' }));
    const [plain] = (await asg().send(new DescribeLaunchConfigurationsCommand({ LaunchConfigurationNames: ['lc-plain'] }))).LaunchConfigurations!;
    assert.match(plain.LaunchConfigurationARN!, /^arn:aws:autoscaling:us-east-1:111111111111:launchConfiguration:[0-9a-f-]{36}:launchConfigurationName\/lc-plain$/);
    assert.equal(plain.ImageId, ami);
    assert.equal(plain.InstanceType, 't3.micro');
    assert.deepEqual(plain.InstanceMonitoring, { Enabled: true });
    assert.equal(plain.EbsOptimized, false);
    assert.deepEqual(plain.SecurityGroups, []);
    assert.deepEqual(plain.BlockDeviceMappings, []);
    assert.ok(plain.CreatedTime instanceof Date);
    const [web] = (await asg().send(new DescribeLaunchConfigurationsCommand({ LaunchConfigurationNames: ['lc-web'] }))).LaunchConfigurations!;
    assert.equal(web.UserData, userData);
    assert.deepEqual(web.InstanceMonitoring, { Enabled: false });
    assert.equal(web.BlockDeviceMappings![0].Ebs!.VolumeSize, 2);
    assert.equal(web.MetadataOptions!.HttpTokens, 'required');

    await expectError(
      asg().send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'lc-plain', ImageId: ami, InstanceType: 't3.micro' })),
      'AlreadyExistsFault',
      /^Launch Configuration by this name already exists - A launch configuration already exists with the name lc-plain$/,
    );
    await expectError(
      asg().send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'lc-x', ImageId: ami })),
      'ValidationError',
      /^Valid requests must contain either the InstanceID parameter or both the ImageId and InstanceType parameters\.$/,
    );
    await expectError(asg().send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'lc-x', ImageId: 'ami-0123456789abcdef0', InstanceType: 't3.micro' })), 'ValidationError', /ami-0123456789abcdef0/);
    await expectError(asg().send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'lc-x', ImageId: ami, InstanceType: 't3.micro', KeyName: 'nokey' })), 'ValidationError', /^The key pair 'nokey' does not exist$/);
    await expectError(asg().send(new DeleteLaunchConfigurationCommand({ LaunchConfigurationName: 'ghost' })), 'ValidationError', /^Launch configuration name not found - Launch configuration ghost not found$/);
    await expectError(
      asg().send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'x', MinSize: 0, MaxSize: 1, AvailabilityZones: ['us-east-1a'], LaunchConfigurationName: 'ghost' })),
      'ValidationError',
      /Launch configuration ghost not found/,
    );
    const first = await asg().send(new DescribeLaunchConfigurationsCommand({ MaxRecords: 1 }));
    assert.deepEqual(first.LaunchConfigurations!.map((l) => l.LaunchConfigurationName), ['lc-plain']);
    const rest = await asg().send(new DescribeLaunchConfigurationsCommand({ MaxRecords: 1, NextToken: first.NextToken }));
    assert.deepEqual(rest.LaunchConfigurations!.map((l) => l.LaunchConfigurationName), ['lc-web']);
    assert.equal(rest.NextToken, undefined);
    assert.deepEqual((await asg(BOB).send(new DescribeLaunchConfigurationsCommand({}))).LaunchConfigurations, []);
    const limits = await asg().send(new DescribeAccountLimitsCommand({}));
    assert.equal(limits.NumberOfLaunchConfigurations, 2);
    assert.equal(limits.MaxNumberOfLaunchConfigurations, 200);
  });

  test('a group launches from its launch configuration; in use it cannot be deleted; a refresh moves it to a template', async () => {
    await asg().send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: 'lc-group', MinSize: 1, MaxSize: 2, DesiredCapacity: 2, AvailabilityZones: ['us-east-1a', 'us-east-1b'], LaunchConfigurationName: 'lc-web' }));
    let g = await group('lc-group');
    assert.equal(g.LaunchConfigurationName, 'lc-web');
    assert.equal(g.LaunchTemplate, undefined);
    const ids = await until('two instances in service', async () => {
      const g = await group('lc-group');
      const ready = g.Instances!.filter((i) => i.LifecycleState === 'InService');
      return ready.length === 2 ? ready.map((i) => i.InstanceId!) : undefined;
    }, 400);
    const members = (await asg().send(new DescribeAutoScalingInstancesCommand({ InstanceIds: ids }))).AutoScalingInstances!;
    assert.deepEqual(members.map((m) => m.LaunchConfigurationName), ['lc-web', 'lc-web']);
    const reservations = (await ec().send(new DescribeInstancesCommand({ InstanceIds: ids }))).Reservations!;
    for (const i of reservations.flatMap((r) => r.Instances!)) {
      assert.equal(i.ImageId, ami);
      assert.equal(i.InstanceType, 't3.small');
      assert.equal(i.Monitoring!.State, 'disabled');
      assert.equal(i.MetadataOptions!.HttpTokens, 'required');
      assert.ok(i.Tags!.some((t) => t.Key === 'aws:autoscaling:groupName' && t.Value === 'lc-group'));
    }
    await expectError(
      asg().send(new DeleteLaunchConfigurationCommand({ LaunchConfigurationName: 'lc-web' })),
      'ResourceInUseFault',
      /^Cannot delete launch configuration lc-web because it is attached to AutoScalingGroup lc-group$/,
    );
    // an update switches a group between launch configurations and templates
    await asg().send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'cfg-group', LaunchConfigurationName: 'lc-plain' }));
    assert.equal((await group('cfg-group')).LaunchConfigurationName, 'lc-plain');
    await asg().send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'cfg-group', LaunchTemplate: { LaunchTemplateId: ltId } }));
    g = await group('cfg-group');
    assert.equal(g.LaunchConfigurationName, undefined);
    assert.equal(g.LaunchTemplate!.LaunchTemplateId, ltId);
    await asg().send(new DeleteLaunchConfigurationCommand({ LaunchConfigurationName: 'lc-plain' }));

    // a refresh without a desired configuration replaces the instances from the same launch configuration
    const refreshed = async () => {
      const [r] = (await asg().send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: 'lc-group' }))).InstanceRefreshes!;
      assert.notEqual(r.Status, 'Failed', r.StatusReason);
      return r.Status === 'Successful' ? r : undefined;
    };
    await asg().send(new StartInstanceRefreshCommand({ AutoScalingGroupName: 'lc-group', Preferences: { MinHealthyPercentage: 50, InstanceWarmup: 0 } }));
    await until('the refresh on the launch configuration', refreshed, 600);
    g = await group('lc-group');
    assert.equal(g.LaunchConfigurationName, 'lc-web');
    assert.ok(g.Instances!.every((i) => !ids.includes(i.InstanceId!) && i.LaunchConfigurationName === 'lc-web'), 'every instance replaced, from lc-web');

    // an instance refresh with a launch template as its desired configuration replaces the launch configuration
    await asg().send(new StartInstanceRefreshCommand({ AutoScalingGroupName: 'lc-group', DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: ltId } }, Preferences: { MinHealthyPercentage: 50, InstanceWarmup: 0 } }));
    await until('the refresh onto the template', async () => {
      const [r] = (await asg().send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: 'lc-group' }))).InstanceRefreshes!;
      assert.notEqual(r.Status, 'Failed', r.StatusReason);
      return r.Status === 'Successful' && r.DesiredConfiguration ? r : undefined;
    }, 600);
    g = await group('lc-group');
    assert.equal(g.LaunchConfigurationName, undefined);
    assert.equal(g.LaunchTemplate!.LaunchTemplateId, ltId);
    assert.ok(g.Instances!.every((i) => i.LaunchTemplate?.LaunchTemplateId === ltId && i.LaunchConfigurationName === undefined));
    await asg().send(new DeleteLaunchConfigurationCommand({ LaunchConfigurationName: 'lc-web' }));
    await asg().send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'lc-group', ForceDelete: true }));
  });

  test('a launch configuration copied from an instance (InstanceId), its type overridden', async () => {
    const userData = Buffer.from('copied').toString('base64');
    const run = await ec().send(new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.nano', MinCount: 1, MaxCount: 1, UserData: userData, Monitoring: { Enabled: true } }));
    const instanceId = run.Instances![0].InstanceId!;
    await asg().send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'lc-copy', InstanceId: instanceId }));
    await asg().send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'lc-copy-big', InstanceId: instanceId, InstanceType: 't3.large' }));
    const lcs = (await asg().send(new DescribeLaunchConfigurationsCommand({ LaunchConfigurationNames: ['lc-copy', 'lc-copy-big'] }))).LaunchConfigurations!;
    assert.deepEqual(
      lcs.map((l) => [l.LaunchConfigurationName, l.ImageId, l.InstanceType, l.UserData, l.InstanceMonitoring?.Enabled]),
      [
        ['lc-copy', ami, 't3.nano', userData, true],
        ['lc-copy-big', ami, 't3.large', userData, true],
      ],
    );
    assert.deepEqual(lcs[0].BlockDeviceMappings, []);
    await expectError(asg().send(new CreateLaunchConfigurationCommand({ LaunchConfigurationName: 'lc-ghost', InstanceId: 'i-0123456789abcdef0' })), 'ValidationError', /i-0123456789abcdef0/);
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
