// The Recycle Bin for images through @aws-sdk/client-ec2: the operator's retention period
// (/_imago/recycle-bin), DeregisterImage into the bin, ListImagesInRecycleBin (ids, paging),
// RestoreImageFromRecycleBin (state kept, snapshots and name needed, DryRun), tagging in the
// bin, and a restart in between.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateTagsCommand,
  DeleteSnapshotCommand,
  DeregisterImageCommand,
  DescribeImagesCommand,
  DescribeTagsCommand,
  DisableImageCommand,
  ListImagesInRecycleBinCommand,
  RestoreImageFromRecycleBinCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { ALICE, BOB, removeDir, startServer, tempDir, type TestServer } from '../helpers/server.js';
import { ec2 } from '../helpers/clients.js';
import { UNKNOWN_AMI, describeImage, emptySnapshot, expectError, imageName, operatorCall, registerImage, writeImageCredentials } from '../helpers/images.js';

const DAY_MS = 24 * 3600_000;

describe('EC2 images: Recycle Bin', () => {
  let server: TestServer;
  let dir: string;
  let credentials: string;
  let snap: string;
  const alice = (region = 'us-east-1'): EC2Client => ec2(server.url, { account: ALICE, region });
  const bin = async (c = alice(), ImageIds?: string[]) => (await c.send(new ListImagesInRecycleBinCommand({ ImageIds }))).Images!;
  const start = () => startServer({ dataDir: dir, credentials, args: ['--settle-ms', '50'] });
  const retain = (days: number | null, region = 'us-east-1', accountId = ALICE.accountId) => operatorCall(server.url, 'PUT', '/_imago/recycle-bin', { accountId, region, retentionDays: days });

  before(async () => {
    dir = tempDir();
    credentials = writeImageCredentials(dir);
    server = await start();
    snap = await emptySnapshot(alice());
  });
  after(async () => {
    await server.kill();
    removeDir(dir);
  });

  test('the operator endpoint sets and reads the retention period; only operators may', async () => {
    assert.equal((await operatorCall(server.url, 'PUT', '/_imago/recycle-bin', { accountId: ALICE.accountId, region: 'us-east-1', retentionDays: 7 }, undefined, ALICE)).status, 403);
    for (const body of [{ accountId: 'x', region: 'us-east-1', retentionDays: 7 }, { accountId: ALICE.accountId, region: 'mars-1', retentionDays: 7 }, { accountId: ALICE.accountId, region: 'us-east-1', retentionDays: 0 }, { accountId: ALICE.accountId, region: 'us-east-1', retentionDays: 366 }]) {
      assert.equal((await operatorCall(server.url, 'PUT', '/_imago/recycle-bin', body)).status, 400, JSON.stringify(body));
    }
    const get = () => operatorCall(server.url, 'GET', '/_imago/recycle-bin', undefined, `accountId=${ALICE.accountId}&region=us-east-1`);
    assert.equal((await get()).body.retentionDays, null);
    assert.equal((await retain(7)).status, 200);
    assert.equal((await get()).body.retentionDays, 7);
  });

  test('with a retention period, a deregistered image goes to the bin and can be restored as it was', async () => {
    await retain(7);
    const name = imageName('binned');
    const id = await registerImage(alice(), snap, { Name: name, Description: 'keep me' });
    const before = Date.now();
    await alice().send(new DeregisterImageCommand({ ImageId: id }));
    const [entry] = await bin(alice(), [id]);
    assert.equal(entry.ImageId, id);
    assert.equal(entry.Name, name);
    assert.equal(entry.Description, 'keep me');
    assert.ok(entry.RecycleBinEnterTime!.getTime() >= before - 1000);
    assert.equal(entry.RecycleBinExitTime!.getTime() - entry.RecycleBinEnterTime!.getTime(), 7 * DAY_MS);
    // not an image any more: DescribeImages does not know it, its name is free, its snapshot too
    await expectError(alice().send(new DescribeImagesCommand({ ImageIds: [id] })), 'InvalidAMIID.NotFound');
    assert.ok(!((await alice().send(new DescribeImagesCommand({ Owners: ['self'] }))).Images ?? []).some((i) => i.ImageId === id));
    const tags = await alice().send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [id] }] }));
    assert.deepEqual(tags.Tags!.map((t) => [t.Key, t.Value]), [['aws:recycle-bin:resource-in-bin', 'true']]);
    // in the bin it can be tagged
    await alice().send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'Why', Value: 'oops' }] }));
    await expectError(alice().send(new RestoreImageFromRecycleBinCommand({ ImageId: id, DryRun: true })), 'DryRunOperation', undefined, 412);
    assert.equal((await alice().send(new RestoreImageFromRecycleBinCommand({ ImageId: id }))).Return, true);
    const back = (await describeImage(alice(), id))!;
    assert.equal(back.State, 'available');
    assert.equal(back.Name, name);
    assert.deepEqual(back.Tags, [{ Key: 'Why', Value: 'oops' }]);
    assert.deepEqual(await bin(alice(), [id]), []);
    await expectError(alice().send(new RestoreImageFromRecycleBinCommand({ ImageId: id })), 'InvalidAMIID.NotFound');
  });

  test('a disabled image comes back disabled; a restore needs its name free and its snapshots present', async () => {
    await retain(3);
    const disabled = await registerImage(alice(), snap);
    await alice().send(new DisableImageCommand({ ImageId: disabled }));
    await alice().send(new DeregisterImageCommand({ ImageId: disabled }));
    await alice().send(new RestoreImageFromRecycleBinCommand({ ImageId: disabled }));
    assert.equal((await describeImage(alice(), disabled, { IncludeDisabled: true }))!.State, 'disabled');

    const name = imageName('taken');
    const first = await registerImage(alice(), snap, { Name: name });
    await alice().send(new DeregisterImageCommand({ ImageId: first }));
    const second = await registerImage(alice(), snap, { Name: name });
    await expectError(alice().send(new RestoreImageFromRecycleBinCommand({ ImageId: first })), 'InvalidAMIName.Duplicate', new RegExp(`in use by AMI ${second}`));
    await alice().send(new DeregisterImageCommand({ ImageId: second }));
    await alice().send(new RestoreImageFromRecycleBinCommand({ ImageId: first }));

    const own = await emptySnapshot(alice());
    const gone = await registerImage(alice(), own);
    const out = await alice().send(new DeregisterImageCommand({ ImageId: gone, DeleteAssociatedSnapshots: true }));
    assert.deepEqual(out.DeleteSnapshotResults, [{ SnapshotId: own, ReturnCode: 'success' }]);
    await expectError(alice().send(new RestoreImageFromRecycleBinCommand({ ImageId: gone })), 'IncorrectState', /snapshot/);

    // an image in the bin holds no snapshot
    const s = await emptySnapshot(alice());
    const holder = await registerImage(alice(), s);
    await alice().send(new DeregisterImageCommand({ ImageId: holder }));
    await alice().send(new DeleteSnapshotCommand({ SnapshotId: s }));
  });

  test('ListImagesInRecycleBin: ids, paging, malformed and unknown ids; other accounts and regions see nothing', async () => {
    await retain(5, 'eu-north-1');
    const c = alice('eu-north-1');
    const s = await emptySnapshot(c);
    const made: string[] = [];
    for (let i = 0; i < 3; i++) {
      const id = await registerImage(c, s);
      await c.send(new DeregisterImageCommand({ ImageId: id }));
      made.push(id);
    }
    assert.deepEqual((await bin(c)).map((i) => i.ImageId).sort(), [...made].sort());
    const page = await c.send(new ListImagesInRecycleBinCommand({ MaxResults: 2 }));
    assert.equal(page.Images!.length, 2);
    const rest = await c.send(new ListImagesInRecycleBinCommand({ MaxResults: 2, NextToken: page.NextToken }));
    assert.equal(rest.Images!.length, 1);
    assert.equal(rest.NextToken, undefined);
    assert.deepEqual(await bin(c, [UNKNOWN_AMI]), []);
    await expectError(bin(c, ['ami-nope']), 'InvalidAMIID.Malformed');
    await expectError(bin(c, Array.from({ length: 21 }, (_, i) => `ami-${String(i).padStart(17, '0')}`)), 'InvalidParameterValue', /20/);
    await expectError(c.send(new ListImagesInRecycleBinCommand({ ImageIds: [made[0]], MaxResults: 5 })), 'InvalidParameterCombination');
    assert.deepEqual(await bin(ec2(server.url, { account: BOB, region: 'eu-north-1' })), []);
    assert.deepEqual(await bin(alice('eu-west-3')), []);
    await expectError(ec2(server.url, { account: BOB, region: 'eu-north-1' }).send(new RestoreImageFromRecycleBinCommand({ ImageId: made[0] })), 'InvalidAMIID.NotFound');
  });

  test('without a retention period images are simply deregistered; the bin survives a restart', async () => {
    await retain(null, 'sa-east-1');
    const c = alice('sa-east-1');
    const s = await emptySnapshot(c);
    const plain = await registerImage(c, s);
    await c.send(new DeregisterImageCommand({ ImageId: plain }));
    assert.deepEqual(await bin(c), []);
    assert.equal((await describeImage(c, plain))!.State, 'deregistered');

    await retain(2);
    const kept = await registerImage(alice(), snap);
    await alice().send(new DeregisterImageCommand({ ImageId: kept }));
    await server.kill();
    server = await start();
    assert.deepEqual((await bin(alice(), [kept])).map((i) => i.ImageId), [kept]);
    await alice().send(new RestoreImageFromRecycleBinCommand({ ImageId: kept }));
    assert.equal((await describeImage(alice(), kept))!.State, 'available');
  });
});
