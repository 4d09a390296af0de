// Scheduled actions through @aws-sdk/client-auto-scaling against a real server process: an
// action a few seconds ahead changes the group's capacity on time and the launches carry AWS's
// scheduled-action cause; a one-time action is deleted after it runs, a recurring one moves to
// its next occurrence; recurrence with a time zone is stored; every validation error; Batch
// Put/Delete with their failures; paging; suspended ScheduledActions skip; an action survives a
// restart and runs after it.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import {
  AutoScalingClient,
  BatchDeleteScheduledActionCommand,
  BatchPutScheduledUpdateGroupActionCommand,
  CreateAutoScalingGroupCommand,
  DeleteScheduledActionCommand,
  DescribeAutoScalingGroupsCommand,
  DescribeScalingActivitiesCommand,
  DescribeScheduledActionsCommand,
  PutScheduledUpdateGroupActionCommand,
  SuspendProcessesCommand,
} from '@aws-sdk/client-auto-scaling';
import { CreateLaunchTemplateCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { ALICE, removeDir, startServer, tempDir, writeCredentials, type TestServer } from '../helpers/server.js';
import { autoscaling, ec2 } from '../helpers/clients.js';
import { until } from '../helpers/until.js';
import { emptySnapshot, expectError, registerImage } from '../helpers/images.js';

describe('Auto Scaling scheduled actions', () => {
  let server: TestServer;
  let dir: string;
  let ltId: string;
  const asg = (): AutoScalingClient => autoscaling(server.url, { account: ALICE, region: 'us-east-1' });
  const ec = (): EC2Client => ec2(server.url, { account: ALICE });
  const start = async () => {
    server = await startServer({ dataDir: dir, credentials: join(dir, 'credentials'), args: ['--settle-ms', '50'] });
  };
  const group = async (name: string) => (await asg().send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [name] }))).AutoScalingGroups![0];
  const actions = async (name: string) => (await asg().send(new DescribeScheduledActionsCommand({ AutoScalingGroupName: name }))).ScheduledUpdateGroupActions!;
  const createGroup = (name: string) =>
    asg().send(new CreateAutoScalingGroupCommand({ AutoScalingGroupName: name, MinSize: 0, MaxSize: 1, DesiredCapacity: 0, AvailabilityZones: ['us-east-1a'], LaunchTemplate: { LaunchTemplateId: ltId } }));
  const inSeconds = (s: number) => new Date(Math.ceil((Date.now() + s * 1000) / 1000) * 1000);
  // the timed actions of several tests are put together, so their waits overlap
  let when: Date;

  before(async () => {
    dir = tempDir();
    writeCredentials(dir);
    await start();
    const ami = await registerImage(ec(), await emptySnapshot(ec()));
    const lt = await ec().send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'sched', LaunchTemplateData: { ImageId: ami, InstanceType: 't3.micro' } }));
    ltId = lt.LaunchTemplate!.LaunchTemplateId!;
    for (const g of ['sched-a', 'sched-b', 'sched-c', 'sched-d', 'sched-e']) await createGroup(g);
    await asg().send(new SuspendProcessesCommand({ AutoScalingGroupName: 'sched-c', ScalingProcesses: ['ScheduledActions'] }));
    // far enough ahead for the three puts and the first look to come before it on a loaded machine
    when = inSeconds(5);
    await asg().send(new PutScheduledUpdateGroupActionCommand({ AutoScalingGroupName: 'sched-a', ScheduledActionName: 'grow', StartTime: when, MinSize: 1, MaxSize: 3, DesiredCapacity: 2 }));
    await asg().send(new PutScheduledUpdateGroupActionCommand({ AutoScalingGroupName: 'sched-b', ScheduledActionName: 'every-minute', StartTime: when, Recurrence: '* * * * *', MaxSize: 2 }));
    await asg().send(new PutScheduledUpdateGroupActionCommand({ AutoScalingGroupName: 'sched-c', ScheduledActionName: 'skipped', StartTime: when, MaxSize: 4 }));
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  test('a one-time action changes the capacity on time, its launches carry the cause, then it is gone', async () => {
    const [stored] = await actions('sched-a');
    assert.equal(stored.StartTime!.toISOString(), when.toISOString());
    assert.match(stored.ScheduledActionARN!, /^arn:aws:autoscaling:us-east-1:111111111111:scheduledUpdateGroupAction:[0-9a-f-]{36}:autoScalingGroupName\/sched-a:scheduledActionName\/grow$/);
    assert.equal((await group('sched-a')).DesiredCapacity, 0);
    const g = await until('the scheduled capacity', async () => {
      const g = await group('sched-a');
      return g.DesiredCapacity === 2 ? g : undefined;
    }, 480);
    const late = Date.now() - when.getTime();
    assert.ok(late >= 0 && late < 5000, `ran ${late} ms after its time`);
    assert.equal(g.MinSize, 1);
    assert.equal(g.MaxSize, 3);
    const stamp = when.toISOString().replace(/\.\d{3}Z$/, 'Z');
    const launches = await until('two launches', async () => {
      const a = (await asg().send(new DescribeScalingActivitiesCommand({ AutoScalingGroupName: 'sched-a' }))).Activities!;
      return a.length >= 2 ? a : undefined;
    });
    for (const a of launches) {
      assert.ok(
        a.Cause!.startsWith(`At ${stamp} a scheduled action update of AutoScalingGroup constraints to min: 1, max: 3, desired: 2 changing the desired capacity from 0 to 2.  At `),
        a.Cause,
      );
      assert.match(a.Cause!, /an instance was started in response to a difference between desired and actual capacity, increasing the capacity from 0 to 2\.$/);
    }
    assert.deepEqual(await actions('sched-a'), []);
  });

  test('recurrence with a time zone is stored with its next occurrence; a recurring action runs and stays', async () => {
    await asg().send(new PutScheduledUpdateGroupActionCommand({ AutoScalingGroupName: 'sched-b', ScheduledActionName: 'weekday-mornings', Recurrence: '0 9 * * MON-FRI', TimeZone: 'Europe/Paris', MinSize: 0, MaxSize: 1 }));
    const mornings = async () => (await actions('sched-b')).find((x) => x.ScheduledActionName === 'weekday-mornings')!;
    let a = await mornings();
    assert.equal(a.Recurrence, '0 9 * * MON-FRI');
    assert.equal(a.TimeZone, 'Europe/Paris');
    assert.ok(a.StartTime! > new Date());
    const paris = new Intl.DateTimeFormat('en-GB', { timeZone: 'Europe/Paris', hour: '2-digit', minute: '2-digit', weekday: 'short' }).format(a.StartTime);
    assert.match(paris, /^(Mon|Tue|Wed|Thu|Fri) 09:00$/);
    // an update keeps what it does not name
    await asg().send(new PutScheduledUpdateGroupActionCommand({ AutoScalingGroupName: 'sched-b', ScheduledActionName: 'weekday-mornings', DesiredCapacity: 1 }));
    a = await mornings();
    assert.equal(a.Recurrence, '0 9 * * MON-FRI');
    assert.equal(a.DesiredCapacity, 1);
    assert.equal(a.MaxSize, 1);

    // a start time and a recurrence (put in before()): it runs at the start time, then waits for the next minute
    await until('the recurring action', async () => ((await group('sched-b')).MaxSize === 2 ? true : undefined), 240);
    const after = (await actions('sched-b')).find((x) => x.ScheduledActionName === 'every-minute')!;
    assert.ok(after.StartTime! > when);
    assert.equal(after.StartTime!.getUTCSeconds(), 0);
  });

  test('validation errors', async () => {
    const put = (extra: Record<string, unknown>) => asg().send(new PutScheduledUpdateGroupActionCommand({ AutoScalingGroupName: 'sched-c', ScheduledActionName: 'x', ...extra }));
    await expectError(put({ StartTime: new Date(Date.now() - 3600_000), DesiredCapacity: 1 }), 'ValidationError', /^Given start time is in the past$/);
    await expectError(put({ StartTime: inSeconds(600) }), 'ValidationError', /at least one of the following properties: MaxSize, MinSize, or DesiredCapacity/);
    await expectError(put({ Recurrence: '61 * * * *', DesiredCapacity: 1 }), 'ValidationError', /recurrence/);
    await expectError(put({ Recurrence: '0 * * *', DesiredCapacity: 1 }), 'ValidationError', /recurrence/);
    await expectError(put({ Recurrence: '0 9 * * *', TimeZone: 'Mars/Olympus', DesiredCapacity: 1 }), 'ValidationError', /time zone/);
    await expectError(put({ StartTime: inSeconds(600), EndTime: inSeconds(300), Recurrence: '0 9 * * *', DesiredCapacity: 1 }), 'ValidationError', /end time is before start time/);
    await expectError(put({ StartTime: inSeconds(600), MinSize: 3, MaxSize: 1 }), 'ValidationError', /minimum size/);
    await expectError(asg().send(new PutScheduledUpdateGroupActionCommand({ AutoScalingGroupName: 'nope', ScheduledActionName: 'x', DesiredCapacity: 1, StartTime: inSeconds(600) })), 'ValidationError', /AutoScalingGroup name not found/);
    await expectError(asg().send(new DeleteScheduledActionCommand({ AutoScalingGroupName: 'sched-c', ScheduledActionName: 'ghost' })), 'ValidationError', /ghost/);
    await expectError(asg().send(new DescribeScheduledActionsCommand({ AutoScalingGroupName: 'nope' })), 'ValidationError', /not found/);
  });

  test('BatchPut/BatchDelete report their failures; Describe filters and pages', async () => {
    const later = inSeconds(3600);
    const put = await asg().send(
      new BatchPutScheduledUpdateGroupActionCommand({
        AutoScalingGroupName: 'sched-e',
        ScheduledUpdateGroupActions: [
          { ScheduledActionName: 'a1', StartTime: later, DesiredCapacity: 1 },
          { ScheduledActionName: 'a2', StartTime: new Date(later.getTime() + 3600_000), DesiredCapacity: 0 },
          { ScheduledActionName: 'a3', Recurrence: '0 0 1 1 *', MaxSize: 1 },
          { ScheduledActionName: 'bad', StartTime: new Date(Date.now() - 60_000), DesiredCapacity: 1 },
        ],
      }),
    );
    assert.deepEqual(put.FailedScheduledUpdateGroupActions, [{ ScheduledActionName: 'bad', ErrorCode: 'ValidationError', ErrorMessage: 'Given start time is in the past' }]);
    const first = await asg().send(new DescribeScheduledActionsCommand({ AutoScalingGroupName: 'sched-e', MaxRecords: 2 }));
    assert.deepEqual(first.ScheduledUpdateGroupActions!.map((a) => a.ScheduledActionName), ['a1', 'a2']);
    const rest = await asg().send(new DescribeScheduledActionsCommand({ AutoScalingGroupName: 'sched-e', MaxRecords: 2, NextToken: first.NextToken }));
    assert.deepEqual(rest.ScheduledUpdateGroupActions!.map((a) => a.ScheduledActionName), ['a3']);
    const window = await asg().send(new DescribeScheduledActionsCommand({ AutoScalingGroupName: 'sched-e', StartTime: new Date(later.getTime() - 1000), EndTime: new Date(later.getTime() + 1000) }));
    assert.deepEqual(window.ScheduledUpdateGroupActions!.map((a) => a.ScheduledActionName), ['a1']);
    const byName = await asg().send(new DescribeScheduledActionsCommand({ ScheduledActionNames: ['a2', 'a3'], StartTime: new Date(later.getTime() - 1000), EndTime: new Date(later.getTime() + 1000) }));
    assert.deepEqual(byName.ScheduledUpdateGroupActions!.map((a) => a.ScheduledActionName), ['a2', 'a3']);
    const del = await asg().send(new BatchDeleteScheduledActionCommand({ AutoScalingGroupName: 'sched-e', ScheduledActionNames: ['a1', 'ghost'] }));
    assert.equal(del.FailedScheduledActions!.length, 1);
    assert.equal(del.FailedScheduledActions![0].ScheduledActionName, 'ghost');
    await asg().send(new DeleteScheduledActionCommand({ AutoScalingGroupName: 'sched-e', ScheduledActionName: 'a2' }));
    assert.deepEqual((await actions('sched-e')).map((a) => a.ScheduledActionName), ['a3']);
  });

  test('a suspended ScheduledActions process skips the action', async () => {
    await until('the skipped action gone', async () => ((await actions('sched-c')).some((a) => a.ScheduledActionName === 'skipped') ? undefined : true), 200);
    assert.equal((await group('sched-c')).MaxSize, 1);
  });

  test('an action survives a restart and runs after it', async () => {
    const at = inSeconds(2);
    await asg().send(new PutScheduledUpdateGroupActionCommand({ AutoScalingGroupName: 'sched-d', ScheduledActionName: 'after-restart', StartTime: at, MaxSize: 5 }));
    await server.stop();
    await start();
    await until('the action after the restart', async () => ((await group('sched-d')).MaxSize === 5 ? true : undefined), 400);
    assert.ok(Date.now() >= at.getTime());
    assert.deepEqual(await actions('sched-d'), []);
  });
});
