// The reconciler and instance refresh against a fake EC2 (the compute port) and a real store:
// scale out balanced across zones, scale in by the termination policy, replacement of
// instances terminated out of band, launch failures with back-off, instance refresh batches
// bounded by MinHealthyPercentage, launch-before-terminate with MaxHealthyPercentage,
// checkpoints, rollback and cancel. Passes are driven by hand: no timers, no job runner.
import { beforeEach, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Scope } from '../../store/scope.js';
import { ec2Error } from '../ec2/ec2-errors.js';
import type { LaunchTemplateService } from '../ec2/launch-templates/launch-template-service.js';
import { FakeEc2, suiteStore, testContext } from './fake-compute.js';
import type { AsgContext } from './asg-context.js';
import { GroupService } from './group-service.js';
import { InstanceOps } from './instance-ops.js';
import { RefreshService } from './refresh-service.js';
import { reconcile } from './reconciler.js';
import type { GroupInstanceRow } from '../../store/repos/autoscaling-instances.js';

const CALLER: Scope = { accountId: '111111111111', region: 'us-east-1' };
const AMI_A = 'ami-0aaaaaaaaaaaaaaaa';
const AMI_B = 'ami-0bbbbbbbbbbbbbbbb';

describe('Auto Scaling reconciler', () => {
  const store = suiteStore('imago-asg-');
  let ec2: FakeEc2;
  let ctx: AsgContext;
  let groups: GroupService;
  let refreshes: RefreshService;
  let ops: InstanceOps;
  let templates: LaunchTemplateService;
  let ltId: string;
  let n = 0;

  beforeEach(async () => {
    ec2 = new FakeEc2();
    const images = { getVisible: async (_c: Scope, id: string) => (id === AMI_A || id === AMI_B ? {} : Promise.reject(ec2Error('InvalidAMIID.NotFound', `The image id '[${id}]' does not exist`))) };
    ({ ctx, templates } = testContext(store(), ec2, images));
    groups = new GroupService(ctx);
    refreshes = new RefreshService(ctx, groups);
    ops = new InstanceOps(ctx, groups);
    const { template } = await templates.create(CALLER, { LaunchTemplateName: `lt-${++n}`, LaunchTemplateData: { ImageId: AMI_A, InstanceType: 't3.micro' } }, () => {});
    ltId = template.LaunchTemplateId!;
    await templates.createVersion(CALLER, { LaunchTemplateId: ltId, SourceVersion: '1', LaunchTemplateData: { ImageId: AMI_B } }, () => {});
  });

  const name = () => `g${n}`;
  const pass = () => reconcile(ctx, CALLER, name());
  const members = () => ctx.instances.ofGroup(CALLER, name());
  const inService = async () => (await members()).filter((m) => m.lifecycle_state === 'InService');
  const versionOf = (m: GroupInstanceRow) => JSON.parse(m.launch_template!).Version as string;
  /** passes and EC2 transitions until nothing is pending or terminating */
  async function converge(limit = 50): Promise<void> {
    for (let i = 0; i < limit; i++) {
      await pass();
      const ms = await members();
      if (ms.every((m) => m.lifecycle_state === 'InService') && ms.length === (await ctx.groups.get(CALLER, name()))!.desired_capacity) return;
      ec2.settle();
    }
    throw new Error('did not converge');
  }
  const create = (desired: number, extra: Record<string, unknown> = {}) =>
    groups.create(CALLER, {
      AutoScalingGroupName: name(),
      MinSize: 0,
      MaxSize: 10,
      DesiredCapacity: desired,
      AvailabilityZones: ['us-east-1a', 'us-east-1b', 'us-east-1c'],
      LaunchTemplate: { LaunchTemplateId: ltId, Version: '1' },
      Tags: [
        { Key: 'team', Value: 'web', PropagateAtLaunch: true },
        { Key: 'cost', Value: 'x', PropagateAtLaunch: false },
      ],
      ...extra,
    });

  test('scales out balanced across zones, with propagated tags and the group tag', async () => {
    await create(4);
    await pass();
    assert.equal(ec2.launches.length, 4);
    const zones = ec2.launches.map((l) => l.zone).sort();
    assert.deepEqual(zones, ['us-east-1a', 'us-east-1a', 'us-east-1b', 'us-east-1c']);
    assert.deepEqual(ec2.launches[0].tags, [
      { Key: 'team', Value: 'web' },
      { Key: 'aws:autoscaling:groupName', Value: name() },
    ]);
    assert.deepEqual(ec2.launches[0].launchTemplate, { id: ltId, version: 1 });
    assert.ok((await members()).every((m) => m.lifecycle_state === 'Pending'));
    ec2.settle();
    await pass();
    assert.equal((await inService()).length, 4);
    const acts = await ctx.activityRepo.list(CALLER, { groups: [name()] });
    assert.equal(acts.length, 4);
    assert.ok(acts.every((a) => a.status_code === 'Successful' && a.progress === 100));
    assert.match(acts[0].description, /^Launching a new EC2 instance: i-/);
    assert.match(acts[0].cause, /a user request created an AutoScalingGroup changing the desired capacity from 0 to 4\.  At .* an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 0 to 4\./);
  });

  test('scales in from the fullest zone and completes terminations', async () => {
    await create(4);
    await converge();
    await groups.setDesired(CALLER, name(), 1, false);
    await pass();
    const terminating = (await members()).filter((m) => m.lifecycle_state === 'Terminating');
    assert.equal(terminating.length, 3);
    const left = (await members()).filter((m) => m.lifecycle_state === 'InService');
    assert.equal(left.length, 1);
    // the two zones that had one each and one of the doubled zone's: zones stay balanced
    assert.equal(new Set(terminating.map((m) => m.availability_zone)).size, 3);
    ec2.settle();
    await pass();
    assert.equal((await members()).length, 1);
    const acts = await ctx.activityRepo.list(CALLER, { groups: [name()] });
    const terms = acts.filter((a) => a.description.startsWith('Terminating EC2 instance'));
    assert.equal(terms.length, 3);
    assert.ok(terms.every((a) => a.status_code === 'Successful'));
    assert.match(terms[0].cause, /explicitly set group desired capacity changing the desired capacity from 4 to 1\.  At .* an instance was taken out of service in response to a difference between desired and actual capacity, shrinking the capacity from 4 to 1\./);
  });

  test('replaces an instance terminated out of band', async () => {
    await create(2);
    await converge();
    const [victim] = await members();
    ec2.state.set(victim.instance_id, 'terminated');
    await pass();
    const now = await members();
    assert.equal(now.find((m) => m.instance_id === victim.instance_id)?.lifecycle_state, 'Terminating');
    assert.equal(now.filter((m) => m.lifecycle_state === 'Pending').length, 1);
    assert.equal(now.find((m) => m.lifecycle_state === 'Pending')!.availability_zone, victim.availability_zone);
    await converge();
    assert.ok(!(await members()).some((m) => m.instance_id === victim.instance_id));
    const acts = await ctx.activityRepo.list(CALLER, { groups: [name()] });
    assert.ok(acts.some((a) => /EC2 health check indicating it has been terminated or stopped/.test(a.cause)));
  });

  test('a user health check replaces the instance; termination with decrement lowers the capacity', async () => {
    await create(2);
    await converge();
    const [a, b] = await members();
    await ops.setHealth(CALLER, a.instance_id, 'Unhealthy', false);
    await pass();
    assert.equal((await members()).find((m) => m.instance_id === a.instance_id)?.lifecycle_state, 'Terminating');
    await converge();
    const activity = await ops.terminate(CALLER, b.instance_id, true);
    assert.equal(activity.Description, `Terminating EC2 instance: ${b.instance_id}`);
    assert.match(activity.Cause!, /was taken out of service in response to a user request, shrinking the capacity from 2 to 1\./);
    assert.equal((await ctx.groups.get(CALLER, name()))!.desired_capacity, 1);
    await converge();
    assert.equal((await members()).length, 1);
  });

  test('a refused launch is a Failed activity with the EC2 message, retried with back-off', async () => {
    await create(1);
    ec2.failNext = 1;
    const wait = await pass();
    assert.equal(typeof wait, 'number');
    const [failed] = await ctx.activityRepo.list(CALLER, { groups: [name()] });
    assert.equal(failed.status_code, 'Failed');
    assert.match(failed.status_message!, /^The image id '\[.*\]' does not exist\. Launching EC2 instance failed\.$/);
    assert.match(failed.description, /^Launching a new EC2 instance\.  Status Reason: /);
    const row = (await ctx.groups.get(CALLER, name()))!;
    assert.equal(row.launch_failures, 1);
    assert.ok(Date.parse(row.next_launch_at!) > Date.now());
    await pass(); // still backing off: nothing launched
    assert.equal(ec2.launches.length, 0);
    await ctx.groups.update(CALLER, name(), { next_launch_at: new Date(Date.now() - 1).toISOString() });
    await converge();
    assert.equal((await ctx.groups.get(CALLER, name()))!.launch_failures, 0);
  });

  test('a launch whose answer was lost is replayed with its client token, not repeated', async () => {
    await create(1);
    ec2.loseNextAnswer = true;
    await assert.rejects(pass(), /connection lost/);
    const [recorded] = await members();
    assert.equal(recorded.lifecycle_state, 'Launching');
    assert.deepEqual((await groups.describe(CALLER, { AutoScalingGroupNames: [name()] })).groups[0].Instances, [], 'a recorded launch is not an instance yet');
    await converge();
    assert.equal(ec2.launches.length, 1, 'EC2 launched once');
    const [m] = await members();
    assert.equal(m.instance_id, ec2.launches[0].instanceId);
    assert.equal(recorded.instance_id, `launch:${ec2.launches[0].clientToken}`);
  });

  test('ForceDelete: the group is deleting until its instances are gone; its name stays taken meanwhile', async () => {
    await create(2);
    await converge();
    await assert.rejects(groups.delete(CALLER, name(), false), { code: 'ResourceInUse' });
    await groups.delete(CALLER, name(), true);
    const [g] = (await groups.describe(CALLER, { AutoScalingGroupNames: [name()] })).groups;
    assert.equal(g.Status, 'Delete in progress');
    assert.deepEqual([g.MinSize, g.MaxSize, g.DesiredCapacity], [0, 0, 0]);
    await assert.rejects(create(1), { code: 'AlreadyExists' });
    await pass();
    assert.ok((await members()).every((m) => m.lifecycle_state === 'Terminating'));
    ec2.settle();
    assert.equal(await pass(), 'gone');
    assert.equal(await ctx.groups.get(CALLER, name()), undefined);
  });

  test('$Latest follows new template versions for new launches only', async () => {
    await create(1, { LaunchTemplate: { LaunchTemplateId: ltId, Version: '$Latest' } });
    await converge();
    assert.equal(versionOf((await members())[0]), '2');
    await templates.createVersion(CALLER, { LaunchTemplateId: ltId, SourceVersion: '2', LaunchTemplateData: { InstanceType: 't3.small' } }, () => {});
    await converge();
    assert.equal(versionOf((await members())[0]), '2', 'running instances are not replaced');
    await groups.setDesired(CALLER, name(), 2, false);
    await converge();
    assert.deepEqual((await members()).map(versionOf).sort(), ['2', '3']);
  });

  test('instance refresh keeps MinHealthyPercentage in service and applies the desired configuration', async () => {
    await create(4);
    await converge();
    const old = new Set((await members()).map((m) => m.instance_id));
    await refreshes.start(CALLER, {
      AutoScalingGroupName: name(),
      DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: ltId, Version: '2' } },
      Preferences: { MinHealthyPercentage: 50, InstanceWarmup: 0 },
    });
    let minInService = Infinity;
    for (let i = 0; i < 40; i++) {
      await pass();
      minInService = Math.min(minInService, (await inService()).length);
      const [r] = await ctx.refreshes.ofGroup(CALLER, name());
      if (r.status === 'Successful') break;
      ec2.settle();
    }
    const [r] = await ctx.refreshes.ofGroup(CALLER, name());
    assert.equal(r.status, 'Successful');
    assert.ok(minInService >= 2, `in service dropped to ${minInService}`);
    const now = await members();
    assert.equal(now.length, 4);
    assert.ok(now.every((m) => !old.has(m.instance_id) && versionOf(m) === '2'));
    assert.equal(JSON.parse((await ctx.groups.get(CALLER, name()))!.launch_template!).Version, '2');
  });

  test('MaxHealthyPercentage launches before terminating; 100% min replaces one at a time', async () => {
    await create(4);
    await converge();
    await refreshes.start(CALLER, {
      AutoScalingGroupName: name(),
      DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: ltId, Version: '2' } },
      Preferences: { MinHealthyPercentage: 100, MaxHealthyPercentage: 150, InstanceWarmup: 0 },
    });
    let maxTotal = 0;
    for (let i = 0; i < 40; i++) {
      await pass();
      const ms = (await members()).filter((m) => m.lifecycle_state !== 'Terminating');
      maxTotal = Math.max(maxTotal, ms.length);
      assert.ok((await inService()).length >= 4 || ms.some((m) => m.lifecycle_state === 'Pending'));
      const [r] = await ctx.refreshes.ofGroup(CALLER, name());
      if (r.status === 'Successful') break;
      ec2.settle();
    }
    assert.equal(maxTotal, 6);
    assert.ok((await members()).every((m) => versionOf(m) === '2'));
  });

  test('launch before terminate on a larger group: every instance is replaced exactly once', async () => {
    await create(10, { MaxSize: 20 });
    await converge();
    const before = ec2.launches.length;
    await refreshes.start(CALLER, {
      AutoScalingGroupName: name(),
      DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: ltId, Version: '2' } },
      Preferences: { MinHealthyPercentage: 100, MaxHealthyPercentage: 150, InstanceWarmup: 0 },
    });
    for (let i = 0; i < 60; i++) {
      await pass();
      const live = (await members()).filter((m) => m.lifecycle_state !== 'Terminating');
      assert.ok(live.length <= 15, `at most 150% of 10 at once, saw ${live.length}`);
      assert.ok(!(await members()).some((m) => m.lifecycle_state === 'Terminating' && versionOf(m) === '2'), 'no replacement is taken out again');
      const [r] = await ctx.refreshes.ofGroup(CALLER, name());
      if (r.status === 'Successful') break;
      ec2.settle();
    }
    assert.equal((await ctx.refreshes.ofGroup(CALLER, name()))[0].status, 'Successful');
    assert.equal(ec2.launches.length - before, 10, 'ten launches for ten instances');
    assert.ok((await members()).every((m) => versionOf(m) === '2'));
  });

  test('checkpoints pause; rollback returns to the previous version; cancel stops', async () => {
    await create(4);
    await converge();
    await refreshes.start(CALLER, {
      AutoScalingGroupName: name(),
      DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: ltId, Version: '2' } },
      Preferences: { MinHealthyPercentage: 50, InstanceWarmup: 0, CheckpointPercentages: [50, 100], CheckpointDelay: 3600 },
    });
    for (let i = 0; i < 10; i++) {
      await pass();
      ec2.settle();
    }
    let [r] = await ctx.refreshes.ofGroup(CALLER, name());
    assert.equal(r.status, 'InProgress');
    assert.match(r.status_reason!, /Checkpoint 50% reached/);
    assert.deepEqual((await members()).map(versionOf).sort(), ['1', '1', '2', '2']);
    await refreshes.rollback(CALLER, name());
    for (let i = 0; i < 20; i++) {
      await pass();
      [r] = await ctx.refreshes.ofGroup(CALLER, name());
      if (r.status === 'RollbackSuccessful') break;
      ec2.settle();
    }
    assert.equal(r.status, 'RollbackSuccessful');
    assert.deepEqual((await members()).map(versionOf), ['1', '1', '1', '1']);
    assert.equal(JSON.parse((await ctx.groups.get(CALLER, name()))!.launch_template!).Version, '1');

    await refreshes.start(CALLER, { AutoScalingGroupName: name(), DesiredConfiguration: { LaunchTemplate: { LaunchTemplateId: ltId, Version: '2' } }, Preferences: { MinHealthyPercentage: 50 } });
    await pass();
    await refreshes.cancel(CALLER, name());
    for (let i = 0; i < 10; i++) {
      await pass();
      ec2.settle();
    }
    [r] = await ctx.refreshes.ofGroup(CALLER, name());
    assert.equal(r.status, 'Cancelled');
  });
});
