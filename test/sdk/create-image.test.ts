// CreateImage through @aws-sdk/client-ec2, with the real data path: bytes written to an
// instance's root volume over NBD (qemu-io) become an image whose snapshot holds only the
// changed blocks on top of its parent, and a new instance from that image reads the same bytes
// back over NBD. Also: the request's rules (states, names, block device overrides, tags), what
// the image inherits, encryption kept, accounts, DryRun, and a restart while pending.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import {
  CreateImageCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  DescribeTagsCommand,
  DescribeVolumesCommand,
  ModifyImageAttributeCommand,
  RunInstancesCommand,
  StopInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { ListChangedBlocksCommand } from '@aws-sdk/client-ebs';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestAccount, type TestServer } from '../helpers/server.js';
import { ebs, ec2 } from '../helpers/clients.js';
import { BLOCK, blockOf, describeImage, expectError, imageName, imageSettled, readSnapshot, registerImage, snapshotWithData } from '../helpers/images.js';
import { instanceIn, launchableImage, rootVolumeOf, runOne } from '../helpers/instances.js';

const nbdPortOf = (s: TestServer) => (JSON.parse(s.logs.find((l) => l.includes('"msg":"listening"'))!) as { nbdPort: number }).nbdPort;

/** qemu-io against an NBD export; its output (it exits non-zero when a pattern check fails). */
const qemuIo = (uri: string, ...commands: string[]) => execFileSync('qemu-io', ['-f', 'raw', ...commands.flatMap((c) => ['-c', c]), uri], { encoding: 'utf8' });

describe('CreateImage', () => {
  let server: TestServer;
  let dir: string;
  let nbd: (name: string) => string;
  const client = (account: TestAccount = ALICE): EC2Client => ec2(server.url, { account });
  const alice = () => client(ALICE);

  before(async () => {
    dir = tempDir();
    server = await startServer({ credentials: writeCredentials(dir), dataDir: join(dir, 'data'), args: ['--settle-ms', '50', '--nbd-port', '0'] });
    nbd = (name) => `nbd://127.0.0.1:${nbdPortOf(server)}/${name}`;
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  test('bytes written to an instance over NBD become the image; a new instance reads them back', async () => {
    const base = await snapshotWithData(ebs(server.url, { account: ALICE }), alice(), new Map([[0, blockOf('base-0')], [1, blockOf('base-1')]]), { sizeGib: 1 });
    const source = await registerImage(alice(), base, { EnaSupport: true, BootMode: 'uefi' });
    const i = await runOne(alice(), source);
    await instanceIn(alice(), i.InstanceId!, 'running');
    const root = rootVolumeOf(i);
    // the instance sees the image's data, then changes block 0 and writes block 2
    assert.match(qemuIo(nbd(root), 'read -v 0 16'), /62 61 73 65 2d 30/); // "base-0"
    qemuIo(nbd(root), 'write -P 0xcd 4096 65536', `write -P 0xee ${2 * BLOCK} ${BLOCK}`);

    const { ImageId } = await alice().send(
      new CreateImageCommand({
        InstanceId: i.InstanceId,
        Name: imageName('from-instance'),
        Description: 'made from an instance',
        NoReboot: true,
        TagSpecifications: [
          { ResourceType: 'image', Tags: [{ Key: 'version', Value: '2' }] },
          { ResourceType: 'snapshot', Tags: [{ Key: 'made-by', Value: 'create-image' }] },
        ],
      }),
    );
    assert.match(ImageId!, /^ami-[0-9a-f]{17}$/);
    const pending = await describeImage(alice(), ImageId!);
    assert.ok(pending, 'describable at once (the image-available waiter relies on it)');
    const image = await imageSettled(alice(), ImageId!);
    assert.equal(image.State, 'available');
    assert.deepEqual([image.SourceInstanceId, image.Architecture, image.VirtualizationType, image.EnaSupport, image.BootMode, image.RootDeviceName, image.Description], [
      i.InstanceId,
      'x86_64',
      'hvm',
      true,
      'uefi',
      '/dev/xvda',
      'made from an instance',
    ]);
    assert.deepEqual(image.Tags, [{ Key: 'version', Value: '2' }]);
    const snapshotId = image.BlockDeviceMappings![0].Ebs!.SnapshotId!;
    const [snap] = (await alice().send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }))).Snapshots!;
    assert.equal(snap.Description, `Created by CreateImage(${i.InstanceId}) for ${ImageId}`);
    assert.equal(snap.VolumeId, root);
    assert.equal(snap.State, 'completed');
    assert.deepEqual(snap.Tags, [{ Key: 'made-by', Value: 'create-image' }]);

    // the snapshot differs from the image's base only in the blocks written: O(changed blocks)
    const changed = await ebs(server.url, { account: ALICE }).send(new ListChangedBlocksCommand({ FirstSnapshotId: base, SecondSnapshotId: snapshotId }));
    assert.deepEqual(changed.ChangedBlocks!.map((b) => b.BlockIndex), [0, 2]);
    const blocks = await readSnapshot(ebs(server.url, { account: ALICE }), snapshotId);
    assert.ok(blocks.get(1)!.equals(blockOf('base-1')));
    assert.ok(blocks.get(2)!.equals(Buffer.alloc(BLOCK, 0xee)));

    // a new instance from the new image reads the same bytes over NBD
    const next = await runOne(alice(), ImageId!);
    await instanceIn(alice(), next.InstanceId!, 'running');
    const copy = nbd(rootVolumeOf(next));
    assert.match(qemuIo(copy, 'read -v 0 16'), /62 61 73 65 2d 30/); // "base-0"
    qemuIo(copy, 'read -P 0xcd 4096 65536', `read -P 0xee ${2 * BLOCK} ${BLOCK}`, `read -P 0 ${3 * BLOCK} ${BLOCK}`);
    assert.match(qemuIo(copy, `read -v ${BLOCK} 16`), /62 61 73 65 2d 31/); // "base-1"
    // the source instance keeps writing without touching the image
    qemuIo(nbd(root), 'write -P 0x01 0 4096');
    assert.match(qemuIo(copy, 'read -v 0 16'), /62 61 73 65 2d 30/); // "base-0"
  });

  test('refusals: instance states, names, tags, block device overrides, DryRun', async () => {
    const img = await launchableImage(alice());
    const name = imageName('rules');
    await expectError(alice().send(new CreateImageCommand({ InstanceId: 'i-0123456789abcdef0', Name: name })), 'InvalidInstanceID.NotFound');
    await expectError(alice().send(new CreateImageCommand({ InstanceId: 'i-xyz', Name: name })), 'InvalidInstanceID.Malformed');
    const i = await instanceIn(alice(), (await runOne(alice(), img)).InstanceId!, 'running');
    await expectError(alice().send(new CreateImageCommand({ InstanceId: i.InstanceId, Name: 'x' })), 'InvalidAMIName.Malformed');
    await expectError(alice().send(new CreateImageCommand({ InstanceId: i.InstanceId, Name: name, TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'a', Value: 'b' }] }] })), 'InvalidParameterValue');
    await expectError(alice().send(new CreateImageCommand({ InstanceId: i.InstanceId, Name: name, BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { VolumeSize: 8 } }] })), 'InvalidBlockDeviceMapping', /size/);
    await expectError(alice().send(new CreateImageCommand({ InstanceId: i.InstanceId, Name: name, BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true } }] })), 'InvalidBlockDeviceMapping', /encryption/);
    await expectError(alice().send(new CreateImageCommand({ InstanceId: i.InstanceId, Name: name, BlockDeviceMappings: [{ DeviceName: '/dev/xvda', NoDevice: '' }] })), 'InvalidBlockDeviceMapping');
    await expectError(alice().send(new CreateImageCommand({ InstanceId: i.InstanceId, Name: name, BlockDeviceMappings: [{ DeviceName: '/dev/sdh', Ebs: { VolumeSize: 1, KmsKeyId: 'alias/aws/ebs' } }] })), 'InvalidParameterDependency');
    await expectError(alice().send(new CreateImageCommand({ InstanceId: i.InstanceId, Name: name, DryRun: true })), 'DryRunOperation', undefined, 412);
    assert.equal((await alice().send(new DescribeImagesCommand({ Filters: [{ Name: 'name', Values: [name] }] }))).Images!.length, 0, 'DryRun made nothing');
    await alice().send(new CreateImageCommand({ InstanceId: i.InstanceId, Name: name }));
    await expectError(alice().send(new CreateImageCommand({ InstanceId: i.InstanceId, Name: name })), 'InvalidAMIName.Duplicate', new RegExp(`AMI name ${name} is already in use by AMI ami-`));
    await expectError(client(BOB).send(new CreateImageCommand({ InstanceId: i.InstanceId, Name: imageName() })), 'InvalidInstanceID.NotFound');
    await alice().send(new TerminateInstancesCommand({ InstanceIds: [i.InstanceId!] }));
    await instanceIn(alice(), i.InstanceId!, 'terminated');
    await expectError(alice().send(new CreateImageCommand({ InstanceId: i.InstanceId, Name: imageName() })), 'IncorrectInstanceState');
  });

  test('block device overrides: drop a volume, change DeleteOnTermination, add empty volumes; stopped instances work', async () => {
    const img = await launchableImage(alice());
    const i = await runOne(alice(), img, { BlockDeviceMappings: [{ DeviceName: '/dev/sdb', Ebs: { VolumeSize: 2 } }, { DeviceName: '/dev/sdc', Ebs: { VolumeSize: 3 } }] });
    await instanceIn(alice(), i.InstanceId!, 'running');
    await alice().send(new StopInstancesCommand({ InstanceIds: [i.InstanceId!] }));
    await instanceIn(alice(), i.InstanceId!, 'stopped');
    const { ImageId } = await alice().send(
      new CreateImageCommand({
        InstanceId: i.InstanceId,
        Name: imageName('overrides'),
        BlockDeviceMappings: [
          { DeviceName: '/dev/sdb', NoDevice: '' },
          { DeviceName: '/dev/sdc', Ebs: { DeleteOnTermination: false } },
          { DeviceName: '/dev/sdh', Ebs: { VolumeSize: 5, VolumeType: 'gp3' } },
          { DeviceName: '/dev/sdi', VirtualName: 'ephemeral0' },
        ],
      }),
    );
    const image = await imageSettled(alice(), ImageId!);
    const byDevice = new Map(image.BlockDeviceMappings!.map((m) => [m.DeviceName, m]));
    assert.deepEqual([...byDevice.keys()].sort(), ['/dev/sdc', '/dev/sdh', '/dev/sdi', '/dev/xvda']);
    assert.equal(byDevice.get('/dev/sdc')!.Ebs!.DeleteOnTermination, false);
    assert.equal(byDevice.get('/dev/sdc')!.Ebs!.VolumeSize, 3);
    assert.match(byDevice.get('/dev/sdc')!.Ebs!.SnapshotId!, /^snap-/);
    assert.deepEqual([byDevice.get('/dev/sdh')!.Ebs!.VolumeSize, byDevice.get('/dev/sdh')!.Ebs!.VolumeType, byDevice.get('/dev/sdh')!.Ebs!.SnapshotId], [5, 'gp3', undefined]);
    assert.equal(byDevice.get('/dev/sdi')!.VirtualName, 'ephemeral0');
    assert.equal(byDevice.get('/dev/xvda')!.Ebs!.DeleteOnTermination, true);
    // launching it gives the image's layout
    const next = await runOne(alice(), ImageId!);
    assert.deepEqual(next.BlockDeviceMappings!.map((m) => m.DeviceName), ['/dev/sdc', '/dev/sdh', '/dev/xvda']);
  });

  test("an encrypted root stays encrypted under its key; another account's derivative is its own", async () => {
    const img = await launchableImage(alice());
    const i = await runOne(alice(), img, { BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { Encrypted: true } }] });
    await instanceIn(alice(), i.InstanceId!, 'running');
    const { ImageId } = await alice().send(new CreateImageCommand({ InstanceId: i.InstanceId, Name: imageName('enc') }));
    const image = await imageSettled(alice(), ImageId!);
    assert.equal(image.BlockDeviceMappings![0].Ebs!.Encrypted, true);
    const [encSnap] = (await alice().send(new DescribeSnapshotsCommand({ SnapshotIds: [image.BlockDeviceMappings![0].Ebs!.SnapshotId!] }))).Snapshots!;
    const rootVolume = (await alice().send(new DescribeVolumesCommand({ VolumeIds: [rootVolumeOf(i)] }))).Volumes![0];
    assert.deepEqual([encSnap.Encrypted, encSnap.KmsKeyId], [true, rootVolume.KmsKeyId]);

    // Bob launches Alice's shared image and images his instance: his image, his snapshot
    await alice().send(new ModifyImageAttributeCommand({ ImageId: img, LaunchPermission: { Add: [{ UserId: BOB.accountId }] } }));
    const bob = client(BOB);
    const b = await runOne(bob, img);
    await instanceIn(bob, b.InstanceId!, 'running');
    const derived = await bob.send(new CreateImageCommand({ InstanceId: b.InstanceId, Name: imageName('bob') }));
    const bobs = await imageSettled(bob, derived.ImageId!);
    assert.equal(bobs.OwnerId, BOB.accountId);
    assert.equal(bobs.SourceImageId, img);
    const [snap] = (await bob.send(new DescribeSnapshotsCommand({ SnapshotIds: [bobs.BlockDeviceMappings![0].Ebs!.SnapshotId!] }))).Snapshots!;
    assert.equal(snap.OwnerId, BOB.accountId);
    const tags = await bob.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [derived.ImageId!] }] }));
    assert.deepEqual(tags.Tags, []);
  });

  test('a pending image completes after kill -9', async () => {
    const d = tempDir();
    const creds = writeCredentials(d);
    let s = await startServer({ credentials: creds, dataDir: join(d, 'data'), args: ['--settle-ms', '50'] });
    try {
      let c = ec2(s.url, { account: ALICE });
      const img = await launchableImage(c);
      const i = await runOne(c, img);
      await instanceIn(c, i.InstanceId!, 'running');
      await s.stop();
      s = await startServer({ credentials: creds, dataDir: join(d, 'data'), args: ['--settle-ms', '800'] });
      c = ec2(s.url, { account: ALICE });
      // a pending instance cannot be imaged yet
      const young = await runOne(c, img);
      await expectError(c.send(new CreateImageCommand({ InstanceId: young.InstanceId, Name: imageName() })), 'IncorrectInstanceState');
      const { ImageId } = await c.send(new CreateImageCommand({ InstanceId: i.InstanceId, Name: imageName('restart') }));
      assert.equal((await describeImage(c, ImageId!))!.State, 'pending');
      await s.kill();
      s = await startServer({ credentials: creds, dataDir: join(d, 'data'), args: ['--settle-ms', '50'] });
      c = ec2(s.url, { account: ALICE });
      assert.equal((await imageSettled(c, ImageId!)).State, 'available');
      const r = await c.send(new RunInstancesCommand({ ImageId, MinCount: 1, MaxCount: 1 }));
      await instanceIn(c, r.Instances![0].InstanceId!, 'running');
    } finally {
      await s.stop();
      removeDir(d);
    }
  });
});
