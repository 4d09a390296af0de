// The reconciler with lifecycle hooks, warm pools, suspended processes, MaxInstanceLifetime and
// Attach/DetachInstances, against the fake EC2 and a real store. Passes are driven by hand and
// the clock is a parameter of the pass, so heartbeat timeouts and lifetimes are tested without
// waiting.
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Scope } from '../../store/scope.js';
import type { AsgContext } from './asg-context.js';
import { FakeEc2, suiteStore, testContext } from './fake-compute.js';
import { GroupService } from './group-service.js';
import { InstanceAttachments } from './instance-attach.js';
import { LifecycleHooks } from './lifecycle-hooks.js';
import { reconcile } from './reconciler.js';
import { WarmPools } from './warm-pool.js';
import type { GroupInstanceRow } from '../../store/repos/autoscaling-instances.js';

const CALLER: Scope = { accountId: '111111111111', region: 'us-east-1' };
const AMI = 'ami-0aaaaaaaaaaaaaaaa';
const LAUNCH = 'autoscaling:EC2_INSTANCE_LAUNCHING';
const TERMINATE = 'autoscaling:EC2_INSTANCE_TERMINATING';

describe('Auto Scaling reconciler: hooks, warm pools, suspended processes, lifetime, attach', () => {
  const store = suiteStore('imago-asg-hooks-');
  let ec2: FakeEc2;
  let ctx: AsgContext;
  let groups: GroupService;
  let hooks: LifecycleHooks;
  let pools: WarmPools;
  let attachments: InstanceAttachments;
  let ltId: string;
  let n = 0;

  beforeEach(async () => {
    ec2 = new FakeEc2();
    let templates;
    ({ ctx, templates } = testContext(store(), ec2));
    groups = new GroupService(ctx);
    hooks = new LifecycleHooks(ctx, groups);
    pools = new WarmPools(ctx, groups);
    attachments = new InstanceAttachments(ctx, groups);
    const { template } = await templates.create(CALLER, { LaunchTemplateName: `lt-${++n}`, LaunchTemplateData: { ImageId: AMI, InstanceType: 't3.micro' } }, () => {});
    ltId = template.LaunchTemplateId!;
  });

  const name = () => `g${n}`;
  const pass = (now = Date.now()) => reconcile(ctx, CALLER, name(), now);
  const members = () => ctx.instances.ofGroup(CALLER, name());
  const states = async () => (await members()).map((m) => m.lifecycle_state).sort();
  const activities = () => ctx.activityRepo.list(CALLER, { groups: [name()] });
  const create = (desired: number, extra: Record<string, unknown> = {}) =>
    groups.create(CALLER, { AutoScalingGroupName: name(), MinSize: 0, MaxSize: 6, DesiredCapacity: desired, AvailabilityZones: ['us-east-1a', 'us-east-1b'], LaunchTemplate: { LaunchTemplateId: ltId, Version: '1' }, ...extra });
  /** passes with EC2 settling in between, `times` times */
  async function run(times: number, now = Date.now()): Promise<void> {
    for (let i = 0; i < times; i++) {
      await pass(now);
      ec2.settle();
    }
  }
  const suspend = (...processes: string[]) =>
    ctx.groups.update(CALLER, name(), { suspended_processes: JSON.stringify(processes.map((ProcessName) => ({ ProcessName, SuspensionReason: 'User suspended' }))) });

  test('a launch hook holds the instance in Pending:Wait until CompleteLifecycleAction CONTINUE', async () => {
    await create(1, { LifecycleHookSpecificationList: [{ LifecycleHookName: 'setup', LifecycleTransition: LAUNCH, HeartbeatTimeout: 60 }] });
    await run(4);
    assert.deepEqual(await states(), ['Pending:Wait']);
    const [m] = await members();
    const launch = (await activities()).find((a) => a.description.startsWith('Launching'))!;
    assert.equal(launch.status_code, 'MidLifecycleAction');
    await assert.rejects(hooks.complete(CALLER, { group: name(), hook: 'setup', token: 'not-a-token' }, 'CONTINUE'), /No active Lifecycle Action found with token not-a-token/);
    await assert.rejects(hooks.complete(CALLER, { group: name(), hook: 'other', instanceId: m.instance_id }, 'CONTINUE'), /No active Lifecycle Action found with instance ID/);
    await assert.rejects(hooks.complete(CALLER, { group: name(), hook: 'setup', instanceId: m.instance_id }, 'MAYBE'), /CONTINUE and ABANDON/);
    const token = JSON.parse(m.lifecycle_action!).hooks[0].token as string;
    await hooks.complete(CALLER, { group: name(), hook: 'setup', token }, 'CONTINUE');
    await pass();
    assert.deepEqual(await states(), ['Pending:Proceed']);
    await pass();
    assert.deepEqual(await states(), ['InService']);
    assert.equal((await activities()).find((a) => a.activity_id === launch.activity_id)!.status_code, 'Successful');
    // a result written from a stale read is refused (compare-and-set on the stored action)
    assert.equal(await ctx.instances.updateAction(m.instance_id, m.lifecycle_action!, { lifecycle_action: m.lifecycle_action }), false);
    // the wait is over: completing again is refused
    await assert.rejects(hooks.complete(CALLER, { group: name(), hook: 'setup', token }, 'CONTINUE'), /No active Lifecycle Action/);
  });

  test('the heartbeat timeout applies DefaultResult ABANDON: the launch is cancelled and replaced; heartbeats postpone it', async () => {
    await create(1, { LifecycleHookSpecificationList: [{ LifecycleHookName: 'setup', LifecycleTransition: LAUNCH, HeartbeatTimeout: 30 }] });
    const t0 = Date.now();
    await run(3, t0);
    const [m] = await members();
    assert.equal(m.lifecycle_state, 'Pending:Wait');
    // as if the wait had started 20 s ago: 10 s left; a heartbeat gives it 30 s again
    const action = JSON.parse(m.lifecycle_action!);
    action.hooks[0].deadline = t0 + 10_000;
    await ctx.instances.update(m.instance_id, { lifecycle_action: JSON.stringify(action) });
    await hooks.heartbeat(CALLER, { group: name(), hook: 'setup', instanceId: m.instance_id });
    const next = await pass(t0 + 15_000);
    assert.equal((await ctx.instances.get(CALLER, m.instance_id))!.lifecycle_state, 'Pending:Wait');
    assert.ok(typeof next === 'number' && next <= 100);
    await pass(Date.now() + 30_001);
    assert.equal((await ctx.instances.get(CALLER, m.instance_id))!.lifecycle_state, 'Terminating');
    const cancelled = (await activities()).find((a) => a.description === `Launching a new EC2 instance: ${m.instance_id}`)!;
    assert.equal(cancelled.status_code, 'Cancelled');
    assert.match(cancelled.status_message!, /^Instance failed to complete user's Lifecycle Action: Lifecycle Action with token .* was abandoned: Heartbeat Timeout$/);
    // the capacity step launched a replacement, which waits in its turn
    assert.deepEqual(await states(), ['Pending', 'Terminating']);
  });

  test('deleting a launch hook abandons the launches waiting on it', async () => {
    await create(1, { LifecycleHookSpecificationList: [{ LifecycleHookName: 'setup', LifecycleTransition: LAUNCH }] });
    await run(3);
    const [m] = await members();
    assert.equal(m.lifecycle_state, 'Pending:Wait');
    await hooks.delete(CALLER, name(), 'setup');
    await pass();
    assert.equal((await ctx.instances.get(CALLER, m.instance_id))!.lifecycle_state, 'Terminating');
    // its replacement has no hook to wait for
    await run(3);
    assert.deepEqual(await states(), ['InService']);
  });

  test('DefaultResult CONTINUE on timeout puts the instance in service; the global timeout bounds heartbeats', async () => {
    await create(1, { LifecycleHookSpecificationList: [{ LifecycleHookName: 'h', LifecycleTransition: LAUNCH, HeartbeatTimeout: 30, DefaultResult: 'CONTINUE' }] });
    const t0 = Date.now();
    await run(3, t0);
    const [m] = await members();
    const wait = JSON.parse(m.lifecycle_action!).hooks[0];
    assert.equal(wait.globalDeadline - wait.deadline, 99 * 30_000);
    await run(3, t0 + 30_000);
    assert.deepEqual(await states(), ['InService']);
  });

  test('a terminate hook holds a scale-in in Terminating:Wait until the action completes', async () => {
    await create(2);
    await hooks.put(CALLER, { AutoScalingGroupName: name(), LifecycleHookName: 'drain', LifecycleTransition: TERMINATE, HeartbeatTimeout: 300, NotificationMetadata: 'meta' });
    await run(3);
    assert.deepEqual(await states(), ['InService', 'InService']);
    await groups.setDesired(CALLER, name(), 1, false);
    await run(3);
    assert.deepEqual(await states(), ['InService', 'Terminating:Wait']);
    const victim = (await members()).find((m) => m.lifecycle_state === 'Terminating:Wait')!;
    assert.equal(ec2.state.get(victim.instance_id), 'running');
    const term = (await activities()).find((a) => a.description === `Terminating EC2 instance: ${victim.instance_id}`)!;
    assert.equal(term.status_code, 'MidLifecycleAction');
    await hooks.complete(CALLER, { group: name(), hook: 'drain', instanceId: victim.instance_id }, 'ABANDON');
    await pass();
    assert.equal((await ctx.instances.get(CALLER, victim.instance_id))!.lifecycle_state, 'Terminating:Proceed');
    await run(2);
    assert.deepEqual(await states(), ['InService']);
    assert.equal((await activities()).find((a) => a.activity_id === term.activity_id)!.status_code, 'Successful');
    // deleting a hook completes its outstanding actions: CONTINUE for a terminating instance
    await groups.setDesired(CALLER, name(), 0, false);
    await run(2);
    const last = (await members()).find((m) => m.lifecycle_state === 'Terminating:Wait')!;
    assert.ok(last);
    const [hook] = await hooks.describe(CALLER, name());
    await hooks.delete(CALLER, name(), 'drain');
    await run(3);
    assert.deepEqual(await states(), []);
    await assert.rejects(hooks.delete(CALLER, name(), 'drain'), /No Lifecycle Hook found with name drain/);
    assert.deepEqual({ ...hook }, { LifecycleHookName: 'drain', AutoScalingGroupName: name(), LifecycleTransition: TERMINATE, NotificationTargetARN: undefined, RoleARN: undefined, NotificationMetadata: 'meta', HeartbeatTimeout: 300, GlobalTimeout: 30000, DefaultResult: 'ABANDON' });
  });

  test('a warm pool fills with stopped instances, feeds scale-out and takes instances back with ReuseOnScaleIn', async () => {
    await create(1, { MaxSize: 3 });
    await pools.put(CALLER, { AutoScalingGroupName: name(), MinSize: 1, PoolState: 'Stopped', InstanceReusePolicy: { ReuseOnScaleIn: true } });
    await run(6);
    // max 3 − desired 1 = 2 in the pool
    assert.deepEqual(await states(), ['InService', 'Warmed:Stopped', 'Warmed:Stopped']);
    const pooled = (await members()).filter((m) => m.lifecycle_state === 'Warmed:Stopped').map((m) => m.instance_id);
    assert.ok(pooled.every((id) => ec2.state.get(id) === 'stopped'));
    const launchesBefore = ec2.launches.length;
    await groups.setDesired(CALLER, name(), 3, false);
    await run(4);
    // the pool's two were started rather than new instances launched; the pool is empty (3 − 3 = 0, MinSize 1: one new)
    const inService = (await members()).filter((m) => m.lifecycle_state === 'InService').map((m) => m.instance_id);
    assert.equal(inService.length, 3);
    assert.ok(pooled.every((id) => inService.includes(id)));
    assert.deepEqual((await states()).filter((s) => s.startsWith('Warmed')), ['Warmed:Stopped']);
    assert.equal(ec2.launches.length, launchesBefore + 1);
    assert.ok((await activities()).some((a) => a.description === `Launching a new EC2 instance from warm pool: ${pooled[0]}`));
    // scale-in returns instances to the pool instead of terminating them (nothing launched meanwhile)
    const launchesThen = ec2.launches.length;
    await groups.setDesired(CALLER, name(), 1, false);
    await run(5);
    assert.equal(ec2.launches.length, launchesThen);
    const after = await members();
    assert.equal(after.filter((m) => m.lifecycle_state === 'InService').length, 1);
    assert.equal(after.filter((m) => m.lifecycle_state === 'Warmed:Stopped').length, 2);
    const described = await pools.describe(CALLER, { AutoScalingGroupName: name() });
    assert.equal(described.config?.PoolState, 'Stopped');
    assert.equal(described.instances.length, 2);
    const [g] = (await groups.describe(CALLER, { AutoScalingGroupNames: [name()] })).groups;
    assert.equal(g.WarmPoolSize, 2);
    assert.equal(g.Instances!.length, 1);
    // deleting the pool empties it, then the configuration goes
    await pools.delete(CALLER, name(), false);
    assert.equal((await pools.describe(CALLER, { AutoScalingGroupName: name() })).config?.Status, 'PendingDelete');
    await run(4);
    assert.deepEqual(await states(), ['InService']);
    assert.equal((await pools.describe(CALLER, { AutoScalingGroupName: name() })).config, undefined);
  });

  test('with a warm pool, launch hooks hold instances as they enter the pool and again as they leave it; terminate hooks as they return', async () => {
    await create(0, { MaxSize: 1, LifecycleHookSpecificationList: [{ LifecycleHookName: 'boot', LifecycleTransition: LAUNCH }] });
    await pools.put(CALLER, { AutoScalingGroupName: name(), InstanceReusePolicy: { ReuseOnScaleIn: true } });
    await run(3);
    assert.deepEqual(await states(), ['Warmed:Pending:Wait']);
    const [m] = await members();
    assert.equal(ec2.state.get(m.instance_id), 'running');
    await hooks.complete(CALLER, { group: name(), hook: 'boot', instanceId: m.instance_id }, 'CONTINUE');
    await pass();
    assert.deepEqual(await states(), ['Warmed:Pending:Proceed']);
    await run(3);
    assert.deepEqual(await states(), ['Warmed:Stopped']);
    await groups.setDesired(CALLER, name(), 1, false);
    await run(3);
    assert.deepEqual(await states(), ['Pending:Wait']);
    await hooks.complete(CALLER, { group: name(), hook: 'boot', instanceId: m.instance_id }, 'CONTINUE');
    await run(3);
    assert.deepEqual(await states(), ['InService']);
    await hooks.put(CALLER, { AutoScalingGroupName: name(), LifecycleHookName: 'drain', LifecycleTransition: TERMINATE });
    await groups.setDesired(CALLER, name(), 0, false);
    await run(2);
    assert.deepEqual(await states(), ['Warmed:Pending:Wait']);
    assert.equal(JSON.parse((await members())[0].lifecycle_action!).transition, TERMINATE);
    await hooks.complete(CALLER, { group: name(), hook: 'drain', instanceId: m.instance_id }, 'CONTINUE');
    await run(3);
    assert.deepEqual(await states(), ['Warmed:Stopped']);
    assert.equal((await members())[0].instance_id, m.instance_id);
  });

  test('a force-deleted group takes its warm pool along, without waiting for hooks', async () => {
    await create(1, { MaxSize: 2, LifecycleHookSpecificationList: [{ LifecycleHookName: 'drain', LifecycleTransition: TERMINATE }] });
    await pools.put(CALLER, { AutoScalingGroupName: name() });
    await run(5);
    assert.deepEqual(await states(), ['InService', 'Warmed:Stopped']);
    const ids = (await members()).map((m) => m.instance_id);
    await assert.rejects(groups.delete(CALLER, name(), false), /while there are instances/);
    await groups.delete(CALLER, name(), true);
    let gone = false;
    for (let i = 0; i < 6 && !gone; i++) {
      gone = (await pass()) === 'gone';
      ec2.settle();
    }
    assert.ok(gone);
    assert.ok(ids.every((id) => ec2.state.get(id) === 'terminated'));
  });

  test('a Running warm pool keeps its instances running', async () => {
    await create(0, { MaxSize: 2 });
    await pools.put(CALLER, { AutoScalingGroupName: name(), PoolState: 'Running' });
    await run(4);
    assert.deepEqual(await states(), ['Warmed:Running', 'Warmed:Running']);
    await assert.rejects(pools.put(CALLER, { AutoScalingGroupName: name(), MinSize: 3, MaxGroupPreparedCapacity: 2 }), /MinSize/);
  });

  test('suspended processes: Launch, Terminate, HealthCheck and ReplaceUnhealthy', async () => {
    await create(2);
    await run(3);
    await suspend('Launch');
    await groups.setDesired(CALLER, name(), 3, false);
    await run(2);
    assert.equal((await members()).length, 2);
    await suspend('Launch', 'Terminate');
    await groups.setDesired(CALLER, name(), 1, false);
    await run(2);
    assert.deepEqual(await states(), ['InService', 'InService']);
    await groups.setDesired(CALLER, name(), 2, false);
    await suspend('HealthCheck');
    const [victim] = await members();
    ec2.state.set(victim.instance_id, 'stopped');
    await run(2);
    assert.equal((await ctx.instances.get(CALLER, victim.instance_id))!.health_status, 'Healthy');
    await suspend('ReplaceUnhealthy');
    await run(1);
    assert.equal((await ctx.instances.get(CALLER, victim.instance_id))!.health_status, 'Unhealthy');
    assert.equal((await ctx.instances.get(CALLER, victim.instance_id))!.lifecycle_state, 'InService');
    await suspend();
    await run(4);
    assert.deepEqual(await states(), ['InService', 'InService']);
    assert.ok(!(await members()).some((m) => m.instance_id === victim.instance_id));
  });

  test('MaxInstanceLifetime replaces instances past it one at a time (within MinHealthyPercentage when set)', async () => {
    await create(2, { MaxInstanceLifetime: 86400 });
    await run(3);
    /** the group's instances as if launched a day and a second ago */
    const age = async () => {
      const ids = (await members()).map((m) => m.instance_id);
      for (const id of ids) await ctx.instances.update(id, { launched_at: new Date(Date.now() - 86_401_000).toISOString() });
      return ids;
    };
    const old = await age();
    await pass();
    assert.equal((await members()).filter((m) => m.lifecycle_state === 'Terminating').length, 1);
    const cause = (await activities()).find((a) => a.description.startsWith('Terminating'))!.cause;
    assert.match(cause, /in response to a maximum instance lifetime policy/);
    // never more than one out at a time: InService + Pending stays at 2 and one goes at a time
    for (let i = 0; i < 8; i++) {
      ec2.settle();
      await pass();
      assert.ok((await members()).filter((m) => m.lifecycle_state === 'Terminating').length <= 1);
    }
    const now = (await members()).map((m) => m.instance_id);
    assert.deepEqual(await states(), ['InService', 'InService']);
    assert.ok(now.every((id) => !old.includes(id)));
    // with MinHealthyPercentage 100 and MaxHealthyPercentage 150 the group launches first
    await groups.update(CALLER, { AutoScalingGroupName: name(), InstanceMaintenancePolicy: { MinHealthyPercentage: 100, MaxHealthyPercentage: 150 } });
    await age();
    await pass();
    assert.deepEqual(await states(), ['InService', 'InService', 'Pending']);
    await run(10);
    await pass();
    assert.deepEqual(await states(), ['InService', 'InService']);
    assert.ok((await members()).every((m) => !now.includes(m.instance_id)));
  });

  test('AttachInstances and DetachInstances', async () => {
    await create(1, { MaxSize: 3 });
    await run(3);
    const outside = ec2.add('us-east-1b', 'running');
    const wrongZone = ec2.add('us-east-1c', 'running');
    const stopped = ec2.add('us-east-1a', 'stopped');
    await assert.rejects(attachments.attach(CALLER, name(), [wrongZone]), /not one of the Availability Zones/);
    await assert.rejects(attachments.attach(CALLER, name(), [stopped]), /must be running/);
    await assert.rejects(attachments.attach(CALLER, name(), ['i-00000000000000bad']), /does not exist/);
    await assert.rejects(attachments.attach(CALLER, name(), [ec2.add('us-east-1a', 'running'), ec2.add('us-east-1a', 'running'), outside]), /above the group's max size/);
    await attachments.attach(CALLER, name(), [outside]);
    assert.equal((await ctx.groups.get(CALLER, name()))!.desired_capacity, 2);
    await assert.rejects(attachments.attach(CALLER, name(), [outside]), /already part of/);
    await run(2);
    assert.equal((await ctx.instances.get(CALLER, outside))!.lifecycle_state, 'InService');
    assert.ok((await activities()).some((a) => a.description === `Attaching an existing EC2 instance: ${outside}`));
    await groups.update(CALLER, { AutoScalingGroupName: name(), MinSize: 2 });
    await assert.rejects(attachments.detach(CALLER, name(), [outside], true), /violate group's min size constraint/);
    const [act] = await attachments.detach(CALLER, name(), [outside], false);
    assert.match(act.Cause!, new RegExp(`instance ${outside} was detached in response to a user request\\.$`));
    assert.equal(ec2.state.get(outside), 'running');
    // the group replaces it
    await run(3);
    assert.equal((await members()).filter((m: GroupInstanceRow) => m.lifecycle_state === 'InService').length, 2);
  });
});
