// CopyImage through @aws-sdk/client-ec2 against a real server (verified mode, ALICE and BOB):
// same-region and cross-region copies whose snapshots read back the same bytes (EBS direct
// APIs), what a copy carries (properties, new snapshots with AWS's description, no launch
// permissions, tags only as asked), every parameter error, ClientToken idempotency,
// encryption (Encrypted/KmsKeyId, the default key, an unusable key ending in `failed`), copies
// of another account's image (storage permission, its key), GetImageAncestry along the chain,
// and a copy interrupted by kill -9 that finishes after the restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CopyImageCommand,
  CreateTagsCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  DisableImageCommand,
  GetImageAncestryCommand,
  ModifyImageAttributeCommand,
  ModifySnapshotAttributeCommand,
  waitUntilImageAvailable,
  type CopyImageCommandInput,
  type EC2Client,
  type Image,
} from '@aws-sdk/client-ec2';
import { CreateKeyCommand, DescribeKeyCommand } from '@aws-sdk/client-kms';
import { ALICE, BOB, removeDir, startServer, tempDir, type TestAccount, type TestServer } from '../helpers/server.js';
import { ebs, ec2, kms } from '../helpers/clients.js';
import { UNKNOWN_AMI, blockOf, describeImage, expectError, imageName, imageSettled, readSnapshot, registerImage, snapshotWithData, writeImageCredentials } from '../helpers/images.js';

const A = ALICE.accountId;
const B = BOB.accountId;

describe('EC2 CopyImage', () => {
  let server: TestServer;
  let dir: string;
  let credentials: string;
  let data: Map<number, Buffer>;
  let snap: string;
  let source: string;
  const client = (account: TestAccount = ALICE, region = 'us-east-1'): EC2Client => ec2(server.url, { account, region });
  const alice = (region = 'us-east-1') => client(ALICE, region);
  const bob = (region = 'us-east-1') => client(BOB, region);
  const copy = async (c: EC2Client, input: Partial<CopyImageCommandInput> = {}) =>
    (await c.send(new CopyImageCommand({ Name: imageName('copy'), SourceImageId: source, SourceRegion: 'us-east-1', ...input }))).ImageId!;
  const available = async (c: EC2Client, id: string): Promise<Image> => {
    const image = await imageSettled(c, id);
    assert.equal(image.State, 'available', `${id}: ${JSON.stringify(image.StateReason)}`);
    return image;
  };
  const snapshotOf = (image: Image, device = '/dev/xvda') => image.BlockDeviceMappings!.find((m) => m.DeviceName === device)!.Ebs!.SnapshotId!;
  const start = (settleMs = 50) => startServer({ dataDir: dir, credentials, args: ['--settle-ms', String(settleMs)] });

  before(async () => {
    dir = tempDir();
    credentials = writeImageCredentials(dir);
    server = await start();
    data = new Map([
      [0, blockOf('boot sector')],
      [3, blockOf('block three')],
      [2047, blockOf('last block of 1 GiB')],
    ]);
    snap = await snapshotWithData(ebs(server.url, { account: ALICE }), alice(), data);
    source = await registerImage(alice(), snap, {
      Name: imageName('source'),
      Description: 'the source',
      Architecture: 'arm64',
      BootMode: 'uefi',
      EnaSupport: true,
      ImdsSupport: 'v2.0',
      BlockDeviceMappings: [
        { DeviceName: '/dev/xvda', Ebs: { SnapshotId: snap, VolumeSize: 4, VolumeType: 'gp3', DeleteOnTermination: false } },
        { DeviceName: '/dev/sdb', VirtualName: 'ephemeral0' },
        { DeviceName: '/dev/sdc', Ebs: { VolumeSize: 2 } },
      ],
      TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'Version', Value: '1.0' }, { Key: 'Team', Value: 'core' }] }],
    });
  });
  after(async () => {
    await server.kill();
    removeDir(dir);
  });

  test('a same-region copy: a new image with the same properties and its own snapshots holding the same bytes', async () => {
    await alice().send(new ModifyImageAttributeCommand({ ImageId: source, LaunchPermission: { Add: [{ UserId: B }] } }));
    const name = imageName('same');
    const id = await copy(alice(), { Name: name, Description: 'copied' });
    assert.notEqual(id, source);
    const first = (await describeImage(alice(), id))!;
    assert.ok(['pending', 'available'].includes(first.State!), 'describable at once');
    await waitUntilImageAvailable({ client: alice(), maxWaitTime: 30, minDelay: 1, maxDelay: 1 }, { ImageIds: [id] });
    const image = await available(alice(), id);
    const src = (await describeImage(alice(), source))!;
    assert.equal(image.OwnerId, A);
    assert.equal(image.Name, name);
    assert.equal(image.Description, 'copied');
    assert.equal(image.ImageLocation, `${A}/${name}`);
    assert.equal(image.SourceImageId, source);
    assert.equal(image.SourceImageRegion, 'us-east-1');
    for (const k of ['Architecture', 'BootMode', 'EnaSupport', 'ImdsSupport', 'VirtualizationType', 'RootDeviceName', 'RootDeviceType', 'Hypervisor', 'PlatformDetails', 'UsageOperation'] as const) {
      assert.deepEqual(image[k], src[k], k);
    }
    assert.equal(image.Public, false);
    assert.equal(image.DeprecationTime, undefined);
    assert.equal(image.Tags, undefined, 'tags are copied only when asked');
    assert.deepEqual((await alice().send(new DescribeImageAttributeCommand({ ImageId: id, Attribute: 'launchPermission' }))).LaunchPermissions, [], 'launch permissions are not copied');
    const copied = snapshotOf(image);
    assert.notEqual(copied, snap);
    assert.deepEqual(image.BlockDeviceMappings, [
      { DeviceName: '/dev/xvda', Ebs: { SnapshotId: copied, VolumeSize: 4, VolumeType: 'gp3', DeleteOnTermination: false, Encrypted: false } },
      { DeviceName: '/dev/sdb', VirtualName: 'ephemeral0' },
      { DeviceName: '/dev/sdc', Ebs: { VolumeSize: 2, VolumeType: 'gp2', DeleteOnTermination: true, Encrypted: false } },
    ]);
    const [s] = (await alice().send(new DescribeSnapshotsCommand({ SnapshotIds: [copied] }))).Snapshots!;
    assert.equal(s.OwnerId, A);
    assert.equal(s.VolumeId, 'vol-ffffffff');
    assert.match(s.Description!, new RegExp(`^Copied for DestinationAmi ${id} from SourceAmi ${source} for SourceSnapshot ${snap}\\. Task created on \\d{13}\\.$`));
    assert.deepEqual(await readSnapshot(ebs(server.url, { account: ALICE }), copied), data);
  });

  test('a cross-region copy is made in the destination region, may keep the name, and reads back the same bytes', async () => {
    const srcName = (await describeImage(alice(), source))!.Name!;
    const id = await copy(alice('us-west-2'), { Name: srcName });
    const image = await available(alice('us-west-2'), id);
    assert.equal(image.SourceImageRegion, 'us-east-1');
    assert.equal(image.SourceImageId, source);
    await expectError(alice().send(new DescribeImagesCommand({ ImageIds: [id] })), 'InvalidAMIID.NotFound', undefined);
    const copied = snapshotOf(image);
    assert.deepEqual(await readSnapshot(ebs(server.url, { account: ALICE, region: 'us-west-2' }), copied), data);
    // ancestry crosses regions: a copy of the copy, back in us-east-1
    const again = await copy(alice(), { SourceImageId: id, SourceRegion: 'us-west-2' });
    await available(alice(), again);
    const chain = (await alice().send(new GetImageAncestryCommand({ ImageId: again }))).ImageAncestryEntries!;
    assert.deepEqual(
      chain.map((e) => [e.ImageId, e.SourceImageId, e.SourceImageRegion]),
      [
        [again, id, 'us-west-2'],
        [id, source, 'us-east-1'],
        [source, undefined, undefined],
      ],
    );
    assert.deepEqual(await readSnapshot(ebs(server.url, { account: ALICE }), snapshotOf(await available(alice(), again))), data);
  });

  test('tags: CopyImageTags copies the caller\'s own tags; TagSpecifications tag the image and every new snapshot', async () => {
    const id = await copy(alice(), {
      CopyImageTags: true,
      TagSpecifications: [
        { ResourceType: 'image', Tags: [{ Key: 'Version', Value: '1.1' }] },
        { ResourceType: 'snapshot', Tags: [{ Key: 'Copy', Value: 'yes' }] },
      ],
    });
    const image = await available(alice(), id);
    assert.deepEqual(
      image.Tags!.sort((a, b) => a.Key!.localeCompare(b.Key!)),
      [
        { Key: 'Team', Value: 'core' },
        { Key: 'Version', Value: '1.1' },
      ],
    );
    const [s] = (await alice().send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotOf(image)] }))).Snapshots!;
    assert.deepEqual(s.Tags, [{ Key: 'Copy', Value: 'yes' }]);
    await expectError(copy(alice(), { TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'a', Value: 'b' }] }] }), 'InvalidParameterValue');
  });

  test('every parameter error', async () => {
    await expectError(copy(alice(), { SourceRegion: 'mars-1' }), 'InvalidRegion');
    await expectError(copy(alice(), { KmsKeyId: 'alias/aws/ebs' }), 'InvalidParameterDependency', /^The parameter KmsKeyId requires the parameter Encrypted to be set\.$/);
    await expectError(copy(alice(), { SourceImageId: UNKNOWN_AMI }), 'InvalidAMIID.NotFound');
    await expectError(copy(alice(), { SourceImageId: 'ami-nothex' }), 'InvalidAMIID.Malformed');
    await expectError(copy(alice(), { SourceRegion: 'eu-west-1' }), 'InvalidAMIID.NotFound', undefined);
    await expectError(copy(alice(), { DestinationAvailabilityZone: 'us-east-1-bos-1a' }), 'UnsupportedOperation');
    await expectError(copy(alice(), { DestinationOutpostArn: 'arn:aws:outposts:us-east-1:111111111111:outpost/op-1234567890abcdef0', DestinationAvailabilityZoneId: 'use1-bos1-az1' }), 'InvalidParameterCombination');
    await expectError(copy(alice(), { SnapshotCopyCompletionDurationMinutes: 20 }), 'InvalidParameterValue');
    await available(alice(), await copy(alice(), { SnapshotCopyCompletionDurationMinutes: 30 }));
    await expectError(copy(alice(), { Name: 'x' }), 'InvalidAMIName.Malformed');
    await expectError(copy(alice(), { Description: 'd'.repeat(256) }), 'InvalidParameterValue');
    const taken = imageName('taken');
    const first = await copy(alice(), { Name: taken });
    await expectError(copy(alice(), { Name: taken }), 'InvalidAMIName.Duplicate', new RegExp(`in use by AMI ${first}`));
    const disabled = await registerImage(alice(), snap);
    await alice().send(new DisableImageCommand({ ImageId: disabled }));
    await expectError(copy(alice(), { SourceImageId: disabled }), 'InvalidAMIID.Unavailable');
    const name = imageName('dry');
    await expectError(copy(alice(), { Name: name, DryRun: true }), 'DryRunOperation', undefined, 412);
    assert.deepEqual((await alice().send(new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: [name] }] }))).Images, []);
  });

  test('ClientToken: a retry gets the same image; other parameters are a mismatch; DryRun does not use the token', async () => {
    const token = `token-${Date.now()}`;
    const name = imageName('idem');
    await expectError(copy(alice(), { Name: name, ClientToken: token, DryRun: true }), 'DryRunOperation', undefined, 412);
    const id = await copy(alice(), { Name: name, ClientToken: token });
    assert.equal(await copy(alice(), { Name: name, ClientToken: token }), id);
    await expectError(copy(alice(), { Name: name, ClientToken: token, Description: 'other' }), 'IdempotentParameterMismatch');
    const found = (await alice().send(new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: [name] }] }))).Images!;
    assert.deepEqual(found.map((i) => i.ImageId), [id]);
    // tokens are per region
    const west = await copy(alice('us-west-2'), { Name: name, ClientToken: token });
    assert.notEqual(west, id);
  });

  test('encryption: Encrypted uses the default key or KmsKeyId; an unusable key fails the image asynchronously', async () => {
    const keys = kms(server.url, { account: ALICE });
    const key = (await keys.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    const withKey = await available(alice(), await copy(alice(), { Encrypted: true, KmsKeyId: key }));
    assert.equal(withKey.BlockDeviceMappings![0].Ebs!.Encrypted, true);
    const [s1] = (await alice().send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotOf(withKey)] }))).Snapshots!;
    assert.equal(s1.Encrypted, true);
    assert.equal(s1.KmsKeyId, key);
    assert.deepEqual(await readSnapshot(ebs(server.url, { account: ALICE }), s1.SnapshotId!), data);

    const byDefault = await available(alice(), await copy(alice(), { Encrypted: true }));
    const [s2] = (await alice().send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotOf(byDefault)] }))).Snapshots!;
    const managed = (await keys.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' }))).KeyMetadata!.Arn!;
    assert.equal(s2.KmsKeyId, managed);
    assert.deepEqual(await readSnapshot(ebs(server.url, { account: ALICE }), s2.SnapshotId!), data);

    // an encrypted image never copies to an unencrypted one
    const again = await available(alice(), await copy(alice(), { SourceImageId: withKey.ImageId }));
    const [s3] = (await alice().send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotOf(again)] }))).Snapshots!;
    assert.equal(s3.Encrypted, true);

    const bad = await copy(alice(), { Encrypted: true, KmsKeyId: 'alias/does-not-exist' });
    const failed = await imageSettled(alice(), bad);
    assert.equal(failed.State, 'failed');
    assert.ok(failed.StateReason?.Code);
    assert.match(failed.StateReason!.Message!, /NotFoundException/);
    assert.deepEqual(
      (await alice().send(new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'state', Values: ['failed'] }, { Name: 'image-id', Values: [bad] }] }))).Images!.map((i) => i.ImageId),
      [bad],
    );
    // the SDK's image-available waiter fails at once on a failed image
    await assert.rejects(waitUntilImageAvailable({ client: alice(), maxWaitTime: 10, minDelay: 1, maxDelay: 1 }, { ImageIds: [bad] }), /"state":"FAILURE"/);
  });

  test("another account's image: visible is not enough, its storage must be shared too; the copy is the caller's own", async () => {
    const shared = await registerImage(alice(), snap, { TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'AliceTag', Value: 'x' }] }] });
    await expectError(copy(bob(), { SourceImageId: shared }), 'InvalidAMIID.NotFound');
    await alice().send(new ModifyImageAttributeCommand({ ImageId: shared, LaunchPermission: { Add: [{ UserId: B }] } }));
    await expectError(copy(bob(), { SourceImageId: shared }), 'InvalidRequest', /^You do not have permission to access the storage of this ami$/);
    await alice().send(new ModifySnapshotAttributeCommand({ SnapshotId: snap, Attribute: 'createVolumePermission', OperationType: 'add', UserIds: [B] }));
    await bob().send(new CreateTagsCommand({ Resources: [shared], Tags: [{ Key: 'BobTag', Value: 'y' }] }));
    const id = await copy(bob(), { SourceImageId: shared, CopyImageTags: true });
    const image = await available(bob(), id);
    assert.equal(image.OwnerId, B);
    assert.deepEqual(image.Tags, [{ Key: 'BobTag', Value: 'y' }], "never the other account's tags");
    const [s] = (await bob().send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotOf(image)] }))).Snapshots!;
    assert.equal(s.OwnerId, B);
    assert.deepEqual(await readSnapshot(ebs(server.url, { account: BOB }), s.SnapshotId!), data);
    // Bob's copy is his: Alice cannot see it (NotFound, as a missing one)
    await expectError(alice().send(new DescribeImagesCommand({ ImageIds: [id] })), 'InvalidAMIID.NotFound');
    // ancestry shows Alice's image while Bob may see it, and stops before it once he may not
    assert.deepEqual((await bob().send(new GetImageAncestryCommand({ ImageId: id }))).ImageAncestryEntries!.map((e) => e.ImageId), [id, shared]);
    await alice().send(new ModifyImageAttributeCommand({ ImageId: shared, LaunchPermission: { Remove: [{ UserId: B }] } }));
    const chain = (await bob().send(new GetImageAncestryCommand({ ImageId: id }))).ImageAncestryEntries!;
    assert.deepEqual(chain.map((e) => [e.ImageId, e.SourceImageId]), [[id, shared]]);
    await alice().send(new ModifySnapshotAttributeCommand({ SnapshotId: snap, Attribute: 'createVolumePermission', OperationType: 'remove', UserIds: [B] }));
  });

  test("copying another account's encrypted image needs its key: without it the copy fails", async () => {
    const key = (await kms(server.url, { account: ALICE }).send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    const secret = await snapshotWithData(ebs(server.url, { account: ALICE }), alice(), new Map([[1, blockOf('secret')]]), { encrypted: true, kmsKeyArn: key });
    const image = await registerImage(alice(), secret);
    await alice().send(new ModifyImageAttributeCommand({ ImageId: image, LaunchPermission: { Add: [{ UserId: B }] } }));
    await alice().send(new ModifySnapshotAttributeCommand({ SnapshotId: secret, Attribute: 'createVolumePermission', OperationType: 'add', UserIds: [B] }));
    const id = await copy(bob(), { SourceImageId: image });
    const failed = await imageSettled(bob(), id);
    assert.equal(failed.State, 'failed');
    assert.match(failed.StateReason!.Message!, /AccessDenied|not allowed|NotFound/i);
  });

  test('a copy interrupted by kill -9 finishes after the restart', async () => {
    await server.kill();
    server = await start(3000); // the copy stays pending long enough to be interrupted
    const id = await copy(alice(), { Name: imageName('restart') });
    assert.equal((await describeImage(alice(), id))!.State, 'pending');
    await server.kill();
    server = await start();
    // the durable job, due 3 s after the request, runs in the restarted server
    const image = await available(alice(), id);
    assert.equal(image.SourceImageId, source);
    assert.deepEqual(await readSnapshot(ebs(server.url, { account: ALICE }), snapshotOf(image)), data);
  });
});
