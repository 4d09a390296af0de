// Lifecycle hooks through @aws-sdk/client-auto-scaling against a real server (the `none`
// compute driver): Put/Describe/DeleteLifecycleHook and their errors, LifecycleHookSpecificationList
// on CreateAutoScalingGroup, a launch hook holding an instance in Pending:Wait until
// CompleteLifecycleAction (CONTINUE puts it in service, ABANDON terminates and replaces it),
// RecordLifecycleActionHeartbeat, a terminate hook holding a scale-in in Terminating:Wait while
// EC2 keeps the instance running, and the waits surviving a restart. (Heartbeat timeouts are
// at least 30 s: the reconciler's unit tests cover them with a clock of their own.)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  CompleteLifecycleActionCommand,
  CreateAutoScalingGroupCommand,
  DeleteLifecycleHookCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeAutoScalingInstancesCommand,
  DescribeLifecycleHooksCommand,
  DescribeScalingActivitiesCommand,
  PutLifecycleHookCommand,
  RecordLifecycleActionHeartbeatCommand,
  SetDesiredCapacityCommand,
  type AutoScalingClient,
  type CreateAutoScalingGroupCommandInput,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, DescribeInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestServer } from '../helpers/server.js';
import { autoscaling, ec2 } from '../helpers/clients.js';
import { until } from '../helpers/until.js';
import { emptySnapshot, expectError, registerImage } from '../helpers/images.js';

const LAUNCHING = 'autoscaling:EC2_INSTANCE_LAUNCHING';
const TERMINATING = 'autoscaling:EC2_INSTANCE_TERMINATING';
let counter = 0;
const uniq = (p: string) => `${p}-${++counter}`;

describe('Auto Scaling lifecycle hooks', () => {
  let server: TestServer;
  let dir: string;
  let ltId: string;
  const asg = (account = ALICE): AutoScalingClient => autoscaling(server.url, { account });
  const ec = (): EC2Client => ec2(server.url, { account: ALICE });
  const start = async () => {
    server = await startServer({ dataDir: dir, credentials: join(dir, 'credentials'), args: ['--settle-ms', '50'] });
  };

  before(async () => {
    dir = tempDir();
    writeCredentials(dir);
    await start();
    const ami = await registerImage(ec(), await emptySnapshot(ec()));
    ltId = (await ec().send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'hooks', LaunchTemplateData: { ImageId: ami, InstanceType: 't3.micro' } }))).LaunchTemplate!.LaunchTemplateId!;
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  const create = (name: string, input: Partial<CreateAutoScalingGroupCommandInput> = {}) =>
    asg().send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: name, MinSize: 0, MaxSize: 4, DesiredCapacity: 1, AvailabilityZones: ['us-east-1a'], LaunchTemplate: { LaunchTemplateId: ltId }, ...input }));
  const instances = async (name: string) => (await asg().send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups![0].Instances ?? [];
  const inState = (name: string, states: string[]) =>
    until(`${name} in ${states.join(',')}`, async () => {
      const all = await instances(name);
      const got = all.map((i) => i.LifecycleState!).sort();
      return JSON.stringify(got) === JSON.stringify([...states].sort()) ? all : undefined;
    });
  const activities = async (name: string) => (await asg().send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: name }))).Activities!;

  test('PutLifecycleHook, DescribeLifecycleHooks, DeleteLifecycleHook and their errors', async () => {
    const name = uniq('hooks');
    await create(name, { DesiredCapacity: 0 });
    const put = (input: Partial<ConstructorParameters<typeof PutLifecycleHookCommand>[0]>) =>
      asg().send(new PutLifecycleHookCommand({ AutoScalingGroupName: name, LifecycleHookName: 'h1', LifecycleTransition: LAUNCHING, ...input }));
    await expectError(put({ AutoScalingGroupName: 'missing' }), 'ValidationError', /not found/);
    await expectError(put({ LifecycleTransition: 'autoscaling:EC2_INSTANCE_LAUNCH' }), 'ValidationError', /Invalid lifecycle transition/);
    await expectError(put({ LifecycleTransition: undefined }), 'ValidationError', /lifecycle transition is required/);
    await expectError(put({ HeartbeatTimeout: 29 }), 'ValidationError', /greater than or equal to 30/);
    await expectError(put({ HeartbeatTimeout: 7201 }), 'ValidationError', /less than or equal to 7200/);
    await expectError(put({ DefaultResult: 'MAYBE' }), 'ValidationError', /CONTINUE and ABANDON/);
    await expectError(put({ LifecycleHookName: 'bad name' }), 'ValidationError', /regular expression pattern/);
    await expectError(put({ NotificationTargetARN: 'arn:aws:sqs:us-east-1:111111111111:q' }), 'ValidationError', /RoleARN/);
    await put({ NotificationMetadata: 'hello' });
    // an update keeps what it does not name
    await put({ LifecycleTransition: undefined, HeartbeatTimeout: 120, DefaultResult: 'CONTINUE' });
    await put({ LifecycleHookName: 'h2', LifecycleTransition: TERMINATING, NotificationTargetARN: 'arn:aws:sqs:us-east-1:111111111111:q', RoleARN: 'arn:aws:iam::111111111111:role/hooks' });
    const hooks = (await asg().send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: name }))).LifecycleHooks!;
    assert.deepEqual(hooks, [
      { LifecycleHookName: 'h1', AutoScalingGroupName: name, LifecycleTransition: LAUNCHING, NotificationMetadata: 'hello', HeartbeatTimeout: 120, GlobalTimeout: 12000, DefaultResult: 'CONTINUE' },
      {
        LifecycleHookName: 'h2',
        AutoScalingGroupName: name,
        LifecycleTransition: TERMINATING,
        NotificationTargetARN: 'arn:aws:sqs:us-east-1:111111111111:q',
        RoleARN: 'arn:aws:iam::111111111111:role/hooks',
        HeartbeatTimeout: 3600,
        GlobalTimeout: 172800,
        DefaultResult: 'ABANDON',
      },
    ]);
    assert.deepEqual((await asg().send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: name, LifecycleHookNames: ['h2', 'nope'] }))).LifecycleHooks!.map((h) => h.LifecycleHookName), ['h2']);
    // another account sees no such group
    await expectError(asg(BOB).send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: name })), 'ValidationError', /not found/);
    await asg().send(new DeleteLifecycleHookCommand({ AutoScalingGroupName: name, LifecycleHookName: 'h2' }));
    await expectError(asg().send(new DeleteLifecycleHookCommand({ AutoScalingGroupName: name, LifecycleHookName: 'h2' })), 'ValidationError', /No Lifecycle Hook found with name h2/);
    assert.equal((await asg().send(new DescribeLifecycleHooksCommand({ AutoScalingGroupName: name }))).LifecycleHooks!.length, 1);
    await expectError(
      asg().send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: name, LifecycleHookName: 'h1', LifecycleActionResult: 'CONTINUE' })),
      'ValidationError',
      /Either LifecycleActionToken or InstanceId/,
    );
  });

  test('a launch hook holds the instance in Pending:Wait until CompleteLifecycleAction CONTINUE', async () => {
    const name = uniq('launch');
    await create(name, { LifecycleHookSpecificationList: [{ LifecycleHookName: 'setup', LifecycleTransition: LAUNCHING, HeartbeatTimeout: 300 }] });
    const [waiting] = await inState(name, ['Pending:Wait']);
    const id = waiting.InstanceId!;
    const [detail] = (await asg().send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [id] }))).AutoScalingInstances!;
    assert.equal(detail.LifecycleState, 'Pending:Wait');
    // EC2 runs it meanwhile; the group holds it
    await until('running', async () => ((await ec().send(new DescribeInstancesCommand({ InstanceIds: [id] }))).Reservations![0].Instances![0].State!.Name === 'running' ? true : undefined));
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await instances(name))[0].LifecycleState, 'Pending:Wait');
    const launch = (await activities(name)).find((a) => a.Description === `Launching a new EC2 instance: ${id}`)!;
    assert.equal(launch.StatusCode, 'MidLifecycleAction');
    await asg().send(new RecordLifecycleActionHeartbeatCommand({ AutoScalingGroupName: name, LifecycleHookName: 'setup', InstanceId: id }));
    await expectError(
      asg().send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: name, LifecycleHookName: 'setup', LifecycleActionToken: '11111111-2222-3333-4444-555555555555', LifecycleActionResult: 'CONTINUE' })),
      'ValidationError',
      /^No active Lifecycle Action found with token 11111111-2222-3333-4444-555555555555$/,
    );
    await expectError(
      asg().send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: name, LifecycleHookName: 'setup', InstanceId: 'i-0123456789abcdef0', LifecycleActionResult: 'CONTINUE' })),
      'ValidationError',
      /^No active Lifecycle Action found with instance ID i-0123456789abcdef0$/,
    );
    // the wait survives a restart
    await server.stop();
    await start();
    assert.equal((await instances(name))[0].LifecycleState, 'Pending:Wait');
    await asg().send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: name, LifecycleHookName: 'setup', InstanceId: id, LifecycleActionResult: 'CONTINUE' }));
    await inState(name, ['InService']);
    const done = (await activities(name)).find((a) => a.ActivityId === launch.ActivityId)!;
    assert.equal(done.StatusCode, 'Successful');
    await expectError(
      asg().send(new RecordLifecycleActionHeartbeatCommand({ AutoScalingGroupName: name, LifecycleHookName: 'setup', InstanceId: id })),
      'ValidationError',
      /No active Lifecycle Action found with instance ID/,
    );
  });

  test('ABANDON terminates the launching instance and the group launches a replacement', async () => {
    const name = uniq('abandon');
    await create(name, { LifecycleHookSpecificationList: [{ LifecycleHookName: 'setup', LifecycleTransition: LAUNCHING }] });
    const [first] = await inState(name, ['Pending:Wait']);
    await asg().send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: name, LifecycleHookName: 'setup', InstanceId: first.InstanceId, LifecycleActionResult: 'ABANDON' }));
    const [second] = await until('a replacement waiting', async () => {
      const all = await instances(name);
      return all.length === 1 && all[0].InstanceId !== first.InstanceId && all[0].LifecycleState === 'Pending:Wait' ? all : undefined;
    });
    assert.notEqual(second.InstanceId, first.InstanceId);
    const state = (await ec().send(new DescribeInstancesCommand({ InstanceIds: [first.InstanceId!] }))).Reservations![0].Instances![0].State!.Name;
    assert.ok(state === 'shutting-down' || state === 'terminated', state);
    const launch = (await activities(name)).find((a) => a.Description === `Launching a new EC2 instance: ${first.InstanceId}`)!;
    assert.equal(launch.StatusCode, 'Cancelled');
    assert.match(launch.StatusMessage!, /^Instance failed to complete user's Lifecycle Action: Lifecycle Action with token [0-9a-f-]{36} was abandoned: Lifecycle Action Completed with ABANDON Result$/);
  });

  test('a terminate hook holds a scale-in in Terminating:Wait; EC2 terminates it once the action completes', async () => {
    const name = uniq('drain');
    await create(name, { DesiredCapacity: 1 });
    const [m] = await inState(name, ['InService']);
    await asg().send(new PutLifecycleHookCommand({ AutoScalingGroupName: name, LifecycleHookName: 'drain', LifecycleTransition: TERMINATING, HeartbeatTimeout: 600 }));
    await asg().send(new SetDesiredCapacityCommand({ AutoScalingGroupName: name, DesiredCapacity: 0 }));
    await inState(name, ['Terminating:Wait']);
    await new Promise((r) => setTimeout(r, 300));
    assert.equal((await ec().send(new DescribeInstancesCommand({ InstanceIds: [m.InstanceId!] }))).Reservations![0].Instances![0].State!.Name, 'running');
    const term = (await activities(name)).find((a) => a.Description === `Terminating EC2 instance: ${m.InstanceId}`)!;
    assert.equal(term.StatusCode, 'MidLifecycleAction');
    await asg().send(new CompleteLifecycleActionCommand({ AutoScalingGroupName: name, LifecycleHookName: 'drain', InstanceId: m.InstanceId, LifecycleActionResult: 'CONTINUE' }));
    await inState(name, []);
    assert.equal((await ec().send(new DescribeInstancesCommand({ InstanceIds: [m.InstanceId!] }))).Reservations![0].Instances![0].State!.Name, 'terminated');
    assert.equal((await activities(name)).find((a) => a.ActivityId === term.ActivityId)!.StatusCode, 'Successful');
  });
});
