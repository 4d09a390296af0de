// Policies set off by alarms, against a real store, a fake EC2 (the compute port) and an
// in-memory alarm port: a target tracking policy's managed alarms come and go with the policy
// and the group; an alarm's event (its reason data's datapoints and threshold) changes the
// desired capacity with AWS's cause; warm-up, cooldown, a missing step, a suspended
// AlarmNotification process and a foreign ARN as AWS treats them.
import { after, before, beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../store/store.js';
import type { Scope } from '../../store/scope.js';
import { LaunchTemplateService } from '../ec2/launch-templates/launch-template-service.js';
import { FakeEc2 } from './fake-compute.js';
import { createContext, type AsgContext } from './asg-context.js';
import { GroupService } from './group-service.js';
import { PolicyService, withPolicyCleanup } from './policies.js';
import { NOT_OVERRIDING, PolicyActions } from './policy-actions.js';
import type { ScalingAlarmDefinition, ScalingAlarms } from './policy-alarms.js';
import { reconcile } from './reconciler.js';
import { noSubnets } from './placement.js';

const CALLER: Scope = { accountId: '111111111111', region: 'us-east-1' };
const AMI = 'ami-0aaaaaaaaaaaaaaaa';

class FakeAlarms implements ScalingAlarms {
  readonly alarms = new Map<string, ScalingAlarmDefinition>();
  async putMetricAlarm(scope: Scope, d: ScalingAlarmDefinition) {
    this.alarms.set(d.name, d);
    return { arn: `arn:aws:cloudwatch:${scope.region}:${scope.accountId}:alarm:${d.name}` };
  }
  async deleteAlarms(_scope: Scope, names: readonly string[]) {
    for (const n of names) this.alarms.delete(n);
  }
  async describeAlarms(scope: Scope, names: readonly string[]) {
    return names.filter((n) => this.alarms.has(n)).map((name) => ({ name, arn: `arn:aws:cloudwatch:${scope.region}:${scope.accountId}:alarm:${name}` }));
  }
  async alarmsWithAction(scope: Scope, arn: string) {
    return [...this.alarms.values()].filter((a) => a.alarmActions?.includes(arn)).map((a) => ({ name: a.name, arn: `arn:aws:cloudwatch:${scope.region}:${scope.accountId}:alarm:${a.name}` }));
  }
}

describe('scaling policies set off by alarms', () => {
  let dir: string;
  let store: Store;
  let ec2: FakeEc2;
  let ctx: AsgContext;
  let groups: GroupService;
  let policies: PolicyService;
  let actions: PolicyActions;
  let alarms: FakeAlarms;
  let ltId: string;
  let n = 0;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imago-policies-'));
    store = await Store.open({ dataDir: dir, durability: 'normal' });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });
  beforeEach(async () => {
    ec2 = new FakeEc2();
    alarms = new FakeAlarms();
    const images = { getVisible: async () => ({}) };
    const templates = new LaunchTemplateService({ store, images });
    ctx = { ...createContext({ store, templates, images, compute: ec2, subnets: noSubnets, timing: { busyMs: 10, idleMs: 100, retryBaseMs: 50, retryMaxMs: 400 } }), kick: () => {} };
    groups = new GroupService(ctx);
    actions = new PolicyActions(ctx);
    policies = new PolicyService(ctx, groups, actions, alarms);
    ctx.groups = withPolicyCleanup(ctx.groups, (scope, name) => policies.forgetGroup(scope, name));
    const { template } = await templates.create(CALLER, { LaunchTemplateName: `lt-${++n}`, LaunchTemplateData: { ImageId: AMI, InstanceType: 't3.micro' } }, () => {});
    ltId = template.LaunchTemplateId!;
  });

  const name = () => `g${n}`;
  const desired = async () => (await ctx.groups.get(CALLER, name()))!.desired_capacity;
  const create = (want: number, extra: Record<string, unknown> = {}) =>
    groups.create(CALLER, { AutoScalingGroupName: name(), MinSize: 1, MaxSize: 6, DesiredCapacity: want, AvailabilityZones: ['us-east-1a'], LaunchTemplate: { LaunchTemplateId: ltId }, DefaultInstanceWarmup: 0, ...extra });
  /** reconciler passes and EC2 transitions until every member is InService */
  const converge = async () => {
    for (let i = 0; i < 20; i++) {
      await reconcile(ctx, CALLER, name());
      const ms = await ctx.instances.ofGroup(CALLER, name());
      if (ms.length === (await desired()) && ms.every((m) => m.lifecycle_state === 'InService')) return;
      ec2.settle();
    }
    throw new Error('did not converge');
  };
  const event = (alarm: string, values: number[], threshold: number, state = 'ALARM') => ({
    name: alarm,
    state,
    reasonData: JSON.stringify({ version: '1.0', statistic: 'Average', period: 60, recentDatapoints: values, threshold }),
  });

  test('target tracking: managed alarms with the policy; AlarmHigh scales out, AlarmLow scales in, with the cause', async () => {
    await create(1);
    await converge();
    const put = await policies.put(CALLER, {
      AutoScalingGroupName: name(),
      PolicyName: 'cpu50',
      PolicyType: 'TargetTrackingScaling',
      TargetTrackingConfiguration: { TargetValue: 50, PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageCPUUtilization' } },
    });
    const high = put.Alarms.find((a) => a.AlarmName!.includes('-AlarmHigh-'))!.AlarmName!;
    const low = put.Alarms.find((a) => a.AlarmName!.includes('-AlarmLow-'))!.AlarmName!;
    const def = alarms.alarms.get(high)!;
    assert.deepEqual(def.dimensions, [{ name: 'AutoScalingGroupName', value: name() }]);
    assert.deepEqual(def.alarmActions, [put.PolicyARN]);
    const described = await policies.describe(CALLER, { AutoScalingGroupName: name() });
    assert.equal(described.policies[0]!.Alarms!.length, 2);

    assert.equal(await actions.alarmTarget.invoke(CALLER, put.PolicyARN, event(high, [80, 85, 90], 50)), undefined);
    assert.equal(await desired(), 2, '1 * 90 / 50 = 1.8, up to 2');
    const cause = (await ctx.groups.get(CALLER, name()))!.capacity_cause!;
    assert.match(cause, new RegExp(`^At \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ a monitor alarm ${high} in state ALARM triggered policy cpu50 changing the desired capacity from 1 to 2\\.$`));
    // the alarm stays in ALARM and is invoked again: the new instance is still Pending (warming up)
    await assert.rejects(actions.alarmTarget.invoke(CALLER, put.PolicyARN, event(high, [90, 90, 90], 50)), { message: NOT_OVERRIDING });
    assert.equal(await desired(), 2);
    await converge();
    const acts = await ctx.activityRepo.list(CALLER, { groups: [name()] });
    assert.ok(acts.some((a) => a.cause.startsWith(cause) && /an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 1 to 2\.$/.test(a.cause)));

    await actions.alarmTarget.invoke(CALLER, put.PolicyARN, event(low, [20, 20, 20], 45));
    assert.equal(await desired(), 1, '2 * 20 / 50 = 0.8, down to 0, held at MinSize 1');

    // the policy's deletion takes its alarms; the ARN of a deleted policy is an error
    await policies.delete(CALLER, name(), 'cpu50');
    assert.equal(alarms.alarms.size, 0);
    await assert.rejects(actions.alarmTarget.invoke(CALLER, put.PolicyARN, event(high, [90], 50)), /was not found/);
  });

  test("a group's deletion deletes its policies' managed alarms", async () => {
    await create(1, { MinSize: 0 });
    await policies.put(CALLER, { AutoScalingGroupName: name(), PolicyName: 'tt', PolicyType: 'TargetTrackingScaling', TargetTrackingConfiguration: { TargetValue: 10, DisableScaleIn: true, PredefinedMetricSpecification: { PredefinedMetricType: 'ASGAverageNetworkIn' } } });
    assert.equal(alarms.alarms.size, 1, 'DisableScaleIn: no AlarmLow');
    await groups.update(CALLER, { AutoScalingGroupName: name(), MinSize: 0, DesiredCapacity: 0 });
    await converge();
    await groups.delete(CALLER, name(), false);
    assert.equal(alarms.alarms.size, 0);
  });

  test('step scaling from a user alarm: aggregation, the step, no step, DescribePolicies lists the alarm', async () => {
    await create(2);
    await converge();
    const { PolicyARN } = await policies.put(CALLER, {
      AutoScalingGroupName: name(),
      PolicyName: 'out',
      PolicyType: 'StepScaling',
      AdjustmentType: 'ChangeInCapacity',
      MetricAggregationType: 'Minimum',
      StepAdjustments: [
        { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 20, ScalingAdjustment: 1 },
        { MetricIntervalLowerBound: 20, ScalingAdjustment: 3 },
      ],
    });
    await alarms.putMetricAlarm(CALLER, { name: 'cpu-high', evaluationPeriods: 2, comparisonOperator: 'GreaterThanOrEqualToThreshold', threshold: 60, alarmActions: [PolicyARN] });
    const [p] = (await policies.describe(CALLER, { PolicyNames: ['out'] })).policies;
    assert.deepEqual(p!.Alarms, [{ AlarmName: 'cpu-high', AlarmARN: 'arn:aws:cloudwatch:us-east-1:111111111111:alarm:cpu-high' }]);
    // Minimum of [75, 95] is 75: delta 15, the first step
    await actions.alarmTarget.invoke(CALLER, PolicyARN, event('cpu-high', [75, 95], 60));
    assert.equal(await desired(), 3);
    await converge();
    await assert.rejects(actions.alarmTarget.invoke(CALLER, PolicyARN, event('cpu-high', [55, 58.5], 60)), { message: 'No step adjustment found for metric value [55, 58.5] and breach threshold 60.0' });
    await actions.alarmTarget.invoke(CALLER, PolicyARN, event('cpu-high', [95, 99], 60));
    assert.equal(await desired(), 6);
  });

  test('simple scaling from an alarm waits for the cooldown; a suspended AlarmNotification ignores alarms; foreign ARNs are refused', async () => {
    await create(1, { DefaultCooldown: 300 });
    const { PolicyARN } = await policies.put(CALLER, { AutoScalingGroupName: name(), PolicyName: 'up', AdjustmentType: 'ChangeInCapacity', ScalingAdjustment: 2 });
    await actions.alarmTarget.invoke(CALLER, PolicyARN, event('a', [90], 50));
    assert.equal(await desired(), 3);
    await assert.rejects(actions.alarmTarget.invoke(CALLER, PolicyARN, event('a', [90], 50)), /cooldown/);
    assert.equal(await desired(), 3);

    await ctx.groups.update(CALLER, name(), { cooldown_until: null, suspended_processes: JSON.stringify([{ ProcessName: 'AlarmNotification', SuspensionReason: 'User suspended at 2026-12-06T10:00:00Z' }]) });
    assert.match(String(await actions.alarmTarget.invoke(CALLER, PolicyARN, event('a', [90], 50))), /AlarmNotification is suspended/);
    assert.equal(await desired(), 3);
    await ctx.groups.update(CALLER, name(), { suspended_processes: null });
    await actions.alarmTarget.invoke(CALLER, PolicyARN, event('a', [90], 50));
    assert.equal(await desired(), 5);

    await assert.rejects(actions.alarmTarget.invoke({ accountId: '222222222222', region: 'us-east-1' }, PolicyARN, event('a', [90], 50)), /Invalid Auto Scaling policy ARN/);
    await assert.rejects(actions.alarmTarget.invoke(CALLER, 'arn:aws:autoscaling:us-east-1:111111111111:nonsense', event('a', [90], 50)), /Invalid Auto Scaling policy ARN/);
  });
});
