// Auto Scaling through @aws-sdk/client-auto-scaling (and client-ec2 for the instances) against a
// real server process with two accounts: group lifecycle and every validation error, scaling up
// and down across zones, instances terminated out of band or marked unhealthy being replaced,
// TerminateInstanceInAutoScalingGroup, scaling activities (launches, terminations, failed
// launches with the EC2 message), policies, group tags, instance refresh from template version 1
// (AMI A) to version 2 (AMI B) within MinHealthyPercentage, rollback, a restart in the middle of
// a refresh, account isolation and persistence.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  AutoScalingClient,
  CancelInstanceRefreshCommand,
  CreateAutoScalingGroupCommand,
  CreateOrUpdateTagsCommand,
  DeleteAutoScalingGroupCommand,
  DeletePolicyCommand,
  DeleteTagsCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeInstanceRefreshesCommand,
  DescribeLifecycleHooksCommand,
  DescribeLoadBalancersCommand,
  DescribeLoadBalancerTargetGroupsCommand,
  DescribeTrafficSourcesCommand,
  DescribeWarmPoolCommand,
  DescribePoliciesCommand,
  DescribeScalingActivitiesCommand,
  DescribeTagsCommand,
  EnterStandbyCommand,
  ExecutePolicyCommand,
  ExitStandbyCommand,
  PutScalingPolicyCommand,
  RollbackInstanceRefreshCommand,
  SetDesiredCapacityCommand,
  SetInstanceHealthCommand,
  StartInstanceRefreshCommand,
  TerminateInstanceInAutoScalingGroupCommand,
  UpdateAutoScalingGroupCommand,
  type AutoScalingGroup,
  type CreateAutoScalingGroupCommandInput,
  type InstanceRefresh,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, CreateLaunchTemplateVersionCommand, DeregisterImageCommand, DescribeInstancesCommand, DescribeSubnetsCommand, TerminateInstancesCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestAccount, type TestServer } from '../helpers/server.js';
import { autoscaling, ec2 } from '../helpers/clients.js';
import { until } from '../helpers/until.js';
import { emptySnapshot, expectError, registerImage } from '../helpers/images.js';

const ZONES = ['us-east-1a', 'us-east-1b', 'us-east-1c'];
let counter = 0;
const uniq = (p: string) => `${p}-${++counter}`;

describe('Auto Scaling', () => {
  let server: TestServer;
  let dir: string;
  let amiA: string;
  let amiB: string;
  let ltId: string;
  const asg = (account: TestAccount = ALICE, region = 'us-east-1'): AutoScalingClient => autoscaling(server.url, { account, region });
  const ec = (account: TestAccount = ALICE): EC2Client => ec2(server.url, { account });

  const start = async () => {
    server = await startServer({ dataDir: dir, credentials: join(dir, 'credentials'), args: ['--settle-ms', '50'] });
  };
  before(async () => {
    dir = tempDir();
    writeCredentials(dir);
    await start();
    amiA = await registerImage(ec(), await emptySnapshot(ec()));
    amiB = await registerImage(ec(), await emptySnapshot(ec()));
    const lt = await ec().send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'web', LaunchTemplateData: { ImageId: amiA, InstanceType: 't3.micro' } }));
    ltId = lt.LaunchTemplate!.LaunchTemplateId!;
    await ec().send(new CreateLaunchTemplateVersionCommand({ LaunchTemplateId: ltId, SourceVersion: '1', LaunchTemplateData: { ImageId: amiB } }));
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  const create = (name: string, input: Partial<CreateAutoScalingGroupCommandInput> = {}, c = asg()) =>
    c.send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: name, MinSize: 0, MaxSize: 10, DesiredCapacity: 2, AvailabilityZones: ZONES, LaunchTemplate: { LaunchTemplateId: ltId, Version: '1' }, ...input }));
  const group = async (name: string, c = asg()): Promise<AutoScalingGroup | undefined> => (await c.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups![0];
  const inService = (g: AutoScalingGroup | undefined) => (g?.Instances ?? []).filter((i) => i.LifecycleState === 'InService');
  /** Polls until the group has exactly `n` instances, all InService and healthy. */
  const settled = (name: string, n: number, c = asg()) =>
    until(`${name} at ${n}`, async () => {
      const g = await group(name, c);
      const all = g?.Instances ?? [];
      return all.length === n && all.every((i) => i.LifecycleState === 'InService' && i.HealthStatus === 'Healthy') ? g : undefined;
    }, 800);
  const ec2Instances = async (ids: string[], account: TestAccount = ALICE): Promise<Instance[]> =>
    ids.length ? (await ec(account).send(new DescribeInstancesCommand({ InstanceIds: ids }))).Reservations!.flatMap((r) => r.Instances!) : [];
  const refreshOf = async (name: string, id: string): Promise<InstanceRefresh> =>
    (await asg().send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: name, InstanceRefreshIds: [id] }))).InstanceRefreshes![0];
  const activities = async (name: string) => (await asg().send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: name }))).Activities!;

  describe('CreateAutoScalingGroup', () => {
    test('validation errors with ValidationError and AWS messages', async () => {
      const name = uniq('bad');
      await expectError(create(name, { MinSize: 3, MaxSize: 1, DesiredCapacity: 2 }), 'ValidationError', /^Max bound, 1, must be greater than or equal to min bound, 3$/);
      await expectError(create(name, { MinSize: 1, MaxSize: 3, DesiredCapacity: 5 }), 'ValidationError', /^Desired capacity:5 must be between the specified min size:1 and max size:3$/);
      await expectError(create(name, { LaunchTemplate: undefined }), 'ValidationError', /Valid requests must contain either LaunchTemplate, LaunchConfigurationName, InstanceId or MixedInstancesPolicy parameter/);
      await expectError(create(name, { LaunchTemplate: { Version: '1' } }), 'ValidationError', /either launchTemplateId or LaunchTemplateName/);
      await expectError(create(name, { LaunchTemplate: { LaunchTemplateId: 'lt-0123456789abcdef0' } }), 'ValidationError', /^You must use a valid fully-formed launch template\. The specified launch template, with template ID lt-0123456789abcdef0, does not exist\.$/);
      await expectError(create(name, { LaunchTemplate: { LaunchTemplateId: ltId, Version: '9' } }), 'ValidationError', /fully-formed launch template\. Could not find the specified version 9/);
      const noAmi = (await ec().send(new CreateLaunchTemplateCommand({ LaunchTemplateName: uniq('noami'), LaunchTemplateData: { ImageId: 'ami-0123456789abcdef0' } }))).LaunchTemplate!;
      await expectError(create(name, { LaunchTemplate: { LaunchTemplateId: noAmi.LaunchTemplateId } }), 'ValidationError', /fully-formed launch template\. The image id '\[ami-0123456789abcdef0\]' does not exist/);
      await expectError(create(name, { AvailabilityZones: undefined }), 'ValidationError', /^At least one Availability Zone or VPC Subnet is required\.$/);
      await expectError(create(name, { AvailabilityZones: ['eu-west-1a'] }), 'ValidationError', /Invalid Availability Zone/);
      await expectError(create(name, { VPCZoneIdentifier: 'subnet-0123456789abcdef0' }), 'ValidationError', /The subnet ID 'subnet-0123456789abcdef0' does not exist/);
      await expectError(create(name, { LaunchConfigurationName: 'lc', LaunchTemplate: undefined }), 'ValidationError', /Launch configuration name not found/);
      await expectError(create(name, { HealthCheckType: 'PING' }), 'ValidationError');
      await expectError(create(name, { TerminationPolicies: ['Random'] }), 'ValidationError');
      await expectError(create(name, { MaxInstanceLifetime: 100 }), 'ValidationError');
      await expectError(create(name, { Tags: [{ Key: 'aws:x', Value: 'y' }] }), 'ValidationError');
      await expectError(create('has:colon'), 'ValidationError');
      assert.equal(await group(name), undefined, 'nothing was created');
    });

    test('creates the group, launches the desired capacity across zones with tags, describes it', async () => {
      const name = uniq('web');
      await create(name, {
        DesiredCapacity: 3,
        LaunchTemplate: { LaunchTemplateName: 'web' },
        Tags: [
          { Key: 'team', Value: 'blue', PropagateAtLaunch: true },
          { Key: 'cost', Value: '42', PropagateAtLaunch: false },
        ],
      });
      await expectError(create(name), 'AlreadyExistsFault', new RegExp(`^AutoScalingGroup by this name already exists - A group with the name ${name} already exists$`));
      const g = await settled(name, 3);
      assert.match(g.AutoScalingGroupARN!, new RegExp(`^arn:aws:autoscaling:us-east-1:${ALICE.accountId}:autoScalingGroup:[0-9a-f-]{36}:autoScalingGroupName/${name}$`));
      assert.deepEqual(g.LaunchTemplate, { LaunchTemplateId: ltId, LaunchTemplateName: 'web', Version: '$Default' });
      assert.deepEqual([g.MinSize, g.MaxSize, g.DesiredCapacity, g.DefaultCooldown, g.HealthCheckType, g.HealthCheckGracePeriod], [0, 10, 3, 300, 'EC2', 0]);
      assert.deepEqual(g.AvailabilityZones, ZONES);
      assert.deepEqual(g.TerminationPolicies, ['Default']);
      assert.deepEqual(g.Tags, [
        { ResourceId: name, ResourceType: 'auto-scaling-group', Key: 'cost', Value: '42', PropagateAtLaunch: false },
        { ResourceId: name, ResourceType: 'auto-scaling-group', Key: 'team', Value: 'blue', PropagateAtLaunch: true },
      ]);
      assert.deepEqual(g.Instances!.map((i) => i.AvailabilityZone).sort(), ZONES);
      for (const i of g.Instances!) assert.deepEqual(i.LaunchTemplate, { LaunchTemplateId: ltId, LaunchTemplateName: 'web', Version: '1' });
      const ids = g.Instances!.map((i) => i.InstanceId!);
      const ec2s = await ec2Instances(ids);
      assert.equal(ec2s.length, 3);
      for (const i of ec2s) {
        assert.equal(i.ImageId, amiA);
        assert.equal(i.State!.Name, 'running');
        const tags = Object.fromEntries(i.Tags!.map((t) => [t.Key, t.Value]));
        assert.equal(tags['aws:autoscaling:groupName'], name);
        assert.equal(tags.team, 'blue');
        assert.equal(tags.cost, undefined, 'tags without PropagateAtLaunch stay on the group');
      }
      const details = await asg().send(new DescribeAutoScalingInstancesCommand({ InstanceIds: ids }));
      assert.equal(details.AutoScalingInstances!.length, 3);
      assert.ok(details.AutoScalingInstances!.every((d) => d.AutoScalingGroupName === name && d.LifecycleState === 'InService'));
      const acts = await activities(name);
      assert.equal(acts.length, 3);
      for (const a of acts) {
        assert.match(a.Description!, /^Launching a new EC2 instance: i-[0-9a-f]{17}$/);
        assert.equal(a.StatusCode, 'Successful');
        assert.match(a.Cause!, /a user request created an AutoScalingGroup changing the desired capacity from 0 to 3\.  At \S+ an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 0 to 3\./);
      }
    });
  });

  test('scales up and down; SetDesiredCapacity bounds; UpdateAutoScalingGroup', async () => {
    const name = uniq('scale');
    await create(name, { DesiredCapacity: 1, MaxSize: 5 });
    await settled(name, 1);
    await asg().send(new SetDesiredCapacityCommand({ AutoScalingGroupName: name, DesiredCapacity: 5 }));
    const up = await settled(name, 5);
    const perZone = ZONES.map((z) => up.Instances!.filter((i) => i.AvailabilityZone === z).length);
    assert.ok(Math.max(...perZone) - Math.min(...perZone) <= 1, `balanced: ${perZone}`);
    await expectError(asg().send(new SetDesiredCapacityCommand({ AutoScalingGroupName: name, DesiredCapacity: 6 })), 'ValidationError', /^New SetDesiredCapacity value 6 is above max value 5 for the AutoScalingGroup\.$/);
    await asg().send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: name, MinSize: 2 }));
    await expectError(asg().send(new SetDesiredCapacityCommand({ AutoScalingGroupName: name, DesiredCapacity: 1 })), 'ValidationError', /below min value 2/);
    await expectError(asg().send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'no-such-group', DesiredCapacity: 1 })), 'ValidationError', /AutoScalingGroup name not found - AutoScalingGroup no-such-group not found/);
    await asg().send(new SetDesiredCapacityCommand({ AutoScalingGroupName: name, DesiredCapacity: 2 }));
    const down = await settled(name, 2);
    assert.notEqual(down.Instances![0].AvailabilityZone, down.Instances![1].AvailabilityZone, 'scale-in keeps zones balanced');
    const terms = (await activities(name)).filter((a) => a.Description!.startsWith('Terminating EC2 instance'));
    assert.equal(terms.length, 3);
    assert.ok(terms.every((a) => a.StatusCode === 'Successful'));
    assert.match(terms[0].Cause!, /explicitly set group desired capacity changing the desired capacity from 5 to 2\.  At \S+ an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from 5 to 2\./);
    // a lower MaxSize pulls the desired capacity down with it
    await asg().send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: name, MinSize: 0, MaxSize: 1 }));
    assert.equal((await group(name))!.DesiredCapacity, 1);
    await settled(name, 1);
    await expectError(asg().send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: 'nope', MaxSize: 3 })), 'ValidationError', /^AutoScalingGroup name not found - null$/);
    await expectError(asg().send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: name, MinSize: 4 })), 'ValidationError', /Max bound/);
  });

  test('VPCZoneIdentifier places instances in the subnets, balanced; AvailabilityZones follow them', async () => {
    const subnets = (await ec().send(new DescribeSubnetsCommand({ Filters: [{ Name: 'availability-zone', Values: ['us-east-1b', 'us-east-1c'] }] }))).Subnets!;
    assert.equal(subnets.length, 2);
    const name = uniq('vpc');
    await create(name, { AvailabilityZones: undefined, VPCZoneIdentifier: subnets.map((s) => s.SubnetId).join(','), DesiredCapacity: 4 });
    const g = await settled(name, 4);
    assert.deepEqual(g.AvailabilityZones, ['us-east-1b', 'us-east-1c']);
    assert.equal(g.VPCZoneIdentifier, subnets.map((s) => s.SubnetId).join(','));
    const ec2s = await ec2Instances(g.Instances!.map((i) => i.InstanceId!));
    for (const s of subnets) assert.equal(ec2s.filter((i) => i.SubnetId === s.SubnetId).length, 2, `two instances in ${s.SubnetId}`);
    await expectError(create(uniq('vpc'), { AvailabilityZones: ['us-east-1a'], VPCZoneIdentifier: subnets[0].SubnetId }), 'ValidationError', /not one of the group's Availability Zones/);
  });

  test('a minimal MixedInstancesPolicy launches its first override', async () => {
    const name = uniq('mixed');
    await create(name, {
      LaunchTemplate: undefined,
      DesiredCapacity: 1,
      MixedInstancesPolicy: { LaunchTemplate: { LaunchTemplateSpecification: { LaunchTemplateId: ltId, Version: '1' }, Overrides: [{ InstanceType: 't3.small' }, { InstanceType: 't3.medium' }] } },
    });
    const g = await settled(name, 1);
    assert.equal(g.LaunchTemplate, undefined);
    assert.deepEqual(g.MixedInstancesPolicy!.LaunchTemplate!.LaunchTemplateSpecification, { LaunchTemplateId: ltId, LaunchTemplateName: 'web', Version: '1' });
    assert.equal(g.MixedInstancesPolicy!.InstancesDistribution!.OnDemandAllocationStrategy, 'prioritized');
    assert.equal(g.Instances![0].InstanceType, 't3.small');
    assert.equal((await ec2Instances([g.Instances![0].InstanceId!]))[0].InstanceType, 't3.small');
    await expectError(create(uniq('mixed'), { LaunchTemplate: undefined, MixedInstancesPolicy: { LaunchTemplate: { Overrides: [{ InstanceType: 't3.small' }] } } }), 'ValidationError', /LaunchTemplateSpecification/);
  });

  test('$Latest follows new versions; changing the template does not replace running instances', async () => {
    const name = uniq('latest');
    await create(name, { DesiredCapacity: 1, LaunchTemplate: { LaunchTemplateId: ltId, Version: '$Latest' } });
    const g = await settled(name, 1);
    assert.equal(g.Instances![0].LaunchTemplate!.Version, '2');
    await asg().send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: name, LaunchTemplate: { LaunchTemplateId: ltId, Version: '1' } }));
    assert.equal((await group(name))!.Instances![0].LaunchTemplate!.Version, '2');
    await asg().send(new SetDesiredCapacityCommand({ AutoScalingGroupName: name, DesiredCapacity: 2 }));
    const after = await settled(name, 2);
    assert.deepEqual(after.Instances!.map((i) => i.LaunchTemplate!.Version).sort(), ['1', '2']);
  });

  test('an instance terminated out of band is replaced; so is one set Unhealthy', async () => {
    const name = uniq('heal');
    await create(name, { DesiredCapacity: 2 });
    const g = await settled(name, 2);
    const victim = g.Instances![0].InstanceId!;
    await ec().send(new TerminateInstancesCommand({ InstanceIds: [victim] }));
    const healed = await until('replacement', async () => {
      const x = await group(name);
      const ids = inService(x).map((i) => i.InstanceId);
      return ids.length === 2 && !ids.includes(victim) && x!.Instances!.length === 2 ? x : undefined;
    }, 800);
    assert.equal(healed.Instances!.length, 2);
    const acts = await activities(name);
    assert.ok(acts.some((a) => a.Description === `Terminating EC2 instance: ${victim}` && /EC2 health check indicating it has been terminated or stopped/.test(a.Cause!)));

    const sick = healed.Instances![0].InstanceId!;
    await asg().send(new SetInstanceHealthCommand({ InstanceId: sick, HealthStatus: 'Unhealthy', ShouldRespectGracePeriod: false }));
    await until('unhealthy replaced', async () => {
      const ids = inService(await group(name)).map((i) => i.InstanceId);
      return ids.length === 2 && !ids.includes(sick) ? true : undefined;
    }, 800);
    await expectError(asg().send(new SetInstanceHealthCommand({ InstanceId: 'i-0123456789abcdef0', HealthStatus: 'Unhealthy' })), 'ValidationError', /Instance Id not found/);
    await expectError(asg().send(new SetInstanceHealthCommand({ InstanceId: sick, HealthStatus: 'Sick' })), 'ValidationError');
  });

  test('TerminateInstanceInAutoScalingGroup with and without decrement; standby', async () => {
    const name = uniq('term');
    await create(name, { MinSize: 1, DesiredCapacity: 2 });
    const g = await settled(name, 2);
    const [a, b] = g.Instances!.map((i) => i.InstanceId!);
    const replaced = await asg().send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: a, ShouldDecrementDesiredCapacity: false }));
    assert.equal(replaced.Activity!.Description, `Terminating EC2 instance: ${a}`);
    assert.match(replaced.Activity!.Cause!, new RegExp(`instance ${a} was taken out of service in response to a user request\\.$`));
    await until('replaced', async () => ((await group(name))!.Instances!.filter((i) => i.LifecycleState === 'InService' && i.InstanceId !== a).length === 2 ? true : undefined), 800);
    const shrunk = await asg().send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: b, ShouldDecrementDesiredCapacity: true }));
    assert.match(shrunk.Activity!.Cause!, /shrinking the capacity from 2 to 1\./);
    const one = await settled(name, 1);
    assert.equal(one.DesiredCapacity, 1);
    await expectError(
      asg().send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: one.Instances![0].InstanceId, ShouldDecrementDesiredCapacity: true })),
      'ValidationError',
      /Currently, desiredSize equals minSize \(1\)\. Terminating instance without replacement will violate group's min size constraint\./,
    );
    await expectError(asg().send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: 'i-0123456789abcdef0', ShouldDecrementDesiredCapacity: false })), 'ValidationError', /^Instance Id not found - No managed instance found for instance ID: i-0123456789abcdef0$/);

    const only = one.Instances![0].InstanceId!;
    const entered = await asg().send(new EnterStandbyCommand({ AutoScalingGroupName: name, InstanceIds: [only], ShouldDecrementDesiredCapacity: false }));
    assert.match(entered.Activities![0].Description!, /Moving EC2 instance to Standby/);
    // capacity is refilled while the instance stands by
    await until('standby refill', async () => (inService(await group(name)).length === 1 && (await group(name))!.Instances!.some((i) => i.LifecycleState === 'Standby') ? true : undefined), 800);
    await expectError(asg().send(new ExitStandbyCommand({ AutoScalingGroupName: name, InstanceIds: [inService(await group(name))[0].InstanceId!] })), 'ValidationError', /not in Standby/);
    await asg().send(new ExitStandbyCommand({ AutoScalingGroupName: name, InstanceIds: [only] }));
    const back = await settled(name, 2);
    assert.equal(back.DesiredCapacity, 2);
  });

  test('a launch EC2 refuses is a Failed activity with the EC2 message, retried until it works', async () => {
    const name = uniq('fail');
    const amiC = await registerImage(ec(), await emptySnapshot(ec()));
    const lt = (await ec().send(new CreateLaunchTemplateCommand({ LaunchTemplateName: uniq('lt-c'), LaunchTemplateData: { ImageId: amiC, InstanceType: 't3.micro' } }))).LaunchTemplate!;
    await create(name, { DesiredCapacity: 0, LaunchTemplate: { LaunchTemplateId: lt.LaunchTemplateId } });
    await ec().send(new DeregisterImageCommand({ ImageId: amiC }));
    await asg().send(new SetDesiredCapacityCommand({ AutoScalingGroupName: name, DesiredCapacity: 1 }));
    const failed = await until('failed launch', async () => (await activities(name)).find((a) => a.StatusCode === 'Failed'), 800);
    assert.match(failed.Description!, /^Launching a new EC2 instance\.  Status Reason: .*Launching EC2 instance failed\.$/);
    assert.match(failed.StatusMessage!, new RegExp(`${amiC}.*Launching EC2 instance failed\\.$`));
    assert.equal(failed.Progress, 100);
    assert.ok(failed.EndTime);
    // retried with back-off: more failures accumulate, and a working template ends them
    await until('retried', async () => ((await activities(name)).filter((a) => a.StatusCode === 'Failed').length >= 2 ? true : undefined), 800);
    await asg().send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: name, LaunchTemplate: { LaunchTemplateId: ltId, Version: '1' } }));
    await settled(name, 1);
  });

  test('scaling policies: put, describe, execute, delete', async () => {
    const name = uniq('pol');
    await create(name, { DesiredCapacity: 1, MaxSize: 4 });
    await settled(name, 1);
    const put = await asg().send(new PutScalingPolicyCommand({ AutoScalingGroupName: name, PolicyName: 'up', AdjustmentType: 'ChangeInCapacity', ScalingAdjustment: 2 }));
    assert.match(put.PolicyARN!, new RegExp(`^arn:aws:autoscaling:us-east-1:${ALICE.accountId}:scalingPolicy:[0-9a-f-]{36}:autoScalingGroupName/${name}:policyName/up$`));
    await asg().send(new PutScalingPolicyCommand({ AutoScalingGroupName: name, PolicyName: 'steps', PolicyType: 'StepScaling', AdjustmentType: 'ExactCapacity', StepAdjustments: [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 2 }, { MetricIntervalLowerBound: 10, ScalingAdjustment: 4 }] }));
    await asg().send(new PutScalingPolicyCommand({ AutoScalingGroupName: name, PolicyName: 'cpu', PolicyType: 'TargetTrackingScaling', TargetTrackingConfiguration: { TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' } } }));
    const described = await asg().send(new DescribePoliciesCommand({ AutoScalingGroupName: name }));
    assert.deepEqual(described.ScalingPolicies!.map((p) => [p.PolicyName, p.PolicyType]), [['cpu', 'TargetTrackingScaling'], ['steps', 'StepScaling'], ['up', 'SimpleScaling']]);
    assert.equal(described.ScalingPolicies!.find((p) => p.PolicyName === 'cpu')!.TargetTrackingConfiguration!.TargetValue, 50);
    await asg().send(new ExecutePolicyCommand({ AutoScalingGroupName: name, PolicyName: 'up' }));
    assert.equal((await group(name))!.DesiredCapacity, 3);
    // the launches it causes name it: seen before the next change (the group's reconciler runs
    // apart from the call; a later change it had not acted on yet would be the cause instead)
    const byPolicy = /a user request executed policy up changing the desired capacity from 1 to 3\./;
    await until('a launch caused by policy up', async () => ((await activities(name)).some((a) => byPolicy.test(a.Cause!)) ? true : undefined), 800);
    await asg().send(new ExecutePolicyCommand({ AutoScalingGroupName: name, PolicyName: 'up' }));
    assert.equal((await group(name))!.DesiredCapacity, 4, 'clamped to MaxSize');
    await asg().send(new ExecutePolicyCommand({ AutoScalingGroupName: name, PolicyName: 'steps', MetricValue: 75, BreachThreshold: 70 }));
    assert.equal((await group(name))!.DesiredCapacity, 2);
    await expectError(asg().send(new ExecutePolicyCommand({ AutoScalingGroupName: name, PolicyName: 'steps' })), 'ValidationError', /MetricValue/);
    await expectError(asg().send(new ExecutePolicyCommand({ AutoScalingGroupName: name, PolicyName: 'cpu' })), 'ValidationError', /TargetTrackingScaling/);
    await expectError(asg().send(new ExecutePolicyCommand({ AutoScalingGroupName: name, PolicyName: 'up', HonorCooldown: true })), 'ScalingActivityInProgressFault');
    await expectError(asg().send(new PutScalingPolicyCommand({ AutoScalingGroupName: name, PolicyName: 'x', AdjustmentType: 'ChangeInCapacity' })), 'ValidationError', /ScalingAdjustment/);
    await expectError(asg().send(new PutScalingPolicyCommand({ AutoScalingGroupName: 'nope', PolicyName: 'x', AdjustmentType: 'ChangeInCapacity', ScalingAdjustment: 1 })), 'ValidationError', /not found/);
    await asg().send(new DeletePolicyCommand({ AutoScalingGroupName: name, PolicyName: 'up' }));
    assert.equal((await asg().send(new DescribePoliciesCommand({ AutoScalingGroupName: name, PolicyNames: ['up'] }))).ScalingPolicies!.length, 0);
    await expectError(asg().send(new DeletePolicyCommand({ AutoScalingGroupName: name, PolicyName: 'up' })), 'ValidationError');
    await settled(name, 2);
  });

  test('group tags: create or update, describe with filters and paging, delete', async () => {
    const name = uniq('tags');
    await create(name, { DesiredCapacity: 0 });
    await asg().send(new CreateOrUpdateTagsCommand({ Tags: [
      { ResourceId: name, ResourceType: 'auto-scaling-group', Key: 'a', Value: '1', PropagateAtLaunch: true },
      { ResourceId: name, ResourceType: 'auto-scaling-group', Key: 'b', Value: '2', PropagateAtLaunch: false },
    ] }));
    await asg().send(new CreateOrUpdateTagsCommand({ Tags: [{ ResourceId: name, ResourceType: 'auto-scaling-group', Key: 'a', Value: 'one', PropagateAtLaunch: false }] }));
    const mine = await asg().send(new DescribeTagsCommand({ Filters: [{ Name: 'auto-scaling-group', Values: [name] }] }));
    assert.deepEqual(mine.Tags, [
      { ResourceId: name, ResourceType: 'auto-scaling-group', Key: 'a', Value: 'one', PropagateAtLaunch: false },
      { ResourceId: name, ResourceType: 'auto-scaling-group', Key: 'b', Value: '2', PropagateAtLaunch: false },
    ]);
    const byKey = await asg().send(new DescribeTagsCommand({ Filters: [{ Name: 'auto-scaling-group', Values: [name] }, { Name: 'key', Values: ['b'] }] }));
    assert.deepEqual(byKey.Tags!.map((t) => t.Key), ['b']);
    const p1 = await asg().send(new DescribeTagsCommand({ Filters: [{ Name: 'auto-scaling-group', Values: [name] }], MaxRecords: 1 }));
    assert.equal(p1.Tags!.length, 1);
    const p2 = await asg().send(new DescribeTagsCommand({ Filters: [{ Name: 'auto-scaling-group', Values: [name] }], MaxRecords: 1, NextToken: p1.NextToken }));
    assert.deepEqual(p2.Tags!.map((t) => t.Key), ['b']);
    assert.equal(p2.NextToken, undefined);
    await expectError(asg().send(new DescribeTagsCommand({ NextToken: 'nope' })), 'InvalidNextToken');
    await expectError(asg().send(new DescribeTagsCommand({ Filters: [{ Name: 'color', Values: ['x'] }] })), 'ValidationError');
    await asg().send(new DeleteTagsCommand({ Tags: [{ ResourceId: name, ResourceType: 'auto-scaling-group', Key: 'a' }] }));
    assert.deepEqual((await group(name))!.Tags!.map((t) => t.Key), ['b']);
    await expectError(asg().send(new CreateOrUpdateTagsCommand({ Tags: [{ ResourceId: 'ghost', ResourceType: 'auto-scaling-group', Key: 'a', Value: '1' }] })), 'ValidationError', /not found/);
  });

  test('load balancers, target groups and traffic sources named at creation are reported; a new group has no hooks and no warm pool', async () => {
    const name = uniq('attach');
    const tg = 'arn:aws:elasticloadbalancing:us-east-1:111111111111:targetgroup/web/0123456789abcdef';
    await create(name, { DesiredCapacity: 0, LoadBalancerNames: ['classic-web'], TargetGroupARNs: [tg] });
    assert.deepEqual((await asg().send(new DescribeLoadBalancersCommand({ AutoScalingGroupName: name }))).LoadBalancers, [{ LoadBalancerName: 'classic-web', State: 'Added' }]);
    assert.deepEqual((await asg().send(new DescribeLoadBalancerTargetGroupsCommand({ AutoScalingGroupName: name }))).LoadBalancerTargetGroups, [{ LoadBalancerTargetGroupARN: tg, State: 'Added' }]);
    assert.deepEqual((await asg().send(new DescribeTrafficSourcesCommand({ AutoScalingGroupName: name }))).TrafficSources, []);
    assert.deepEqual((await asg().send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: name }))).LifecycleHooks, []);
    const warm = await asg().send(new DescribeWarmPoolCommand({ AutoScalingGroupName: name }));
    assert.equal(warm.WarmPoolConfiguration, undefined);
    assert.deepEqual((await group(name))!.LoadBalancerNames, ['classic-web']);
    await expectError(asg().send(new DescribeLoadBalancersCommand({ AutoScalingGroupName: 'missing' })), 'ValidationError', /not found/);
    await expectError(create(uniq('hooks'), { LifecycleHookSpecificationList: [{ LifecycleHookName: 'h', LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCH' }] }), 'ValidationError', /Invalid lifecycle transition/);
  });

  describe('instance refresh', () => {
    test('rolls a 5-instance group from version 1 (AMI A) to version 2 (AMI B) within MinHealthyPercentage', async () => {
      const name = uniq('refresh');
      await create(name, { DesiredCapacity: 5, LaunchTemplate: { LaunchTemplateId: ltId, Version: '1' } });
      const before = await settled(name, 5);
      const old = new Set(before.Instances!.map((i) => i.InstanceId));
      assert.ok((await ec2Instances([...old] as string[])).every((i) => i.ImageId === amiA));
      await expectError(asg().send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: name })), 'ActiveInstanceRefreshNotFoundFault');
      await expectError(asg().send(new StartInstanceRefreshCommand({ AutoScalingGroupName: name, Preferences: { MinHealthyPercentage: 101 } })), 'ValidationError', /minHealthyPercentage/);
      await expectError(asg().send(new StartInstanceRefreshCommand({ AutoScalingGroupName: name, Preferences: { MaxHealthyPercentage: 150 } })), 'ValidationError');
      await expectError(asg().send(new StartInstanceRefreshCommand({ AutoScalingGroupName: name, Preferences: { MinHealthyPercentage: 10, MaxHealthyPercentage: 150 } })), 'ValidationError', /cannot be greater than 100/);
      await expectError(asg().send(new StartInstanceRefreshCommand({ AutoScalingGroupName: name, Preferences: { CheckpointPercentages: [50, 20] } })), 'ValidationError', /ascending/);
      await expectError(asg().send(new StartInstanceRefreshCommand({ AutoScalingGroupName: 'nope' })), 'ValidationError', /not found/);

      const { InstanceRefreshId: id } = await asg().send(
        new StartInstanceRefreshCommand({
          AutoScalingGroupName: name,
          DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: ltId, Version: '2' } },
          Preferences: { MinHealthyPercentage: 60, InstanceWarmup: 1 },
        }),
      );
      assert.match(id!, /^[0-9a-f-]{36}$/);
      await expectError(asg().send(new StartInstanceRefreshCommand({ AutoScalingGroupName: name })), 'InstanceRefreshInProgressFault', /already in progress/);
      // observe the instance set while the refresh runs: never fewer than ceil(5 * 60%) = 3 in service
      let minInService = Infinity;
      let sawProgress = false;
      const done = await until('refresh done', async () => {
        const g = await group(name);
        minInService = Math.min(minInService, inService(g).length);
        const r = await refreshOf(name, id!);
        if (r.Status === 'InProgress' && (r.PercentageComplete ?? 0) > 0 && (r.PercentageComplete ?? 0) < 100) sawProgress = true;
        return r.Status === 'Successful' ? r : undefined;
      }, 2000);
      assert.ok(minInService >= 3, `in service dropped to ${minInService}`);
      assert.ok(sawProgress, 'progress was visible between 0 and 100%');
      assert.equal(done.PercentageComplete, 100);
      assert.equal(done.InstancesToUpdate, 0);
      assert.ok(done.EndTime);
      assert.deepEqual(done.DesiredConfiguration, { LaunchTemplate: { LaunchTemplateId: ltId, Version: '2' } });
      assert.equal(done.Preferences!.MinHealthyPercentage, 60);
      assert.equal(done.Preferences!.InstanceWarmup, 1);
      const after = await settled(name, 5);
      assert.deepEqual(after.LaunchTemplate, { LaunchTemplateId: ltId, LaunchTemplateName: 'web', Version: '2' }, 'the desired configuration became the group’s');
      assert.ok(after.Instances!.every((i) => !old.has(i.InstanceId) && i.LaunchTemplate!.Version === '2'));
      assert.ok((await ec2Instances(after.Instances!.map((i) => i.InstanceId!))).every((i) => i.ImageId === amiB));
      const acts = await activities(name);
      assert.ok(acts.some((a) => /in response to an instance refresh/.test(a.Cause!)));
      await expectError(asg().send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: name })), 'ActiveInstanceRefreshNotFoundFault', /No in progress or pending Instance Refresh found/);

      // SkipMatching: everything already matches version 2, nothing to replace
      const skip = await asg().send(new StartInstanceRefreshCommand({ AutoScalingGroupName: name, Preferences: { SkipMatching: true } }));
      const skipped = await until('skip done', async () => {
        const r = await refreshOf(name, skip.InstanceRefreshId!);
        return r.Status === 'Successful' ? r : undefined;
      });
      assert.equal(skipped.InstancesToUpdate, 0);
      assert.deepEqual((await group(name))!.Instances!.map((i) => i.InstanceId).sort(), after.Instances!.map((i) => i.InstanceId).sort());
      const listed = await asg().send(new DescribeInstanceRefreshesCommand({ AutoScalingGroupName: name }));
      assert.deepEqual(listed.InstanceRefreshes!.map((r) => r.InstanceRefreshId), [skip.InstanceRefreshId, id]);
    });

    test('rollback returns the refreshed instances to the previous version; irreversible refreshes are refused', async () => {
      const name = uniq('rollback');
      await create(name, { DesiredCapacity: 4, LaunchTemplate: { LaunchTemplateId: ltId, Version: '2' } });
      await settled(name, 4);
      const noDesired = await asg().send(new StartInstanceRefreshCommand({ AutoScalingGroupName: name, Preferences: { MinHealthyPercentage: 50, CheckpointPercentages: [50, 100], CheckpointDelay: 3600 } }));
      await expectError(asg().send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: name })), 'IrreversibleInstanceRefreshFault', /no desired configuration/);
      await asg().send(new CancelInstanceRefreshCommand({ AutoScalingGroupName: name }));
      await until('cancelled', async () => ((await refreshOf(name, noDesired.InstanceRefreshId!)).Status === 'Cancelled' ? true : undefined), 800);
      await settled(name, 4);

      const { InstanceRefreshId: id } = await asg().send(
        new StartInstanceRefreshCommand({
          AutoScalingGroupName: name,
          DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: ltId, Version: '1' } },
          Preferences: { MinHealthyPercentage: 50, CheckpointPercentages: [50, 100], CheckpointDelay: 3600 },
        }),
      );
      const paused = await until('checkpoint', async () => {
        const r = await refreshOf(name, id!);
        return r.Status === 'InProgress' && /Checkpoint 50% reached/.test(r.StatusReason ?? '') ? r : undefined;
      }, 800);
      assert.equal(paused.PercentageComplete, 50);
      const mid = await settled(name, 4);
      assert.deepEqual(mid.Instances!.map((i) => i.LaunchTemplate!.Version).sort(), ['1', '1', '2', '2']);
      const rb = await asg().send(new RollbackInstanceRefreshCommand({ AutoScalingGroupName: name }));
      assert.equal(rb.InstanceRefreshId, id);
      const back = await until('rolled back', async () => {
        const r = await refreshOf(name, id!);
        return r.Status === 'RollbackSuccessful' ? r : undefined;
      }, 2000);
      assert.equal(back.RollbackDetails!.RollbackReason, 'Rollback requested by user (RollbackInstanceRefresh).');
      assert.equal(back.RollbackDetails!.PercentageCompleteOnRollback, 100);
      const g = await settled(name, 4);
      assert.ok(g.Instances!.every((i) => i.LaunchTemplate!.Version === '2'));
      assert.equal(g.LaunchTemplate!.Version, '2', 'the group keeps its configuration');
      assert.ok((await ec2Instances(g.Instances!.map((i) => i.InstanceId!))).every((i) => i.ImageId === amiB));

      // a group on $Default cannot roll back
      const dflt = uniq('dflt');
      await create(dflt, { DesiredCapacity: 1, LaunchTemplate: { LaunchTemplateId: ltId } });
      await settled(dflt, 1);
      await expectError(
        asg().send(new StartInstanceRefreshCommand({ AutoScalingGroupName: dflt, DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: ltId, Version: '2' } }, Preferences: { AutoRollback: true } })),
        'ValidationError',
        /\$Default/,
      );
    });

    test('a refresh interrupted by kill -9 resumes after the restart', async () => {
      const name = uniq('resume');
      await create(name, { DesiredCapacity: 4, LaunchTemplate: { LaunchTemplateId: ltId, Version: '1' } });
      const before = await settled(name, 4);
      const old = new Set(before.Instances!.map((i) => i.InstanceId));
      const { InstanceRefreshId: id } = await asg().send(
        new StartInstanceRefreshCommand({ AutoScalingGroupName: name, DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: ltId, Version: '2' } }, Preferences: { MinHealthyPercentage: 75, InstanceWarmup: 1 } }),
      );
      await until('first replacement', async () => ((await group(name))!.Instances!.some((i) => !old.has(i.InstanceId)) ? true : undefined), 800);
      await server.kill();
      await start();
      const done = await until('refresh done after restart', async () => {
        const r = await refreshOf(name, id!);
        return r.Status === 'Successful' ? r : undefined;
      }, 2000);
      assert.equal(done.PercentageComplete, 100);
      const g = await settled(name, 4);
      assert.ok(g.Instances!.every((i) => !old.has(i.InstanceId) && i.LaunchTemplate!.Version === '2'));
    });
  });

  test("another account's groups are indistinguishable from missing ones", async () => {
    const name = uniq('private');
    await create(name, { DesiredCapacity: 1 });
    const g = await settled(name, 1);
    const bob = asg(BOB);
    assert.equal(await group(name, bob), undefined);
    await expectError(bob.send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: name, MaxSize: 1 })), 'ValidationError', /not found - null/);
    await expectError(bob.send(new SetDesiredCapacityCommand({ AutoScalingGroupName: name, DesiredCapacity: 0 })), 'ValidationError', /not found/);
    await expectError(bob.send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: name, ForceDelete: true })), 'ValidationError', /not found/);
    await expectError(bob.send(new TerminateInstanceInAutoScalingGroupCommand({ InstanceId: g.Instances![0].InstanceId, ShouldDecrementDesiredCapacity: false })), 'ValidationError', /Instance Id not found/);
    await expectError(bob.send(new StartInstanceRefreshCommand({ AutoScalingGroupName: name })), 'ValidationError', /not found/);
    assert.deepEqual((await bob.send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: name }))).Activities, []);
    assert.deepEqual((await bob.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [g.Instances![0].InstanceId!] }))).AutoScalingInstances, []);
    // Bob's template is his: Alice's template id does not resolve for him
    await expectError(create(name, { LaunchTemplate: { LaunchTemplateId: ltId } }, bob), 'ValidationError', /does not exist/);
    assert.equal((await settled(name, 1)).Instances![0].InstanceId, g.Instances![0].InstanceId, "nothing of Bob's touched Alice's group");
  });

  test('DeleteAutoScalingGroup: ResourceInUse with instances; ForceDelete terminates them', async () => {
    const name = uniq('del');
    await create(name, { DesiredCapacity: 2 });
    const g = await settled(name, 2);
    await expectError(asg().send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: name })), 'ResourceInUseFault', /You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request\(s\) still in the group\./);
    await asg().send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: name, ForceDelete: true }));
    // while its instances terminate the group shows the deletion (it may already be gone)
    const deleting = await group(name);
    if (deleting) assert.equal(deleting.Status, 'Delete in progress');
    await until('deleted', async () => ((await group(name)) === undefined ? true : undefined), 800);
    const ec2s = await ec2Instances(g.Instances!.map((i) => i.InstanceId!));
    assert.ok(ec2s.every((i) => i.State!.Name === 'terminated' || i.State!.Name === 'shutting-down'));
    await expectError(asg().send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: name })), 'ValidationError', new RegExp(`^AutoScalingGroup name not found - AutoScalingGroup ${name} not found$`));
    assert.deepEqual(await activities(name), [], 'a deleted group’s activities are hidden');
    const withDeleted = await asg().send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: name, IncludeDeletedGroups: true }));
    assert.ok(withDeleted.Activities!.length >= 4);
    assert.ok(withDeleted.Activities!.every((a) => a.AutoScalingGroupState === 'Deleted'));
    // an empty group goes at once
    const empty = uniq('empty');
    await create(empty, { DesiredCapacity: 0 });
    await asg().send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: empty }));
    assert.equal(await group(empty), undefined);
  });

  test('groups persist across kill -9, and an instance lost while down is replaced', async () => {
    const name = uniq('durable');
    await create(name, { DesiredCapacity: 2 });
    const g = await settled(name, 2);
    await server.kill();
    await start();
    const again = await settled(name, 2);
    assert.deepEqual(again.Instances!.map((i) => i.InstanceId).sort(), g.Instances!.map((i) => i.InstanceId).sort());
    const victim = again.Instances![0].InstanceId!;
    await ec().send(new TerminateInstancesCommand({ InstanceIds: [victim] }));
    await until('replaced after restart', async () => {
      const ids = inService(await group(name)).map((i) => i.InstanceId);
      return ids.length === 2 && !ids.includes(victim) ? true : undefined;
    }, 800);
  });

  test('DescribeAutoScalingGroups: names, tag filters, paging', async () => {
    const a = uniq('list');
    const b = uniq('list');
    await create(a, { DesiredCapacity: 0, Tags: [{ Key: 'env', Value: 'prod' }] });
    await create(b, { DesiredCapacity: 0, Tags: [{ Key: 'env', Value: 'dev' }] });
    const both = await asg().send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [a, b, 'unknown-group'] }));
    assert.deepEqual(both.AutoScalingGroups!.map((g) => g.AutoScalingGroupName), [a, b]);
    const prod = await asg().send(new DescribeAutoScalingGroupsCommand({ Filters: [{ Name: 'tag:env', Values: ['prod'] }] }));
    assert.deepEqual(prod.AutoScalingGroups!.map((g) => g.AutoScalingGroupName), [a]);
    const keyed = await asg().send(new DescribeAutoScalingGroupsCommand({ Filters: [{ Name: 'tag-value', Values: ['dev'] }] }));
    assert.deepEqual(keyed.AutoScalingGroups!.map((g) => g.AutoScalingGroupName), [b]);
    const p1 = await asg().send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [a, b], MaxRecords: 1 }));
    assert.equal(p1.AutoScalingGroups!.length, 1);
    const p2 = await asg().send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [a, b], MaxRecords: 1, NextToken: p1.NextToken }));
    assert.deepEqual(p2.AutoScalingGroups!.map((g) => g.AutoScalingGroupName), [b]);
    await expectError(asg().send(new DescribeAutoScalingGroupsCommand({ MaxRecords: 101 })), 'ValidationError');
    assert.deepEqual((await asg(ALICE, 'eu-west-1').send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [a] }))).AutoScalingGroups, [], 'groups are per region');
  });
});
