// Scaling policies through @aws-sdk/client-auto-scaling against a real server process (the
// `none` driver): PutScalingPolicy / DescribePolicies / DeletePolicy / ExecutePolicy for simple,
// step and target tracking policies and their errors; ExecutePolicy changes the desired capacity
// (clamped, cooldown, warm-up) and the scaling activity tells why; a target tracking policy's
// managed alarms are named and shaped as AWS makes them, visible through CloudWatch's
// DescribeAlarms, changed in place and deleted with the policy and with the group.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  AutoScalingClient,
  CreateAutoScalingGroupCommand,
  DeleteAutoScalingGroupCommand,
  DeletePolicyCommand,
  DescribeAutoScalingGroupsCommand,
  DescribePoliciesCommand,
  DescribeScalingActivitiesCommand,
  ExecutePolicyCommand,
  PutScalingPolicyCommand,
  SetDesiredCapacityCommand,
  type PutScalingPolicyCommandInput,
} from '@aws-sdk/client-auto-scaling';
import { CloudWatchClient, DescribeAlarmsCommand, PutMetricAlarmCommand } from '@aws-sdk/client-cloudwatch';
import { CreateLaunchTemplateCommand } from '@aws-sdk/client-ec2';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestAccount, type TestServer } from '../helpers/server.js';
import { autoscaling, ec2 } from '../helpers/clients.js';
import { emptySnapshot, expectError, registerImage } from '../helpers/images.js';

describe('Auto Scaling scaling policies', () => {
  let server: TestServer;
  let dir: string;
  let ltId: string;
  const asg = (account: TestAccount = ALICE): AutoScalingClient => autoscaling(server.url, { account, region: 'us-east-1' });
  const cw = (account: TestAccount = ALICE) =>
    new CloudWatchClient({ endpoint: server.url, region: 'us-east-1', credentials: { accessKeyId: account.accessKeyId, secretAccessKey: account.secretAccessKey }, maxAttempts: 1 });
  const desired = async (name: string) => (await asg().send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups![0]!.DesiredCapacity;
  const createGroup = (name: string, min: number, max: number, want: number, extra: Partial<{ DefaultInstanceWarmup: number; DefaultCooldown: number }> = {}) =>
    asg().send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: name, MinSize: min, MaxSize: max, DesiredCapacity: want, AvailabilityZones: ['us-east-1a'], LaunchTemplate: { LaunchTemplateId: ltId }, ...extra }));
  const put = (input: Omit<PutScalingPolicyCommandInput, 'AutoScalingGroupName'> & { AutoScalingGroupName?: string }) =>
    asg().send(new PutScalingPolicyCommand({ AutoScalingGroupName: 'pol', ...input } as PutScalingPolicyCommandInput));
  const inService = async (name: string, count: number) => {
    for (let i = 0; i < 200; i++) {
      const g = (await asg().send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups![0]!;
      if (g.Instances!.filter((m) => m.LifecycleState === 'InService').length === count && g.Instances!.length === count) return;
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`${name} never had ${count} instances in service`);
  };
  const newestCause = async (name: string) => (await asg().send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: name }))).Activities![0]?.Cause ?? '';
  // the launch's activity is written when the reconciler acts on the new desired capacity, which
  // may be a moment after the call that changed it: wait for the newest cause to be the expected one
  const latestCause = async (name: string, want: RegExp) => {
    let cause = '';
    for (let i = 0; i < 200 && !want.test(cause); i++) {
      if (i) await new Promise((r) => setTimeout(r, 50));
      cause = await newestCause(name);
    }
    return cause;
  };

  before(async () => {
    dir = tempDir();
    writeCredentials(dir);
    server = await startServer({ dataDir: dir, credentials: join(dir, 'credentials'), args: ['--settle-ms', '20'] });
    const e = ec2(server.url, { account: ALICE });
    const ami = await registerImage(e, await emptySnapshot(e));
    ltId = (await e.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'pol', LaunchTemplateData: { ImageId: ami, InstanceType: 't3.micro' } }))).LaunchTemplate!.LaunchTemplateId!;
    await createGroup('pol', 1, 4, 1, { DefaultInstanceWarmup: 0 });
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  test('simple scaling: put, describe, execute (the activity cause), clamped at the bounds, cooldown', async () => {
    const { PolicyARN, Alarms } = await put({ PolicyName: 'add-one', AdjustmentType: 'ChangeInCapacity', ScalingAdjustment: 1, Cooldown: 600 });
    assert.match(PolicyARN!, /^arn:aws:autoscaling:us-east-1:111111111111:scalingPolicy:[0-9a-f-]{36}:autoScalingGroupName\/pol:policyName\/add-one$/);
    assert.deepEqual(Alarms ?? [], []);
    const [p] = (await asg().send(new DescribePoliciesCommand({ AutoScalingGroupName: 'pol', PolicyNames: ['add-one'] }))).ScalingPolicies!;
    assert.equal(p!.PolicyType, 'SimpleScaling');
    assert.equal(p!.Cooldown, 600);
    assert.equal(p!.Enabled, true);
    assert.deepEqual(p!.Alarms, []);

    await asg().send(new ExecutePolicyCommand({ AutoScalingGroupName: 'pol', PolicyName: 'add-one' }));
    assert.equal(await desired('pol'), 2);
    assert.match(await latestCause('pol', /^At \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ a user request executed policy add-one changing the desired capacity from 1 to 2\.  At .* an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 1 to 2\.$/), /^At \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ a user request executed policy add-one changing the desired capacity from 1 to 2\.  At .* an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 1 to 2\.$/);
    // the policy's cooldown now runs: HonorCooldown refuses, without it the policy runs
    await expectError(asg().send(new ExecutePolicyCommand({ AutoScalingGroupName: 'pol', PolicyName: 'add-one', HonorCooldown: true })), 'ScalingActivityInProgressFault');
    await asg().send(new ExecutePolicyCommand({ PolicyName: PolicyARN! }));
    assert.equal(await desired('pol'), 3);

    // ExactCapacity beyond MaxSize stops at it; PercentChangeInCapacity rounds toward zero
    await put({ PolicyName: 'exact', AdjustmentType: 'ExactCapacity', ScalingAdjustment: 9 });
    await asg().send(new ExecutePolicyCommand({ AutoScalingGroupName: 'pol', PolicyName: 'exact' }));
    assert.equal(await desired('pol'), 4);
    await put({ PolicyName: 'halve', AdjustmentType: 'PercentChangeInCapacity', ScalingAdjustment: -50 });
    await asg().send(new ExecutePolicyCommand({ AutoScalingGroupName: 'pol', PolicyName: 'halve' }));
    assert.equal(await desired('pol'), 2);
    await asg().send(new ExecutePolicyCommand({ AutoScalingGroupName: 'pol', PolicyName: 'halve' }));
    assert.equal(await desired('pol'), 1, '-50% of 2 is -1');
    await asg().send(new ExecutePolicyCommand({ AutoScalingGroupName: 'pol', PolicyName: 'halve' }));
    assert.equal(await desired('pol'), 1, 'MinSize holds');
    await inService('pol', 1);
  });

  test('simple scaling errors', async () => {
    await expectError(put({ PolicyName: 'x', AdjustmentType: 'ChangeInCapacity' }), 'ValidationError', /ScalingAdjustment and AdjustmentType are required/);
    await expectError(put({ PolicyName: 'x', AdjustmentType: 'Sideways', ScalingAdjustment: 1 }), 'ValidationError', /Invalid adjustment type Sideways/);
    await expectError(put({ PolicyName: 'x', AdjustmentType: 'ExactCapacity', ScalingAdjustment: -1 }), 'ValidationError', /cannot be negative/);
    await expectError(put({ PolicyName: 'x', AdjustmentType: 'ChangeInCapacity', ScalingAdjustment: 1, MinAdjustmentMagnitude: 2 }), 'ValidationError', /MinAdjustmentMagnitude/);
    await expectError(put({ PolicyName: 'x', AdjustmentType: 'ChangeInCapacity', ScalingAdjustment: 1, EstimatedInstanceWarmup: 60 }), 'ValidationError', /EstimatedInstanceWarmup is not supported for policy type SimpleScaling/);
    await expectError(put({ PolicyName: 'x', PolicyType: 'Chaotic', AdjustmentType: 'ChangeInCapacity', ScalingAdjustment: 1 }), 'ValidationError', /Invalid policy type Chaotic/);
    await expectError(put({ AutoScalingGroupName: 'nope', PolicyName: 'x', AdjustmentType: 'ChangeInCapacity', ScalingAdjustment: 1 }), 'ValidationError', /AutoScalingGroup name not found/);
    await expectError(asg().send(new ExecutePolicyCommand({ AutoScalingGroupName: 'pol', PolicyName: 'add-one', MetricValue: 70 })), 'ValidationError', /MetricValue is only supported for policies of type StepScaling/);
    await expectError(asg().send(new ExecutePolicyCommand({ AutoScalingGroupName: 'pol', PolicyName: 'ghost' })), 'ValidationError', /The scaling policy ghost was not found/);
    // another account sees none of it
    await expectError(asg(BOB).send(new ExecutePolicyCommand({ AutoScalingGroupName: 'pol', PolicyName: 'add-one' })), 'ValidationError', /AutoScalingGroup name not found/);
    assert.deepEqual((await asg(BOB).send(new DescribePoliciesCommand({}))).ScalingPolicies, []);
  });

  test('step scaling: the step of the breach runs, bounds relative to the threshold, warm-up', async () => {
    const steps = [
      { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 20, ScalingAdjustment: 1 },
      { MetricIntervalLowerBound: 20, ScalingAdjustment: 2 },
    ];
    await put({ PolicyName: 'steps', PolicyType: 'StepScaling', AdjustmentType: 'ChangeInCapacity', StepAdjustments: steps, MetricAggregationType: 'Maximum', EstimatedInstanceWarmup: 0 });
    const [p] = (await asg().send(new DescribePoliciesCommand({ AutoScalingGroupName: 'pol', PolicyTypes: ['StepScaling'] }))).ScalingPolicies!;
    assert.deepEqual(p!.StepAdjustments, steps);
    assert.equal(p!.MetricAggregationType, 'Maximum');
    assert.equal(p!.EstimatedInstanceWarmup, 0);

    await inService('pol', 1);
    await asg().send(new ExecutePolicyCommand({ AutoScalingGroupName: 'pol', PolicyName: 'steps', MetricValue: 70, BreachThreshold: 50 })); // delta 20: the second step
    assert.equal(await desired('pol'), 3);
    await inService('pol', 3);
    await asg().send(new ExecutePolicyCommand({ AutoScalingGroupName: 'pol', PolicyName: 'steps', MetricValue: 50, BreachThreshold: 50 })); // delta 0: the first
    assert.equal(await desired('pol'), 4);
    await expectError(asg().send(new ExecutePolicyCommand({ AutoScalingGroupName: 'pol', PolicyName: 'steps', MetricValue: 40, BreachThreshold: 50 })), 'ValidationError', /^No step adjustment found for metric value \[40\] and breach threshold 50\.0$/);
    // a user's alarm whose action is the policy is listed in the policy's Alarms
    await cw().send(new PutMetricAlarmCommand({ AlarmName: 'cpu-high', Namespace: 'AWS/EC2', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'pol' }], Statistic: 'Average', Period: 60, EvaluationPeriods: 2, Threshold: 50, ComparisonOperator: 'GreaterThanOrEqualToThreshold', AlarmActions: [p!.PolicyARN!] }));
    const [listed] = (await asg().send(new DescribePoliciesCommand({ AutoScalingGroupName: 'pol', PolicyNames: ['steps'] }))).ScalingPolicies!;
    assert.deepEqual(listed!.Alarms, [{ AlarmName: 'cpu-high', AlarmARN: 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:cpu-high' }]);
    await asg().send(new SetDesiredCapacityCommand({ AutoScalingGroupName: 'pol', DesiredCapacity: 1 }));
    await inService('pol', 1);

    // with a long warm-up the instance just launched does not count: the same breach again adds nothing
    await put({ PolicyName: 'slow', PolicyType: 'StepScaling', AdjustmentType: 'ChangeInCapacity', StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }], EstimatedInstanceWarmup: 3600 });
    await asg().send(new ExecutePolicyCommand({ AutoScalingGroupName: 'pol', PolicyName: 'slow', MetricValue: 60, BreachThreshold: 50 }));
    assert.equal(await desired('pol'), 1, 'the one instance is still warming up: 0 + 1 = 1');
  });

  test('step scaling errors', async () => {
    const base = { PolicyName: 'bad', PolicyType: 'StepScaling', AdjustmentType: 'ChangeInCapacity' };
    await expectError(put({ ...base }), 'ValidationError', /StepAdjustments and AdjustmentType are required/);
    await expectError(put({ ...base, StepAdjustments: [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 5, ScalingAdjustment: 2 }] }), 'ValidationError', /overlap/);
    await expectError(put({ ...base, StepAdjustments: [{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 15, ScalingAdjustment: 2 }] }), 'ValidationError', /gaps/);
    await expectError(put({ ...base, StepAdjustments: [{ ScalingAdjustment: 1 }] }), 'ValidationError', /cannot both be null/);
    await expectError(put({ ...base, StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }], MetricAggregationType: 'Median' }), 'ValidationError', /Invalid metric aggregation type Median/);
    await expectError(put({ ...base, StepAdjustments: [{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }], Cooldown: 60 }), 'ValidationError', /Cooldown is not supported for policy type StepScaling/);
    await expectError(asg().send(new ExecutePolicyCommand({ AutoScalingGroupName: 'pol', PolicyName: 'steps' })), 'ValidationError', /MetricValue is required/);
    await expectError(asg().send(new ExecutePolicyCommand({ AutoScalingGroupName: 'pol', PolicyName: 'steps', MetricValue: 60 })), 'ValidationError', /BreachThreshold is required/);
  });

  test('target tracking: the managed alarms as AWS makes them, changed in place, deleted with the policy', async () => {
    const { PolicyARN, Alarms } = await put({
      PolicyName: 'cpu50',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingConfiguration: { TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' } },
    });
    assert.equal(Alarms!.length, 2);
    const high = Alarms!.find((a) => a.AlarmName!.includes('AlarmHigh'))!;
    const low = Alarms!.find((a) => a.AlarmName!.includes('AlarmLow'))!;
    assert.match(high.AlarmName!, /^TargetTracking-pol-AlarmHigh-[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
    assert.match(low.AlarmName!, /^TargetTracking-pol-AlarmLow-[0-9a-f-]{36}$/);
    assert.equal(high.AlarmARN, `arn:aws:cloudwatch:us-east-1:111111111111:alarm:${high.AlarmName}`);
    const [p] = (await asg().send(new DescribePoliciesCommand({ PolicyNames: ['cpu50'] }))).ScalingPolicies!;
    assert.deepEqual(
      p!.Alarms!.map((a) => a.AlarmName).sort(),
      [high.AlarmName, low.AlarmName].sort(),
    );
    assert.deepEqual(p!.TargetTrackingConfiguration, { TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' } });

    const alarms = (await cw().send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'TargetTracking-pol-' }))).MetricAlarms!;
    const h = alarms.find((a) => a.AlarmName === high.AlarmName)!;
    const l = alarms.find((a) => a.AlarmName === low.AlarmName)!;
    assert.deepEqual(
      { ns: h.Namespace, m: h.MetricName, st: h.Statistic, d: h.Dimensions, p: h.Period, e: h.EvaluationPeriods, dp: h.DatapointsToAlarm, t: h.Threshold, op: h.ComparisonOperator, a: h.AlarmActions },
      { ns: 'AWS/EC2', m: 'CPUUtilization', st: 'Average', d: [{ Name: 'AutoScalingGroupName', Value: 'pol' }], p: 60, e: 3, dp: 3, t: 50, op: 'GreaterThanThreshold', a: [PolicyARN] },
    );
    assert.deepEqual({ e: l.EvaluationPeriods, t: l.Threshold, op: l.ComparisonOperator }, { e: 15, t: 45, op: 'LessThanThreshold' });
    assert.equal(h.AlarmDescription, `DO NOT EDIT OR DELETE. For TargetTrackingScaling policy ${PolicyARN}.`);

    // a new target changes the alarms in place; DisableScaleIn takes the low alarm away
    const again = await put({ PolicyName: 'cpu50', PolicyType: 'TargetTrackingScaling', TargetTrackingConfiguration: { TargetValue: 60, DisableScaleIn: true, PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' } } });
    assert.equal(again.PolicyARN, PolicyARN);
    assert.deepEqual(again.Alarms!.map((a) => a.AlarmName), [high.AlarmName]);
    const now = (await cw().send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'TargetTracking-pol-' }))).MetricAlarms!;
    assert.deepEqual(now.map((a) => [a.AlarmName, a.Threshold]), [[high.AlarmName, 60]]);

    await expectError(asg().send(new ExecutePolicyCommand({ AutoScalingGroupName: 'pol', PolicyName: 'cpu50' })), 'ValidationError', /not supported for a policy of type TargetTrackingScaling/);
    await asg().send(new DeletePolicyCommand({ AutoScalingGroupName: 'pol', PolicyName: 'cpu50' }));
    assert.deepEqual((await cw().send(new DescribeAlarmsCommand({ AlarmNamePrefix: 'TargetTracking-pol-' }))).MetricAlarms, []);
    await expectError(asg().send(new DeletePolicyCommand({ AutoScalingGroupName: 'pol', PolicyName: 'cpu50' })), 'ValidationError', /cpu50 was not found/);
  });

  test('target tracking: customized metrics (single and metric math), and the errors', async () => {
    const { Alarms } = await put({
      PolicyName: 'queue',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingConfiguration: {
        TargetValue: 100,
        CustomizedMetricSpecification: { MetricName: 'Backlog', Namespace: 'MyApp', Dimensions: [{ Name: 'Queue', Value: 'jobs' }], Statistic: 'Sum', Period: 10 },
      },
    });
    const a = (await cw().send(new DescribeAlarmsCommand({ AlarmNames: Alarms!.map((x) => x.AlarmName!) }))).MetricAlarms!;
    assert.deepEqual(a.map((x) => [x.Namespace, x.MetricName, x.Statistic, x.Period]), [['MyApp', 'Backlog', 'Sum', 10], ['MyApp', 'Backlog', 'Sum', 10]]);
    const math = await put({
      PolicyName: 'per-instance',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingConfiguration: {
        TargetValue: 10,
        CustomizedMetricSpecification: {
          Metrics: [
            { Id: 'q', MetricStat: { Metric: { Namespace: 'MyApp', MetricName: 'Backlog' }, Stat: 'Sum' }, ReturnData: false },
            { Id: 'n', MetricStat: { Metric: { Namespace: 'AWS/AutoScaling', MetricName: 'GroupInServiceInstances', Dimensions: [{ Name: 'AutoScalingGroupName', Value: 'pol' }] }, Stat: 'Average' }, ReturnData: false },
            { Id: 'perInstance', Expression: 'q / n', Label: 'backlog per instance', ReturnData: true },
          ],
        },
      },
    });
    const m = (await cw().send(new DescribeAlarmsCommand({ AlarmNames: math.Alarms!.map((x) => x.AlarmName!) }))).MetricAlarms!;
    assert.equal(m.length, 2);
    assert.deepEqual(m[0]!.Metrics!.map((q) => q.Id), ['q', 'n', 'perInstance']);
    assert.equal(m[0]!.Metrics!.find((q) => q.ReturnData)?.Expression, 'q / n');

    const tt = (TargetTrackingConfiguration: object) => put({ PolicyName: 'tt-bad', PolicyType: 'TargetTrackingScaling', TargetTrackingConfiguration } as PutScalingPolicyCommandInput);
    await expectError(put({ PolicyName: 'tt-bad', PolicyType: 'TargetTrackingScaling' }), 'ValidationError', /TargetTrackingConfiguration is required/);
    await expectError(tt({ TargetValue: 50 }), 'ValidationError', /Either PredefinedMetricSpecification or CustomizedMetricSpecification/);
    await expectError(
      tt({ TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageNetworkIn' }, CustomizedMetricSpecification: { MetricName: 'x', Namespace: 'y', Statistic: 'Sum' } }),
      'ValidationError',
      /Only one of/,
    );
    await expectError(tt({ TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget' } }), 'ValidationError', /ResourceLabel is required/);
    await expectError(
      tt({ TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ALBRequestCountPerTarget', ResourceLabel: 'app/lb/0123456789abcdef/targetgroup/tg/0123456789abcdef' } }),
      'ValidationError',
      /not attached to the Auto Scaling group pol/,
    );
    await expectError(
      tt({ TargetValue: 50, CustomizedMetricSpecification: { Metrics: [{ Id: 'a', Expression: '1', ReturnData: true }, { Id: 'b', Expression: '2', ReturnData: true }] } }),
      'ValidationError',
      /Exactly one/,
    );
    await expectError(tt({ TargetValue: 50, CustomizedMetricSpecification: { MetricName: 'x', Namespace: 'y', Statistic: 'Median' } }), 'ValidationError', /Median.*Member must satisfy enum value set/);
    await expectError(put({ PolicyName: 'tt-bad', PolicyType: 'TargetTrackingScaling', AdjustmentType: 'ChangeInCapacity', TargetTrackingConfiguration: { TargetValue: 5, PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageNetworkOut' } } }), 'ValidationError', /AdjustmentType is not supported for policy type TargetTrackingScaling/);
    assert.equal((await asg().send(new DescribePoliciesCommand({ PolicyNames: ['tt-bad'] }))).ScalingPolicies!.length, 0);
  });

  test("a group's deletion takes its policies' managed alarms along", async () => {
    await createGroup('short-lived', 0, 2, 0);
    const { Alarms } = await put({ AutoScalingGroupName: 'short-lived', PolicyName: 'cpu', PolicyType: 'TargetTrackingScaling', TargetTrackingConfiguration: { TargetValue: 40, PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageNetworkOut' } } });
    assert.equal((await cw().send(new DescribeAlarmsCommand({ AlarmNames: Alarms!.map((a) => a.AlarmName!) }))).MetricAlarms!.length, 2);
    await asg().send(new DeleteAutoScalingGroupCommand({ AutoScalingGroupName: 'short-lived' }));
    assert.deepEqual((await cw().send(new DescribeAlarmsCommand({ AlarmNames: Alarms!.map((a) => a.AlarmName!) }))).MetricAlarms, []);
  });

  test('policies survive a restart', async () => {
    await server.stop();
    server = await startServer({ dataDir: dir, credentials: join(dir, 'credentials'), args: ['--settle-ms', '20'] });
    const names = (await asg().send(new DescribePoliciesCommand({ AutoScalingGroupName: 'pol' }))).ScalingPolicies!.map((p) => p.PolicyName);
    assert.deepEqual(names, ['add-one', 'exact', 'halve', 'per-instance', 'queue', 'slow', 'steps']);
  });
});
