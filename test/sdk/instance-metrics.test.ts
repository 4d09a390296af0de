// The metrics Imago emits itself (issue 13 §2) through the SDKs, with the `none` driver and a
// 1-second metrics period: detailed monitoring switched by MonitorInstances/UnmonitorInstances
// (RunInstances' Monitoring.Enabled, DescribeInstances' Monitoring.State, DryRun, errors).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { MonitorInstancesCommand, TerminateInstancesCommand, UnmonitorInstancesCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { ALICE, BOB, startServer, tempDir, writeCredentials, type TestServer } from '../helpers/server.js';
import { ec2, expectAwsError } from '../helpers/clients.js';
import { until } from '../helpers/until.js';
import { describeInstance, instanceIn, launchableImage, runOne } from '../helpers/instances.js';

const UNKNOWN_INSTANCE = 'i-0123456789abcdef0';

describe('instance metrics', () => {
  let server: TestServer;
  let alice: EC2Client;
  let bob: EC2Client;
  let image: string;

  before(async () => {
    const dir = tempDir();
    server = await startServer({ credentials: writeCredentials(dir), args: ['--settle-ms', '300', '--metrics-period-seconds', '1'] });
    alice = ec2(server.url, { account: ALICE });
    bob = ec2(server.url, { account: BOB });
    image = await launchableImage(alice);
  });
  after(async () => {
    await server?.stop();
  });

  test('MonitorInstances and UnmonitorInstances switch detailed monitoring (pending/disabling, then enabled/disabled)', async () => {
    const launched = await runOne(alice, image, { Monitoring: { Enabled: false } });
    const id = launched.InstanceId!;
    assert.equal(launched.Monitoring?.State, 'disabled');
    await instanceIn(alice, id, 'running');
    const on = await alice.send(new MonitorInstancesCommand({ InstanceIds: [id] }));
    assert.deepEqual(on.InstanceMonitorings, [{ InstanceId: id, Monitoring: { State: 'pending' } }]);
    await until('monitoring enabled', async () => ((await describeInstance(alice, id))?.Monitoring?.State === 'enabled' ? true : undefined));
    const again = await alice.send(new MonitorInstancesCommand({ InstanceIds: [id] }));
    assert.equal(again.InstanceMonitorings?.[0].Monitoring?.State, 'enabled');
    const off = await alice.send(new UnmonitorInstancesCommand({ InstanceIds: [id] }));
    assert.deepEqual(off.InstanceMonitorings, [{ InstanceId: id, Monitoring: { State: 'disabling' } }]);
    await until('monitoring disabled', async () => ((await describeInstance(alice, id))?.Monitoring?.State === 'disabled' ? true : undefined));
  });

  test('RunInstances Monitoring.Enabled launches with detailed monitoring', async () => {
    const launched = await runOne(alice, image, { Monitoring: { Enabled: true } });
    assert.equal(launched.Monitoring?.State, 'enabled');
  });

  test('errors: unknown, malformed, another account, terminated, DryRun', async () => {
    await expectAwsError(alice.send(new MonitorInstancesCommand({ InstanceIds: [UNKNOWN_INSTANCE] })), 'InvalidInstanceID.NotFound', /does not exist/);
    await expectAwsError(alice.send(new UnmonitorInstancesCommand({ InstanceIds: ['i-xyz'] })), 'InvalidInstanceID.Malformed');
    const mine = (await runOne(alice, image)).InstanceId!;
    await expectAwsError(bob.send(new MonitorInstancesCommand({ InstanceIds: [mine] })), 'InvalidInstanceID.NotFound');
    await expectAwsError(alice.send(new MonitorInstancesCommand({ InstanceIds: [mine], DryRun: true })), 'DryRunOperation', undefined, 412);
    assert.equal((await describeInstance(alice, mine))?.Monitoring?.State, 'disabled');
    await alice.send(new TerminateInstancesCommand({ InstanceIds: [mine] }));
    await instanceIn(alice, mine, 'terminated');
    await expectAwsError(alice.send(new MonitorInstancesCommand({ InstanceIds: [mine] })), 'IncorrectInstanceState');
  });
});
