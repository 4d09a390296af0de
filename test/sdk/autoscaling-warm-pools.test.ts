// Warm pools, Attach/DetachInstances and the instance maintenance policy through
// @aws-sdk/client-auto-scaling against a real server (the `none` compute driver): PutWarmPool's
// errors, a Stopped pool filled with stopped EC2 instances (Warmed:Stopped), scale-out taking
// them before launching, scale-in returning instances with ReuseOnScaleIn, a Running pool,
// DeleteWarmPool (PendingDelete, then gone; ForceDelete at once), WarmPoolConfiguration and
// WarmPoolSize in DescribeAutoScalingGroups; instances launched outside the group attached and
// detached with AWS's checks.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  AttachInstancesCommand,
  CreateAutoScalingGroupCommand,
  DeleteWarmPoolCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeScalingActivitiesCommand,
  DescribeWarmPoolCommand,
  DetachInstancesCommand,
  PutWarmPoolCommand,
  SetDesiredCapacityCommand,
  UpdateAutoScalingGroupCommand,
  type AutoScalingClient,
  type CreateAutoScalingGroupCommandInput,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, DescribeInstancesCommand, RunInstancesCommand, StopInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { ALICE, removeDir, startServer, tempDir, writeCredentials, type TestServer } from '../helpers/server.js';
import { autoscaling, ec2 } from '../helpers/clients.js';
import { until } from '../helpers/until.js';
import { emptySnapshot, expectError, registerImage } from '../helpers/images.js';

let counter = 0;
const uniq = (p: string) => `${p}-${++counter}`;

describe('Auto Scaling warm pools and attached instances', () => {
  let server: TestServer;
  let dir: string;
  let ami: string;
  let ltId: string;
  const asg = (): AutoScalingClient => autoscaling(server.url, { account: ALICE });
  const ec = (): EC2Client => ec2(server.url, { account: ALICE });

  before(async () => {
    dir = tempDir();
    writeCredentials(dir);
    server = await startServer({ dataDir: dir, credentials: join(dir, 'credentials'), args: ['--settle-ms', '50'] });
    ami = await registerImage(ec(), await emptySnapshot(ec()));
    ltId = (await ec().send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'warm', LaunchTemplateData: { ImageId: ami, InstanceType: 't3.micro' } }))).LaunchTemplate!.LaunchTemplateId!;
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  const create = (name: string, input: Partial<CreateAutoScalingGroupCommandInput> = {}) =>
    asg().send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: name, MinSize: 0, MaxSize: 3, DesiredCapacity: 1, AvailabilityZones: ['us-east-1a', 'us-east-1b'], LaunchTemplate: { LaunchTemplateId: ltId }, ...input }));
  const groupOf = async (name: string) => (await asg().send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups![0];
  const pool = (name: string) => asg().send(new DescribeWarmPoolCommand({ AutoScalingGroupName: name }));
  const ec2State = async (id: string) => (await ec().send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0].Instances![0].State!.Name;
  /** until the group has `inService` InService instances and the pool exactly `warm` (sorted states) */
  const settled = (name: string, inService: number, warm: string[]) =>
    until(`${name}: ${inService} in service, pool ${warm.join(',')}`, async () => {
      const g = await groupOf(name);
      const p = await pool(name);
      const states = (p.Instances ?? []).map((i) => i.LifecycleState!).sort();
      const ok = g.Instances!.length === inService && g.Instances!.every((i) => i.LifecycleState === 'InService') && JSON.stringify(states) === JSON.stringify(warm);
      return ok ? { g, p } : undefined;
    });

  test('PutWarmPool and DeleteWarmPool errors', async () => {
    const name = uniq('errors');
    await create(name, { DesiredCapacity: 0 });
    const put = (input: Partial<ConstructorParameters<typeof PutWarmPoolCommand>[0]>) => asg().send(new PutWarmPoolCommand({ AutoScalingGroupName: name, ...input }));
    await expectError(put({ AutoScalingGroupName: 'missing' }), 'ValidationError', /not found/);
    await expectError(put({ MinSize: 3, MaxGroupPreparedCapacity: 2 }), 'ValidationError', /MinSize cannot be greater than MaxGroupPreparedCapacity/);
    await expectError(put({ MaxGroupPreparedCapacity: -2 }), 'ValidationError', /greater than or equal to -1/);
    await expectError(asg().send(new DeleteWarmPoolCommand({ AutoScalingGroupName: name })), 'ValidationError', /No warm pool found/);
    await expectError(pool('missing'), 'ValidationError', /not found/);
    assert.equal((await pool(name)).WarmPoolConfiguration, undefined);
    await put({ MaxGroupPreparedCapacity: -1, PoolState: 'Hibernated' });
    assert.deepEqual((await pool(name)).WarmPoolConfiguration, { MinSize: 0, PoolState: 'Hibernated' });
    await asg().send(new DeleteWarmPoolCommand({ AutoScalingGroupName: name, ForceDelete: true }));
    assert.equal((await pool(name)).WarmPoolConfiguration, undefined);
  });

  test('a Stopped pool feeds scale-out and takes instances back on scale-in (ReuseOnScaleIn)', async () => {
    const name = uniq('stopped');
    await create(name);
    await asg().send(new PutWarmPoolCommand({ AutoScalingGroupName: name, MinSize: 1, PoolState: 'Stopped', InstanceReusePolicy: { ReuseOnScaleIn: true } }));
    // MaxSize 3 − desired 1 = 2 prepared instances, stopped
    const { g, p } = await settled(name, 1, ['Warmed:Stopped', 'Warmed:Stopped']);
    assert.deepEqual(g.WarmPoolConfiguration, { MinSize: 1, PoolState: 'Stopped', InstanceReusePolicy: { ReuseOnScaleIn: true } });
    assert.equal(g.WarmPoolSize, 2);
    const pooled = p.Instances!.map((i) => i.InstanceId!);
    for (const id of pooled) assert.equal(await ec2State(id), 'stopped');
    const detail = (await asg().send(new DescribeAutoScalingInstancesCommand({ InstanceIds: pooled }))).AutoScalingInstances!;
    assert.deepEqual(detail.map((d) => d.LifecycleState), ['Warmed:Stopped', 'Warmed:Stopped']);

    await asg().send(new SetDesiredCapacityCommand({ AutoScalingGroupName: name, DesiredCapacity: 2 }));
    // one pool instance started into the group; the pool refills to 3 − 2 = 1
    const after = await settled(name, 2, ['Warmed:Stopped']);
    const fromPool = after.g.Instances!.map((i) => i.InstanceId!).filter((id) => pooled.includes(id));
    assert.equal(fromPool.length, 1);
    assert.equal(await ec2State(fromPool[0]), 'running');
    const acts = (await asg().send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: name }))).Activities!;
    assert.ok(acts.some((a) => a.Description === `Launching a new EC2 instance from warm pool: ${fromPool[0]}` && a.StatusCode === 'Successful'));

    await asg().send(new SetDesiredCapacityCommand({ AutoScalingGroupName: name, DesiredCapacity: 1 }));
    // the instance taken out goes back to the pool, stopped (pool 3 − 1 = 2)
    const back = await settled(name, 1, ['Warmed:Stopped', 'Warmed:Stopped']);
    const returned = back.p.Instances!.map((i) => i.InstanceId!).filter((id) => after.g.Instances!.some((i) => i.InstanceId === id));
    assert.equal(returned.length, 1);
    assert.equal(await ec2State(returned[0]), 'stopped');

    // deleting the pool: PendingDelete while its instances terminate, then no pool
    await asg().send(new DeleteWarmPoolCommand({ AutoScalingGroupName: name }));
    await until('pool deleted', async () => ((await pool(name)).WarmPoolConfiguration === undefined ? true : undefined));
    assert.deepEqual((await pool(name)).Instances, []);
    for (const id of back.p.Instances!.map((i) => i.InstanceId!)) assert.ok(['shutting-down', 'terminated'].includes((await ec2State(id))!));
    assert.equal((await groupOf(name)).WarmPoolSize, undefined);
  });

  test('a Running pool keeps its instances running', async () => {
    const name = uniq('running');
    await create(name, { DesiredCapacity: 0, MaxSize: 1 });
    await asg().send(new PutWarmPoolCommand({ AutoScalingGroupName: name, PoolState: 'Running' }));
    const { p } = await settled(name, 0, ['Warmed:Running']);
    assert.equal(await ec2State(p.Instances![0].InstanceId!), 'running');
  });

  test('AttachInstances and DetachInstances', async () => {
    const name = uniq('attach');
    await create(name, { MaxSize: 2 });
    await settled(name, 1, []);
    const run = async (zone: string) => (await ec().send(new RunInstancesCommand({ ImageId: ami, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, Placement: { AvailabilityZone: zone } }))).Instances![0].InstanceId!;
    const outside = await run('us-east-1b');
    const elsewhere = await run('us-east-1c');
    const stopped = await run('us-east-1a');
    await until('running', async () => ((await ec2State(stopped)) === 'running' && (await ec2State(outside)) === 'running' ? true : undefined));
    await ec().send(new StopInstancesCommand({ InstanceIds: [stopped] }));
    await until('stopped', async () => ((await ec2State(stopped)) === 'stopped' ? true : undefined));
    const attach = (ids: string[]) => asg().send(new AttachInstancesCommand({ AutoScalingGroupName: name, InstanceIds: ids }));
    await expectError(attach([elsewhere]), 'ValidationError', /not one of the Availability Zones/);
    await expectError(attach([stopped]), 'ValidationError', /must be running/);
    await expectError(attach(['i-0123456789abcdef0']), 'ValidationError', /does not exist/);
    await expectError(attach([outside, elsewhere]), 'ValidationError');
    await expectError(asg().send(new AttachInstancesCommand({ AutoScalingGroupName: 'missing', InstanceIds: [outside] })), 'ValidationError', /not found/);
    await attach([outside]);
    const g = await settled(name, 2, []);
    assert.equal(g.g.DesiredCapacity, 2);
    assert.ok(g.g.Instances!.some((i) => i.InstanceId === outside));
    await expectError(attach([stopped]), 'ValidationError');
    await asg().send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: name, MinSize: 2 }));
    await expectError(
      asg().send(new DetachInstancesCommand({ AutoScalingGroupName: name, InstanceIds: [outside], ShouldDecrementDesiredCapacity: true })),
      'ValidationError',
      /violate group's min size constraint/,
    );
    await asg().send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: name, MinSize: 0 }));
    const { Activities } = await asg().send(new DetachInstancesCommand({ AutoScalingGroupName: name, InstanceIds: [outside], ShouldDecrementDesiredCapacity: true }));
    assert.equal(Activities![0].Description, `Detaching EC2 instance: ${outside}`);
    assert.match(Activities![0].Cause!, new RegExp(`instance ${outside} was detached in response to a user request, shrinking the capacity from 2 to 1\\.$`));
    assert.equal((await groupOf(name)).DesiredCapacity, 1);
    assert.equal(await ec2State(outside), 'running');
    await expectError(
      asg().send(new DetachInstancesCommand({ AutoScalingGroupName: name, InstanceIds: [outside], ShouldDecrementDesiredCapacity: true })),
      'ValidationError',
      /not part of Auto Scaling group/,
    );
  });

  test('InstanceMaintenancePolicy and MaxInstanceLifetime are validated, stored and shown', async () => {
    const name = uniq('maint');
    await expectError(create(name, { InstanceMaintenancePolicy: { MinHealthyPercentage: 90 } }), 'ValidationError', /Both MinHealthyPercentage and MaxHealthyPercentage/);
    await expectError(create(name, { InstanceMaintenancePolicy: { MinHealthyPercentage: 0, MaxHealthyPercentage: 150 } }), 'ValidationError', /cannot be greater than 100/);
    await expectError(create(name, { MaxInstanceLifetime: 3600 }), 'ValidationError', /MaxInstanceLifetime/);
    await create(name, { DesiredCapacity: 0, InstanceMaintenancePolicy: { MinHealthyPercentage: 90, MaxHealthyPercentage: 120 }, MaxInstanceLifetime: 86400 });
    const g = await groupOf(name);
    assert.deepEqual(g.InstanceMaintenancePolicy, { MinHealthyPercentage: 90, MaxHealthyPercentage: 120 });
    assert.equal(g.MaxInstanceLifetime, 86400);
    await asg().send(new UpdateAutoScalingGroupCommand({ AutoScalingGroupName: name, InstanceMaintenancePolicy: { MinHealthyPercentage: -1, MaxHealthyPercentage: -1 }, MaxInstanceLifetime: 0 }));
    const cleared = await groupOf(name);
    assert.equal(cleared.InstanceMaintenancePolicy, undefined);
    assert.equal(cleared.MaxInstanceLifetime, undefined);
  });
});
