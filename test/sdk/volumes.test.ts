// EC2 volumes through @aws-sdk/client-ec2 against real server processes with two accounts
// (ALICE, BOB): CreateVolume (zones, types and their limits, encryption outcomes, ClientToken,
// tags, DryRun), DescribeVolumes (ids, every filter, paging), DeleteVolume, ModifyVolume and
// DescribeVolumesModifications, DescribeVolumeStatus, Describe/ModifyVolumeAttribute,
// CopyVolumes, account and region isolation, real data (blocks written with the EBS direct APIs
// and over NBD, read back through snapshots of volumes), and persistence across restarts.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import {
  CopyVolumesCommand,
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DeleteVolumeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumeAttributeCommand,
  DescribeVolumesCommand,
  DescribeVolumesModificationsCommand,
  DescribeVolumeStatusCommand,
  EnableEbsEncryptionByDefaultCommand,
  ModifyEbsDefaultKmsKeyIdCommand,
  ModifySnapshotAttributeCommand,
  ModifyVolumeAttributeCommand,
  ModifyVolumeCommand,
  type CreateVolumeCommandInput,
  type DescribeVolumesCommandInput,
  type EC2Client,
  type Filter,
  type Volume,
  type VolumeModification,
} from '@aws-sdk/client-ec2';
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand } from '@aws-sdk/client-kms';
import { CompleteSnapshotCommand, GetSnapshotBlockCommand, ListChangedBlocksCommand, ListSnapshotBlocksCommand, PutSnapshotBlockCommand, StartSnapshotCommand, type EBSClient } from '@aws-sdk/client-ebs';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestAccount, type TestServer } from '../helpers/server.js';
import { awsError, ebs, ec2, kms } from '../helpers/clients.js';
import { until } from '../helpers/until.js';
import { NbdClient } from '../../src/blocks/nbd/nbd-client.js';

const A = ALICE.accountId;
const B = BOB.accountId;
const BLOCK = 512 * 1024;
const UNKNOWN = 'vol-0123456789abcdef0';

async function expectError(p: Promise<unknown>, name: string, message?: RegExp, status = 400): Promise<string> {
  const e = await awsError(p);
  assert.equal(e.name, name, `${e.name}: ${e.message}`);
  assert.equal(e.status, status, `${name} status`);
  if (message) assert.match(e.message, message);
  return e.message;
}

const policyFor = (owner: string, sharedWith?: string) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${owner}:root` }, Action: 'kms:*', Resource: '*' },
      ...(sharedWith ? [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${sharedWith}:root` }, Action: 'kms:*', Resource: '*' }] : []),
    ],
  });

function nbdPortOf(server: TestServer): number {
  const line = server.logs.find((l) => l.includes('"msg":"listening"') && l.includes('"nbdPort"'));
  return Number(/"nbdPort":(\d+)/.exec(line ?? '')?.[1] ?? NaN);
}

describe('EC2 volumes', () => {
  let server: TestServer;
  let dir: string;
  const client = (account: TestAccount = ALICE, region = 'us-east-1'): EC2Client => ec2(server.url, { account, region });
  const alice = (region?: string) => client(ALICE, region);
  const bob = (region?: string) => client(BOB, region);
  const ebsOf = (account: TestAccount = ALICE): EBSClient => ebs(server.url, { account });

  const describeOne = async (c: EC2Client, id: string): Promise<Volume> => (await c.send(new DescribeVolumesCommand({ VolumeIds: [id] }))).Volumes![0];
  const ids = async (c: EC2Client, input: DescribeVolumesCommandInput = {}) => ((await c.send(new DescribeVolumesCommand(input))).Volumes ?? []).map((v) => v.VolumeId!);

  /** Waits until the volume leaves `creating`; returns it. */
  const settled = (c: EC2Client, id: string) =>
    until(`${id} settled`, async () => {
      const v = await describeOne(c, id);
      return v.State === 'creating' ? undefined : v;
    });

  async function create(c: EC2Client = alice(), input: Partial<CreateVolumeCommandInput> = {}): Promise<Volume> {
    const region = await c.config.region();
    const v = await c.send(new CreateVolumeCommand({ AvailabilityZone: `${region}a`, Size: 1, ...input }));
    const done = await settled(c, v.VolumeId!);
    assert.equal(done.State, 'available');
    return done;
  }

  const completedModification = (c: EC2Client, id: string) =>
    until(`${id} modification completed`, async () => {
      const [m] = (await c.send(new DescribeVolumesModificationsCommand({ VolumeIds: [id] }))).VolumesModifications!;
      return m.ModificationState === 'completed' ? m : undefined;
    });

  async function completedSnapshot(c: EC2Client, id: string) {
    return until(`${id} completed`, async () => {
      const [s] = (await c.send(new DescribeSnapshotsCommand({ SnapshotIds: [id] }))).Snapshots!;
      return s.State === 'completed' ? s : undefined;
    });
  }

  /** A completed snapshot written through the EBS direct APIs: block index -> data. */
  async function uploaded(account: TestAccount, blocks: Map<number, Buffer>, opts: { kmsKeyArn?: string; sizeGib?: number } = {}): Promise<string> {
    const e = ebsOf(account);
    const started = await e.send(new StartSnapshotCommand({ VolumeSize: opts.sizeGib ?? 1, ...(opts.kmsKeyArn ? { Encrypted: true, KmsKeyArn: opts.kmsKeyArn } : {}) }));
    for (const [index, data] of blocks) {
      await e.send(
        new PutSnapshotBlockCommand({
          SnapshotId: started.SnapshotId,
          BlockIndex: index,
          BlockData: data,
          DataLength: BLOCK,
          Checksum: createHash('sha256').update(data).digest('base64'),
          ChecksumAlgorithm: 'SHA256',
        }),
      );
    }
    await e.send(new CompleteSnapshotCommand({ SnapshotId: started.SnapshotId, ChangedBlocksCount: blocks.size }));
    await completedSnapshot(client(account), started.SnapshotId!);
    return started.SnapshotId!;
  }

  /** The snapshot's blocks as the EBS direct APIs read them back. */
  async function snapshotBlocks(account: TestAccount, snapshotId: string): Promise<Map<number, Buffer>> {
    const e = ebsOf(account);
    const out = new Map<number, Buffer>();
    for (const b of (await e.send(new ListSnapshotBlocksCommand({ SnapshotId: snapshotId }))).Blocks ?? []) {
      const got = await e.send(new GetSnapshotBlockCommand({ SnapshotId: snapshotId, BlockIndex: b.BlockIndex, BlockToken: b.BlockToken }));
      out.set(b.BlockIndex!, Buffer.from(await got.BlockData!.transformToByteArray()));
    }
    return out;
  }

  async function snapshotOf(c: EC2Client, volumeId: string): Promise<string> {
    const s = await c.send(new CreateSnapshotCommand({ VolumeId: volumeId }));
    await completedSnapshot(c, s.SnapshotId!);
    return s.SnapshotId!;
  }

  const newKey = async (account: TestAccount, sharedWith?: string) =>
    (await kms(server.url, { account }).send(new CreateKeyCommand({ Policy: policyFor(account.accountId, sharedWith) }))).KeyMetadata!.Arn!;
  const defaultKeyArn = async (account: TestAccount, region = 'us-east-1') =>
    (await kms(server.url, { account, region }).send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' }))).KeyMetadata!.Arn!;

  before(async () => {
    dir = tempDir();
    server = await startServer({ dataDir: dir, credentials: writeCredentials(dir), args: ['--settle-ms', '50', '--nbd-port', '0'] });
  });
  after(async () => {
    await server?.stop();
    removeDir(dir);
  });

  describe('CreateVolume', () => {
    test('answers the Volume at the root, creating, then available', async () => {
      const v = await alice().send(
        new CreateVolumeCommand({ AvailabilityZone: 'us-east-1b', Size: 10, TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'Name', Value: 'data' }] }] }),
      );
      assert.match(v.VolumeId!, /^vol-[0-9a-f]{17}$/);
      assert.equal(v.State, 'creating');
      assert.equal(v.Size, 10);
      assert.equal(v.AvailabilityZone, 'us-east-1b');
      assert.equal(v.AvailabilityZoneId, 'use1-az2');
      assert.equal(v.VolumeType, 'gp2', 'gp2 is the default type');
      assert.equal(v.Iops, 100, "gp2's baseline: 3 IOPS per GiB, at least 100");
      assert.equal(v.Throughput, undefined);
      assert.equal(v.Encrypted, false);
      assert.equal(v.KmsKeyId, undefined);
      assert.equal(v.SnapshotId, '');
      assert.equal(v.MultiAttachEnabled, false);
      assert.deepEqual(v.Attachments, []);
      assert.deepEqual(v.Tags, [{ Key: 'Name', Value: 'data' }]);
      assert.ok(v.CreateTime instanceof Date && Math.abs(v.CreateTime.getTime() - Date.now()) < 60_000);
      const done = await settled(alice(), v.VolumeId!);
      assert.equal(done.State, 'available');
      assert.deepEqual(done.Tags, [{ Key: 'Name', Value: 'data' }]);
    });

    test('AvailabilityZoneId names the zone instead', async () => {
      const v = await alice().send(new CreateVolumeCommand({ AvailabilityZoneId: 'use1-az3', Size: 1 }));
      assert.equal(v.AvailabilityZone, 'us-east-1c');
      assert.equal(v.AvailabilityZoneId, 'use1-az3');
    });

    test('each volume type with its performance defaults and limits', async () => {
      const gp3 = await create(alice(), { VolumeType: 'gp3', Size: 20 });
      assert.equal(gp3.Iops, 3000);
      assert.equal(gp3.Throughput, 125);
      const gp3Custom = await create(alice(), { VolumeType: 'gp3', Size: 100, Iops: 6000, Throughput: 500 });
      assert.equal(gp3Custom.Iops, 6000);
      assert.equal(gp3Custom.Throughput, 500);
      const io2 = await create(alice(), { VolumeType: 'io2', Size: 8, Iops: 4000, MultiAttachEnabled: true });
      assert.equal(io2.Iops, 4000);
      assert.equal(io2.MultiAttachEnabled, true);
      const st1 = await create(alice(), { VolumeType: 'st1', Size: 125 });
      assert.equal(st1.Iops, undefined);
      const big = await create(alice(), { VolumeType: 'gp2', Size: 6000 });
      assert.equal(big.Iops, 16000, 'gp2 baseline caps at 16,000');
      const standard = await create(alice(), { VolumeType: 'standard', Size: 1024 });
      assert.equal(standard.VolumeType, 'standard');
    });

    test('zone errors', async () => {
      await expectError(alice().send(new CreateVolumeCommand({ Size: 1 })), 'MissingParameter', /AvailabilityZone/);
      await expectError(alice().send(new CreateVolumeCommand({ Size: 1, AvailabilityZone: 'us-east-1a', AvailabilityZoneId: 'use1-az1' })), 'InvalidParameterCombination');
      await expectError(alice().send(new CreateVolumeCommand({ Size: 1, AvailabilityZone: 'us-east-1z' })), 'InvalidZone.NotFound', /The zone 'us-east-1z' does not exist/);
      await expectError(alice().send(new CreateVolumeCommand({ Size: 1, AvailabilityZone: 'eu-west-1a' })), 'InvalidZone.NotFound', /eu-west-1a/);
      await expectError(alice().send(new CreateVolumeCommand({ Size: 1, AvailabilityZoneId: 'euw1-az1' })), 'InvalidZone.NotFound');
    });

    test('size, type and performance errors', async () => {
      const az = { AvailabilityZone: 'us-east-1a' };
      await expectError(alice().send(new CreateVolumeCommand(az)), 'MissingParameter', /size or snapshotId/);
      await expectError(alice().send(new CreateVolumeCommand({ ...az, Size: 16385 })), 'InvalidParameterValue', /Volume of 16385GiB is too large for volume type gp2; maximum is 16384GiB/);
      await expectError(alice().send(new CreateVolumeCommand({ ...az, Size: 0 })), 'InvalidParameterValue', /too small/);
      await expectError(alice().send(new CreateVolumeCommand({ ...az, Size: 100, VolumeType: 'sc1' })), 'InvalidParameterValue', /minimum is 125GiB/);
      await expectError(alice().send(new CreateVolumeCommand({ ...az, Size: 1025, VolumeType: 'standard' })), 'InvalidParameterValue', /maximum is 1024GiB/);
      await expectError(alice().send(new CreateVolumeCommand({ ...az, Size: 10, VolumeType: 'io1' })), 'InvalidParameterCombination', /The parameter iops must be specified for io1 volumes/);
      await expectError(alice().send(new CreateVolumeCommand({ ...az, Size: 10, Iops: 300 })), 'InvalidParameterCombination', /iops is not supported for gp2/);
      await expectError(alice().send(new CreateVolumeCommand({ ...az, Size: 200, VolumeType: 'st1', Throughput: 200 })), 'InvalidParameterCombination', /gp3/);
      await expectError(alice().send(new CreateVolumeCommand({ ...az, Size: 10, VolumeType: 'io1', Iops: 1000 })), 'InvalidParameterValue', /Iops to volume size ratio of 100\.000000 is too high; maximum is 50/);
      await expectError(alice().send(new CreateVolumeCommand({ ...az, Size: 10, VolumeType: 'io1', Iops: 50 })), 'InvalidParameterValue', /too low; minimum is 100/);
      await expectError(alice().send(new CreateVolumeCommand({ ...az, Size: 1000, VolumeType: 'gp3', Iops: 90000 })), 'InvalidParameterValue', /maximum is 80000/);
      await expectError(alice().send(new CreateVolumeCommand({ ...az, Size: 100, VolumeType: 'gp3', Throughput: 1000 })), 'InvalidParameterValue', /Throughput \(MiBps\) to iops ratio/);
      await expectError(alice().send(new CreateVolumeCommand({ ...az, Size: 100, VolumeType: 'gp3', Throughput: 3000 })), 'InvalidParameterValue', /throughput/);
      await expectError(alice().send(new CreateVolumeCommand({ ...az, Size: 10, MultiAttachEnabled: true })), 'InvalidParameterCombination', /Multi-Attach/);
      await expectError(alice().send(new CreateVolumeCommand({ ...az, Size: 10, VolumeType: 'gp9' as 'gp2' })), 'InvalidParameterValue');
      await expectError(alice().send(new CreateVolumeCommand({ ...az, Size: 10, KmsKeyId: 'alias/aws/ebs' })), 'InvalidParameterDependency', /KmsKeyId requires the parameter Encrypted/);
      await expectError(alice().send(new CreateVolumeCommand({ ...az, Size: 10, Encrypted: false, KmsKeyId: 'alias/aws/ebs' })), 'InvalidParameterDependency');
      await expectError(alice().send(new CreateVolumeCommand({ ...az, Size: 10, VolumeInitializationRate: 200 })), 'InvalidParameterCombination', /snapshot/);
      await expectError(
        alice().send(new CreateVolumeCommand({ ...az, Size: 1, TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'a', Value: 'b' }] }] })),
        'InvalidParameterValue',
        /snapshot/,
      );
      await expectError(
        alice().send(new CreateVolumeCommand({ ...az, Size: 1, TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'aws:x', Value: 'b' }] }] })),
        'InvalidParameterValue',
      );
    });

    test('snapshot errors: malformed, unknown, not shared, too small', async () => {
      const az = { AvailabilityZone: 'us-east-1a' };
      await expectError(alice().send(new CreateVolumeCommand({ ...az, SnapshotId: 'snap-xyz' })), 'InvalidSnapshotID.Malformed');
      await expectError(alice().send(new CreateVolumeCommand({ ...az, SnapshotId: 'snap-0123456789abcdef0' })), 'InvalidSnapshot.NotFound', /snap-0123456789abcdef0/);
      const bobs = await uploaded(BOB, new Map([[0, randomBytes(BLOCK)]]), { sizeGib: 2 });
      await expectError(alice().send(new CreateVolumeCommand({ ...az, SnapshotId: bobs })), 'InvalidSnapshot.NotFound', undefined);
      const v = await create(bob(), { SnapshotId: bobs, Size: undefined });
      assert.equal(v.Size, 2, 'the default size is the snapshot size');
      assert.equal(v.SnapshotId, bobs);
      assert.equal(v.FastRestored, false);
      await expectError(bob().send(new CreateVolumeCommand({ ...az, SnapshotId: bobs, Size: 1 })), 'InvalidParameterValue', /smaller than snapshot/);
    });

    test('DryRun checks everything and creates nothing', async () => {
      const tag = randomUUID();
      const input = { AvailabilityZone: 'us-east-1a', Size: 1, TagSpecifications: [{ ResourceType: 'volume' as const, Tags: [{ Key: 'dry', Value: tag }] }] };
      await expectError(alice().send(new CreateVolumeCommand({ ...input, DryRun: true })), 'DryRunOperation', /Request would have succeeded/, 412);
      await expectError(alice().send(new CreateVolumeCommand({ ...input, Size: 0, DryRun: true })), 'InvalidParameterValue');
      assert.deepEqual(await ids(alice(), { Filters: [{ Name: 'tag:dry', Values: [tag] }] }), []);
    });

    test('ClientToken: a retry gets the same volume; other parameters are a mismatch', async () => {
      const token = randomUUID();
      const input = { AvailabilityZone: 'us-east-1a', Size: 3, ClientToken: token };
      await expectError(alice().send(new CreateVolumeCommand({ ...input, DryRun: true })), 'DryRunOperation', undefined, 412);
      const first = await alice().send(new CreateVolumeCommand(input));
      const again = await alice().send(new CreateVolumeCommand(input));
      assert.equal(again.VolumeId, first.VolumeId);
      assert.deepEqual(await ids(alice(), { Filters: [{ Name: 'size', Values: ['3'] }] }), [first.VolumeId]);
      await expectError(alice().send(new CreateVolumeCommand({ ...input, Size: 4 })), 'IdempotentParameterMismatch', undefined, 400);
      // tokens are per account
      const bobs = await bob().send(new CreateVolumeCommand(input));
      assert.notEqual(bobs.VolumeId, first.VolumeId);
      // a retry after deletion still answers the original volume, and creates nothing
      await settled(alice(), first.VolumeId!);
      await alice().send(new DeleteVolumeCommand({ VolumeId: first.VolumeId }));
      const late = await alice().send(new CreateVolumeCommand(input));
      assert.equal(late.VolumeId, first.VolumeId);
      assert.deepEqual(await ids(alice(), { Filters: [{ Name: 'size', Values: ['3'] }] }), []);
    });
  });

  describe('DescribeVolumes', () => {
    test('by id; malformed and unknown ids fail the request', async () => {
      const a = await create();
      const b = await create();
      assert.deepEqual((await ids(alice(), { VolumeIds: [b.VolumeId!, a.VolumeId!] })).sort(), [a.VolumeId, b.VolumeId].sort());
      await expectError(alice().send(new DescribeVolumesCommand({ VolumeIds: ['vol-12345'] })), 'InvalidVolumeID.Malformed', /Invalid id: "vol-12345"/);
      await expectError(alice().send(new DescribeVolumesCommand({ VolumeIds: ['snap-0123456789abcdef0'] })), 'InvalidVolumeID.Malformed');
      await expectError(alice().send(new DescribeVolumesCommand({ VolumeIds: [a.VolumeId!, UNKNOWN] })), 'InvalidVolume.NotFound', new RegExp(`The volume '${UNKNOWN}' does not exist`));
      await expectError(alice().send(new DescribeVolumesCommand({ VolumeIds: [a.VolumeId!], MaxResults: 5 })), 'InvalidParameterCombination', /cannot be used with the parameter maxResults/);
    });

    test('every filter', async () => {
      const region = 'ca-central-1';
      const c = alice(region);
      const gp3 = await create(c, { AvailabilityZone: `${region}b`, VolumeType: 'gp3', Size: 5, TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'Team', Value: 'blue' }] }] });
      const io1 = await create(c, { AvailabilityZone: `${region}a`, VolumeType: 'io1', Size: 10, Iops: 200, MultiAttachEnabled: true, Encrypted: true });
      const snap = await uploaded(ALICE, new Map([[0, randomBytes(BLOCK)]]));
      // a snapshot from us-east-1 cannot be used in another region: make the restored one there
      const restored = await create(alice(), { SnapshotId: snap, Size: undefined });
      const f = (Name: string, ...Values: string[]): Filter => ({ Name, Values });
      const match = async (...Filters: Filter[]) => (await ids(c, { Filters })).sort();
      assert.deepEqual(await match(f('availability-zone', `${region}b`)), [gp3.VolumeId]);
      assert.deepEqual(await match(f('availability-zone-id', 'cac1-az1')), [io1.VolumeId]);
      assert.deepEqual(await match(f('create-time', gp3.CreateTime!.toISOString())), [gp3.VolumeId]);
      assert.deepEqual(await match(f('encrypted', 'true')), [io1.VolumeId]);
      assert.deepEqual(await match(f('encrypted', 'false')), [gp3.VolumeId]);
      assert.deepEqual(await match(f('fast-restored', 'false')), [gp3.VolumeId, io1.VolumeId].sort());
      assert.deepEqual(await match(f('multi-attach-enabled', 'true')), [io1.VolumeId]);
      assert.deepEqual(await match(f('operator.managed', 'false')), [gp3.VolumeId, io1.VolumeId].sort());
      assert.deepEqual(await match(f('operator.principal', '*')), []);
      assert.deepEqual(await match(f('size', '5', '7')), [gp3.VolumeId]);
      assert.deepEqual(await match(f('status', 'available'), f('volume-type', 'io1', 'st1')), [io1.VolumeId]);
      assert.deepEqual(await match(f('volume-id', gp3.VolumeId!)), [gp3.VolumeId]);
      assert.deepEqual(await match(f('volume-id', 'vol-*')), [gp3.VolumeId, io1.VolumeId].sort(), 'wildcards');
      assert.deepEqual(await match(f('tag:Team', 'bl?e')), [gp3.VolumeId]);
      assert.deepEqual(await match(f('tag-key', 'Team')), [gp3.VolumeId]);
      assert.deepEqual(await match(f('snapshot-id', '')), [gp3.VolumeId, io1.VolumeId].sort());
      assert.deepEqual(await ids(alice(), { Filters: [f('snapshot-id', snap)] }), [restored.VolumeId]);
      for (const name of ['attachment.attach-time', 'attachment.delete-on-termination', 'attachment.device', 'attachment.instance-id', 'attachment.status']) {
        assert.deepEqual(await match(f(name, '*')), [], `${name}: no instances, no attachments`);
      }
      await expectError(c.send(new DescribeVolumesCommand({ Filters: [f('colour', 'red')] })), 'InvalidParameterValue', /colour/);
    });

    test('pages with MaxResults and NextToken', async () => {
      const c = alice('eu-north-1');
      const made: string[] = [];
      for (let i = 0; i < 7; i++) made.push((await c.send(new CreateVolumeCommand({ AvailabilityZone: 'eu-north-1a', Size: 1 }))).VolumeId!);
      const first = await c.send(new DescribeVolumesCommand({ MaxResults: 5 }));
      assert.equal(first.Volumes!.length, 5);
      assert.ok(first.NextToken);
      const second = await c.send(new DescribeVolumesCommand({ MaxResults: 5, NextToken: first.NextToken }));
      assert.equal(second.Volumes!.length, 2);
      assert.equal(second.NextToken, undefined);
      assert.deepEqual([...first.Volumes!, ...second.Volumes!].map((v) => v.VolumeId).sort(), made.sort());
      assert.equal((await c.send(new DescribeVolumesCommand({ MaxResults: 1000 }))).Volumes!.length, 7, 'larger values are clamped, as the CLI sends');
      await expectError(c.send(new DescribeVolumesCommand({ MaxResults: 4 })), 'InvalidParameterValue', /maxResults/);
      await expectError(c.send(new DescribeVolumesCommand({ MaxResults: 5, NextToken: 'bogus' })), 'InvalidNextToken');
    });
  });

  describe('DeleteVolume', () => {
    test('deletes; DryRun and unknown, malformed or foreign ids', async () => {
      const v = await create();
      await expectError(alice().send(new DeleteVolumeCommand({ VolumeId: v.VolumeId, DryRun: true })), 'DryRunOperation', undefined, 412);
      assert.equal((await describeOne(alice(), v.VolumeId!)).State, 'available');
      await expectError(bob().send(new DeleteVolumeCommand({ VolumeId: v.VolumeId })), 'InvalidVolume.NotFound');
      await alice().send(new DeleteVolumeCommand({ VolumeId: v.VolumeId }));
      await expectError(alice().send(new DescribeVolumesCommand({ VolumeIds: [v.VolumeId!] })), 'InvalidVolume.NotFound');
      await expectError(alice().send(new DeleteVolumeCommand({ VolumeId: v.VolumeId })), 'InvalidVolume.NotFound');
      await expectError(alice().send(new DeleteVolumeCommand({ VolumeId: 'vol-zz' })), 'InvalidVolumeID.Malformed');
      await expectError(alice().send(new DeleteVolumeCommand({ VolumeId: UNKNOWN, DryRun: true })), 'InvalidVolume.NotFound');
    });

    test('a volume in error can be deleted', async () => {
      const key = await newKey(ALICE);
      await kms(server.url, { account: ALICE }).send(new DisableKeyCommand({ KeyId: key }));
      const v = await alice().send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1, Encrypted: true, KmsKeyId: key }));
      assert.equal((await settled(alice(), v.VolumeId!)).State, 'error');
      await alice().send(new DeleteVolumeCommand({ VolumeId: v.VolumeId }));
    });
  });

  describe('ModifyVolume and DescribeVolumesModifications', () => {
    test('modifying -> optimizing -> completed; the volume takes the new size, type and performance', async () => {
      const v = await create(alice(), { Size: 10 });
      const { VolumeModification: m } = await alice().send(new ModifyVolumeCommand({ VolumeId: v.VolumeId, Size: 20, VolumeType: 'gp3', Throughput: 250 }));
      assert.equal(m!.VolumeId, v.VolumeId);
      assert.equal(m!.ModificationState, 'modifying');
      assert.equal(m!.Progress, 0);
      assert.deepEqual(
        [m!.OriginalSize, m!.OriginalVolumeType, m!.OriginalIops, m!.OriginalThroughput, m!.OriginalMultiAttachEnabled],
        [10, 'gp2', 100, undefined, false],
      );
      assert.deepEqual([m!.TargetSize, m!.TargetVolumeType, m!.TargetIops, m!.TargetThroughput, m!.TargetMultiAttachEnabled], [20, 'gp3', 3000, 250, false]);
      assert.ok(m!.StartTime instanceof Date);
      const done = await completedModification(alice(), v.VolumeId!);
      assert.equal(done.Progress, 100);
      assert.ok(done.EndTime! >= done.StartTime!);
      const after = await describeOne(alice(), v.VolumeId!);
      assert.deepEqual([after.Size, after.VolumeType, after.Iops, after.Throughput], [20, 'gp3', 3000, 250]);
      // gp3 -> gp3 keeps IOPS and throughput unless given
      await alice().send(new ModifyVolumeCommand({ VolumeId: v.VolumeId, Iops: 4000 }));
      await completedModification(alice(), v.VolumeId!);
      const again = await describeOne(alice(), v.VolumeId!);
      assert.deepEqual([again.Size, again.Iops, again.Throughput], [20, 4000, 250]);
    });

    test('errors: shrinking, limits, nothing asked, DryRun, foreign and unknown volumes', async () => {
      const v = await create(alice(), { Size: 10 });
      const modify = (input: Omit<ConstructorParameters<typeof ModifyVolumeCommand>[0], 'VolumeId'>, c = alice(), id = v.VolumeId) => c.send(new ModifyVolumeCommand({ VolumeId: id, ...input }));
      await expectError(modify({ Size: 5 }), 'InvalidParameterValue', /New size cannot be smaller than existing size/);
      await expectError(modify({ Size: 20000 }), 'InvalidParameterValue', /too large/);
      await expectError(modify({ VolumeType: 'st1' }), 'InvalidParameterValue', /minimum is 125GiB/);
      await expectError(modify({ Iops: 500 }), 'InvalidParameterCombination', /gp2/);
      await expectError(modify({ VolumeType: 'io1' }), 'InvalidParameterValue', /Iops to volume size ratio of 300\.000000/, 400);
      await expectError(modify({ MultiAttachEnabled: true }), 'InvalidParameterCombination', /Multi-Attach/);
      await expectError(modify({}), 'MissingParameter');
      await expectError(modify({ Size: 11, DryRun: true }), 'DryRunOperation', undefined, 412);
      await expectError(modify({ Size: 11 }, bob()), 'InvalidVolume.NotFound');
      await expectError(modify({ Size: 11 }, alice(), UNKNOWN), 'InvalidVolume.NotFound');
      await expectError(modify({ Size: 11 }, alice(), 'vol-1'), 'InvalidVolumeID.Malformed');
      await expectError(alice().send(new DescribeVolumesModificationsCommand({ VolumeIds: [v.VolumeId!] })), 'InvalidVolumeModification.NotFound', /vol-/);
      assert.equal((await describeOne(alice(), v.VolumeId!)).Size, 10, 'nothing changed');
    });

    test('four modifications in 24 hours, then VolumeModificationRateExceeded', async () => {
      const v = await create(alice(), { Size: 1 });
      for (let size = 2; size <= 5; size++) {
        await alice().send(new ModifyVolumeCommand({ VolumeId: v.VolumeId, Size: size }));
        await completedModification(alice(), v.VolumeId!);
      }
      await expectError(alice().send(new ModifyVolumeCommand({ VolumeId: v.VolumeId, Size: 6 })), 'VolumeModificationRateExceeded', /maximum modification rate/);
    });

    test('DescribeVolumesModifications lists the latest modification of each volume, with filters', async () => {
      const c = alice('ap-south-1');
      const a = await create(c, { Size: 1 });
      const b = await create(c, { Size: 1 });
      await create(c, { Size: 1 });
      await c.send(new ModifyVolumeCommand({ VolumeId: a.VolumeId, Size: 2 }));
      await c.send(new ModifyVolumeCommand({ VolumeId: b.VolumeId, VolumeType: 'gp3' }));
      await completedModification(c, a.VolumeId!);
      await completedModification(c, b.VolumeId!);
      const list = async (input: ConstructorParameters<typeof DescribeVolumesModificationsCommand>[0] = {}): Promise<VolumeModification[]> =>
        (await c.send(new DescribeVolumesModificationsCommand(input))).VolumesModifications!;
      assert.deepEqual((await list()).map((m) => m.VolumeId).sort(), [a.VolumeId, b.VolumeId].sort());
      const f = (Name: string, ...Values: string[]) => ({ Filters: [{ Name, Values }] });
      assert.deepEqual((await list(f('target-size', '2'))).map((m) => m.VolumeId), [a.VolumeId]);
      assert.deepEqual((await list(f('target-volume-type', 'gp3'))).map((m) => m.VolumeId), [b.VolumeId]);
      assert.deepEqual((await list(f('original-size', '1'))).length, 2);
      assert.deepEqual((await list(f('modification-state', 'completed'))).length, 2);
      assert.deepEqual((await list(f('modification-state', 'modifying'))).length, 0);
      assert.deepEqual((await list(f('volume-id', a.VolumeId!))).map((m) => m.VolumeId), [a.VolumeId]);
      assert.deepEqual((await list(f('targetMultiAttachEnabled', 'false'))).length, 2);
      const page = await c.send(new DescribeVolumesModificationsCommand({ MaxResults: 5 }));
      assert.equal(page.VolumesModifications!.length, 2);
      assert.equal(page.NextToken, undefined);
      await expectError(c.send(new DescribeVolumesModificationsCommand({ VolumeIds: [UNKNOWN] })), 'InvalidVolume.NotFound');
      await expectError(c.send(new DescribeVolumesModificationsCommand(f('nope', 'x'))), 'InvalidParameterValue');
    });
  });

  describe('DescribeVolumeStatus and volume attributes', () => {
    test('the status checks pass for available volumes', async () => {
      const v = await create(alice(), { VolumeType: 'io1', Size: 4, Iops: 100 });
      const [s] = (await alice().send(new DescribeVolumeStatusCommand({ VolumeIds: [v.VolumeId!] }))).VolumeStatuses!;
      assert.equal(s.VolumeId, v.VolumeId);
      assert.equal(s.AvailabilityZone, 'us-east-1a');
      assert.equal(s.VolumeStatus!.Status, 'ok');
      assert.deepEqual(s.VolumeStatus!.Details, [
        { Name: 'io-enabled', Status: 'passed' },
        { Name: 'io-performance', Status: 'normal' },
      ]);
      assert.deepEqual(s.Events, []);
      assert.deepEqual(s.Actions, []);
      const all = (await alice().send(new DescribeVolumeStatusCommand({ Filters: [{ Name: 'volume-status.status', Values: ['ok'] }] }))).VolumeStatuses!;
      assert.ok(all.some((x) => x.VolumeId === v.VolumeId));
      const impaired = (await alice().send(new DescribeVolumeStatusCommand({ Filters: [{ Name: 'volume-status.status', Values: ['impaired'] }] }))).VolumeStatuses!;
      assert.deepEqual(impaired, []);
      await expectError(alice().send(new DescribeVolumeStatusCommand({ VolumeIds: [UNKNOWN] })), 'InvalidVolume.NotFound');
      await expectError(alice().send(new DescribeVolumeStatusCommand({ VolumeIds: [v.VolumeId!], MaxResults: 5 })), 'InvalidParameterCombination');
      await expectError(bob().send(new DescribeVolumeStatusCommand({ VolumeIds: [v.VolumeId!] })), 'InvalidVolume.NotFound');
    });

    test('autoEnableIO and productCodes', async () => {
      const v = await create();
      const attr = (Attribute: 'autoEnableIO' | 'productCodes', c = alice()) => c.send(new DescribeVolumeAttributeCommand({ VolumeId: v.VolumeId, Attribute }));
      assert.deepEqual((await attr('autoEnableIO')).AutoEnableIO, { Value: false });
      assert.equal((await attr('autoEnableIO')).VolumeId, v.VolumeId);
      assert.deepEqual((await attr('productCodes')).ProductCodes, []);
      await expectError(alice().send(new ModifyVolumeAttributeCommand({ VolumeId: v.VolumeId, AutoEnableIO: { Value: true }, DryRun: true })), 'DryRunOperation', undefined, 412);
      assert.deepEqual((await attr('autoEnableIO')).AutoEnableIO, { Value: false });
      await alice().send(new ModifyVolumeAttributeCommand({ VolumeId: v.VolumeId, AutoEnableIO: { Value: true } }));
      assert.deepEqual((await attr('autoEnableIO')).AutoEnableIO, { Value: true });
      await expectError(alice().send(new ModifyVolumeAttributeCommand({ VolumeId: v.VolumeId })), 'MissingParameter', /AutoEnableIO/);
      await expectError(bob().send(new ModifyVolumeAttributeCommand({ VolumeId: v.VolumeId, AutoEnableIO: { Value: false } })), 'InvalidVolume.NotFound');
      await expectError(attr('autoEnableIO', bob()), 'InvalidVolume.NotFound');
      await expectError(alice().send(new DescribeVolumeAttributeCommand({ VolumeId: v.VolumeId, Attribute: 'size' as 'autoEnableIO' })), 'InvalidParameterValue');
    });
  });

  describe('CopyVolumes', () => {
    test('a copy in the same zone, with its own type and size', async () => {
      const source = await create(alice(), { AvailabilityZone: 'us-east-1d', Size: 2, TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'k', Value: 'v' }] }] });
      const { Volumes } = await alice().send(
        new CopyVolumesCommand({ SourceVolumeId: source.VolumeId, VolumeType: 'gp3', Size: 4, TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'copy', Value: '1' }] }] }),
      );
      assert.equal(Volumes!.length, 1);
      const copy = Volumes![0];
      assert.notEqual(copy.VolumeId, source.VolumeId);
      assert.equal(copy.SourceVolumeId, source.VolumeId);
      assert.equal(copy.State, 'creating');
      assert.equal(copy.AvailabilityZone, 'us-east-1d');
      assert.deepEqual([copy.Size, copy.VolumeType, copy.Iops, copy.Throughput], [4, 'gp3', 3000, 125]);
      assert.deepEqual(copy.Tags, [{ Key: 'copy', Value: '1' }], 'tags are not copied');
      assert.equal((await settled(alice(), copy.VolumeId!)).State, 'available');
      const [status] = (await alice().send(new DescribeVolumeStatusCommand({ VolumeIds: [copy.VolumeId!] }))).VolumeStatuses!;
      assert.equal(status.InitializationStatusDetails?.InitializationType, 'volume-copy');
    });

    test('defaults, errors and encryption', async () => {
      const source = await create(alice(), { Size: 3, VolumeType: 'gp3' });
      const [plain] = (await alice().send(new CopyVolumesCommand({ SourceVolumeId: source.VolumeId }))).Volumes!;
      assert.deepEqual([plain.Size, plain.VolumeType], [3, 'gp2'], 'the size of the source; the type defaults to gp2');
      await expectError(alice().send(new CopyVolumesCommand({ SourceVolumeId: source.VolumeId, Size: 2 })), 'InvalidParameterValue', /equal to or greater/);
      await expectError(alice().send(new CopyVolumesCommand({ SourceVolumeId: source.VolumeId, VolumeType: 'io2', Size: 4 })), 'InvalidParameterCombination', /iops/);
      await expectError(alice().send(new CopyVolumesCommand({ SourceVolumeId: source.VolumeId, KmsKeyId: 'alias/aws/ebs' })), 'InvalidParameterDependency');
      await expectError(alice().send(new CopyVolumesCommand({ SourceVolumeId: UNKNOWN })), 'InvalidVolume.NotFound');
      await expectError(bob().send(new CopyVolumesCommand({ SourceVolumeId: source.VolumeId })), 'InvalidVolume.NotFound');
      await expectError(alice().send(new CopyVolumesCommand({ SourceVolumeId: source.VolumeId, DryRun: true })), 'DryRunOperation', undefined, 412);
      const [encrypted] = (await alice().send(new CopyVolumesCommand({ SourceVolumeId: source.VolumeId, Encrypted: true }))).Volumes!;
      assert.equal(encrypted.Encrypted, true);
      assert.equal(encrypted.KmsKeyId, await defaultKeyArn(ALICE));
      assert.equal((await settled(alice(), encrypted.VolumeId!)).State, 'available');
      const [again] = (await alice().send(new CopyVolumesCommand({ SourceVolumeId: encrypted.VolumeId }))).Volumes!;
      assert.equal(again.Encrypted, true, 'a copy of an encrypted volume is encrypted');
      assert.equal(again.KmsKeyId, encrypted.KmsKeyId);
      const token = randomUUID();
      const [t1] = (await alice().send(new CopyVolumesCommand({ SourceVolumeId: source.VolumeId, ClientToken: token }))).Volumes!;
      const [t2] = (await alice().send(new CopyVolumesCommand({ SourceVolumeId: source.VolumeId, ClientToken: token }))).Volumes!;
      assert.equal(t1.VolumeId, t2.VolumeId);
    });
  });

  describe('encryption', () => {
    test('Encrypted=true uses the default key; KmsKeyId another key, by alias, id or ARN', async () => {
      const byDefault = await create(alice(), { Encrypted: true });
      assert.equal(byDefault.Encrypted, true);
      assert.equal(byDefault.KmsKeyId, await defaultKeyArn(ALICE));
      const key = await newKey(ALICE);
      await kms(server.url, { account: ALICE }).send(new CreateAliasCommand({ AliasName: 'alias/volumes', TargetKeyId: key }));
      for (const ref of [key, 'alias/volumes', key.split('/')[1]]) {
        const v = await create(alice(), { Encrypted: true, KmsKeyId: ref });
        assert.equal(v.KmsKeyId, key, ref);
      }
    });

    test('encryption by default forces encryption under the default EBS key, which can be changed', async () => {
      const region = 'us-west-2';
      const c = alice(region);
      await c.send(new EnableEbsEncryptionByDefaultCommand({}));
      const forced = await create(c, { Encrypted: false });
      assert.equal(forced.Encrypted, true);
      assert.equal(forced.KmsKeyId, await defaultKeyArn(ALICE, region));
      const key = (await kms(server.url, { account: ALICE, region }).send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
      await c.send(new ModifyEbsDefaultKmsKeyIdCommand({ KmsKeyId: key }));
      assert.equal((await create(c)).KmsKeyId, key);
    });

    test('an unusable key is found asynchronously: the volume ends in error', async () => {
      const key = await newKey(ALICE);
      await kms(server.url, { account: ALICE }).send(new DisableKeyCommand({ KeyId: key }));
      const disabled = await alice().send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1, Encrypted: true, KmsKeyId: key }));
      assert.equal(disabled.State, 'creating');
      assert.equal(disabled.KmsKeyId, key);
      assert.equal((await settled(alice(), disabled.VolumeId!)).State, 'error');
      const unknownId = randomUUID();
      const unknown = await alice().send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1, Encrypted: true, KmsKeyId: unknownId }));
      assert.equal(unknown.KmsKeyId, `arn:aws:kms:us-east-1:${A}:key/${unknownId}`);
      assert.equal((await settled(alice(), unknown.VolumeId!)).State, 'error');
      const bobsKey = await newKey(BOB);
      const foreign = await alice().send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1, Encrypted: true, KmsKeyId: bobsKey }));
      assert.equal((await settled(alice(), foreign.VolumeId!)).State, 'error', "another account's key not shared with you");
      const [status] = (await alice().send(new DescribeVolumeStatusCommand({ VolumeIds: [foreign.VolumeId!] }))).VolumeStatuses!;
      assert.equal(status.VolumeStatus!.Status, 'insufficient-data');
    });

    test('your own encrypted snapshot: the volume keeps its key and its bytes', async () => {
      const key = await newKey(ALICE);
      const data = new Map([[1, randomBytes(BLOCK)]]);
      const snap = await uploaded(ALICE, data, { kmsKeyArn: key });
      const v = await create(alice(), { SnapshotId: snap, Size: undefined });
      assert.equal(v.Encrypted, true);
      assert.equal(v.KmsKeyId, key);
      const copy = await snapshotOf(alice(), v.VolumeId!);
      assert.deepEqual(await snapshotBlocks(ALICE, copy), data);
    });

    test("another account's encrypted snapshot shared with you: encrypted under your default key", async () => {
      const bobKey = await newKey(BOB, A);
      const data = new Map([[0, randomBytes(BLOCK)], [5, randomBytes(BLOCK)]]);
      const snap = await uploaded(BOB, data, { kmsKeyArn: bobKey });
      await bob().send(new ModifySnapshotAttributeCommand({ SnapshotId: snap, Attribute: 'createVolumePermission', OperationType: 'add', UserIds: [A] }));
      const v = await alice().send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', SnapshotId: snap }));
      assert.equal(v.Encrypted, true);
      assert.equal(v.KmsKeyId, await defaultKeyArn(ALICE));
      assert.equal((await settled(alice(), v.VolumeId!)).State, 'available');
      assert.deepEqual(await snapshotBlocks(ALICE, await snapshotOf(alice(), v.VolumeId!)), data, 'the same bytes');
      const withKey = await create(alice(), { SnapshotId: snap, Size: undefined, Encrypted: true, KmsKeyId: 'alias/volumes' });
      assert.match(withKey.KmsKeyId!, new RegExp(`^arn:aws:kms:us-east-1:${A}:key/`));
      // shared snapshot, key not shared: the volume cannot be made
      const privateKey = await newKey(BOB);
      const locked = await uploaded(BOB, data, { kmsKeyArn: privateKey });
      await bob().send(new ModifySnapshotAttributeCommand({ SnapshotId: locked, Attribute: 'createVolumePermission', OperationType: 'add', UserIds: [A] }));
      const failed = await alice().send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', SnapshotId: locked }));
      assert.equal((await settled(alice(), failed.VolumeId!)).State, 'error');
    });
  });

  describe('accounts and regions', () => {
    test("another account's volumes are indistinguishable from missing ones", async () => {
      const v = await create(alice(), { TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'owner', Value: 'alice' }] }] });
      assert.ok(!(await ids(bob())).includes(v.VolumeId!));
      assert.deepEqual(await ids(bob(), { Filters: [{ Name: 'tag:owner', Values: ['alice'] }] }), []);
      await expectError(bob().send(new DescribeVolumesCommand({ VolumeIds: [v.VolumeId!] })), 'InvalidVolume.NotFound');
      await expectError(bob().send(new DeleteVolumeCommand({ VolumeId: v.VolumeId })), 'InvalidVolume.NotFound');
      await expectError(bob().send(new CreateSnapshotCommand({ VolumeId: v.VolumeId })), 'InvalidVolume.NotFound');
      assert.equal((await describeOne(alice(), v.VolumeId!)).State, 'available');
      const statuses = (await bob().send(new DescribeVolumeStatusCommand({}))).VolumeStatuses!;
      assert.ok(!statuses.some((s) => s.VolumeId === v.VolumeId));
      const modifications = (await bob().send(new DescribeVolumesModificationsCommand({}))).VolumesModifications!;
      assert.ok(!modifications.some((m) => m.VolumeId === v.VolumeId));
    });

    test('volumes live in one region', async () => {
      const v = await create(alice());
      assert.ok(!(await ids(alice('us-west-1'))).includes(v.VolumeId!));
      await expectError(alice('us-west-1').send(new DescribeVolumesCommand({ VolumeIds: [v.VolumeId!] })), 'InvalidVolume.NotFound');
      await expectError(alice('us-west-1').send(new DeleteVolumeCommand({ VolumeId: v.VolumeId })), 'InvalidVolume.NotFound');
    });
  });

  describe('data', () => {
    test('a volume from a snapshot reads its bytes; snapshots of the volume hold exactly the changed blocks', async () => {
      const data = new Map([
        [0, randomBytes(BLOCK)],
        [3, randomBytes(BLOCK)],
        [1000, randomBytes(BLOCK)],
      ]);
      const s1 = await uploaded(ALICE, data);
      const volume = await create(alice(), { SnapshotId: s1, Size: undefined });
      const port = nbdPortOf(server);

      // read over NBD: the snapshot's bytes, zeros elsewhere
      const nbd = await NbdClient.open(port, volume.VolumeId!);
      for (const [index, bytes] of data) assert.ok((await nbd.read(index * BLOCK, BLOCK)).data!.equals(bytes), `block ${index}`);
      assert.ok((await nbd.read(BLOCK, BLOCK)).data!.every((b) => b === 0));

      // nothing written yet: a snapshot of the volume has no changed block against its source
      const s2 = await snapshotOf(alice(), volume.VolumeId!);
      const unchanged = await ebsOf().send(new ListChangedBlocksCommand({ FirstSnapshotId: s1, SecondSnapshotId: s2 }));
      assert.deepEqual(unchanged.ChangedBlocks ?? [], []);
      assert.deepEqual(await snapshotBlocks(ALICE, s2), data);

      // write an unaligned range over block 3 and a new block 7, then snapshot again
      const patch = randomBytes(1000);
      const fresh = randomBytes(BLOCK);
      assert.equal((await nbd.write(3 * BLOCK + 100, patch)).error, 0);
      assert.equal((await nbd.write(7 * BLOCK, fresh)).error, 0);
      assert.equal((await nbd.flush()).error, 0);
      await nbd.disconnect();
      const s3 = await snapshotOf(alice(), volume.VolumeId!);
      const changed = await ebsOf().send(new ListChangedBlocksCommand({ FirstSnapshotId: s2, SecondSnapshotId: s3 }));
      assert.deepEqual(changed.ChangedBlocks!.map((b) => b.BlockIndex), [3, 7], 'exactly the written blocks');
      const patched = Buffer.from(data.get(3)!);
      patch.copy(patched, 100);
      const expected = new Map([...data, [3, patched], [7, fresh]]);
      assert.deepEqual(await snapshotBlocks(ALICE, s3), expected);

      // a volume restored from the last snapshot, one size larger, reads the same
      const restored = await create(alice(), { SnapshotId: s3, Size: 2 });
      const nbd2 = await NbdClient.open(port, restored.VolumeId!);
      for (const [index, bytes] of expected) assert.ok((await nbd2.read(index * BLOCK, BLOCK)).data!.equals(bytes), `restored block ${index}`);
      assert.ok((await nbd2.read(2 * 1024 ** 3 - BLOCK, BLOCK)).data!.every((b) => b === 0), 'zeros beyond the snapshot');
      await nbd2.disconnect();
    });

    test('CopyVolumes copies the data as of the call', async () => {
      const data = new Map([[2, randomBytes(BLOCK)]]);
      const source = await create(alice(), { SnapshotId: await uploaded(ALICE, data), Size: undefined });
      const port = nbdPortOf(server);
      const nbd = await NbdClient.open(port, source.VolumeId!);
      const written = randomBytes(BLOCK);
      await nbd.write(9 * BLOCK, written);
      await nbd.flush();
      await expectError(alice().send(new DeleteVolumeCommand({ VolumeId: source.VolumeId })), 'VolumeInUse', /in use/);
      const [copy] = (await alice().send(new CopyVolumesCommand({ SourceVolumeId: source.VolumeId }))).Volumes!;
      await nbd.write(9 * BLOCK, Buffer.alloc(BLOCK, 1)); // after the copy: not in it
      await nbd.disconnect();
      await settled(alice(), copy.VolumeId!);
      assert.deepEqual(await snapshotBlocks(ALICE, await snapshotOf(alice(), copy.VolumeId!)), new Map([...data, [9, written]]));
    });
  });
});

describe('EC2 volumes across restarts', () => {
  let dir: string;
  let server: TestServer | undefined;
  const start = async (settleMs: number) => {
    server = await startServer({ dataDir: dir, credentials: writeCredentials(dir), args: ['--settle-ms', String(settleMs)] });
    return ec2(server.url, { account: ALICE });
  };

  before(() => {
    dir = tempDir();
  });
  after(async () => {
    await server?.stop();
    removeDir(dir);
  });

  test('volumes, tags, attributes and modifications survive a restart; states in progress refuse changes', async () => {
    let c = await start(50);
    const v = await c.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 8, TagSpecifications: [{ ResourceType: 'volume', Tags: [{ Key: 'keep', Value: 'me' }] }] }));
    await until('available', async () => ((await c.send(new DescribeVolumesCommand({ VolumeIds: [v.VolumeId!] }))).Volumes![0].State === 'available' ? true : undefined));
    await c.send(new ModifyVolumeAttributeCommand({ VolumeId: v.VolumeId, AutoEnableIO: { Value: true } }));
    await c.send(new ModifyVolumeCommand({ VolumeId: v.VolumeId, Size: 9 }));
    await until('modified', async () => {
      const [m] = (await c.send(new DescribeVolumesModificationsCommand({ VolumeIds: [v.VolumeId!] }))).VolumesModifications!;
      return m.ModificationState === 'completed' ? m : undefined;
    });
    await server!.stop();

    // a slow server: what is in progress stays in progress for the whole test
    c = await start(60_000);
    const [again] = (await c.send(new DescribeVolumesCommand({ VolumeIds: [v.VolumeId!] }))).Volumes!;
    assert.deepEqual([again.State, again.Size, again.Tags], ['available', 9, [{ Key: 'keep', Value: 'me' }]]);
    assert.deepEqual((await c.send(new DescribeVolumeAttributeCommand({ VolumeId: v.VolumeId, Attribute: 'autoEnableIO' }))).AutoEnableIO, { Value: true });
    const [m] = (await c.send(new DescribeVolumesModificationsCommand({ VolumeIds: [v.VolumeId!] }))).VolumesModifications!;
    assert.deepEqual([m.ModificationState, m.OriginalSize, m.TargetSize], ['completed', 8, 9]);

    await c.send(new ModifyVolumeCommand({ VolumeId: v.VolumeId, Size: 10 }));
    await expectError(c.send(new ModifyVolumeCommand({ VolumeId: v.VolumeId, Size: 11 })), 'IncorrectModificationState', /cannot be modified in modification state MODIFYING/);
    assert.equal((await c.send(new DescribeVolumesCommand({ VolumeIds: [v.VolumeId!] }))).Volumes![0].Size, 9, 'the size changes once optimizing');
    const creating = await c.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1 }));
    await expectError(c.send(new DeleteVolumeCommand({ VolumeId: creating.VolumeId })), 'IncorrectState', /creating/);
    await expectError(c.send(new ModifyVolumeCommand({ VolumeId: creating.VolumeId, Size: 2 })), 'IncorrectState', /creating/);
    await expectError(c.send(new CopyVolumesCommand({ SourceVolumeId: creating.VolumeId })), 'IncorrectState', /creating/);
    const [status] = (await c.send(new DescribeVolumeStatusCommand({ VolumeIds: [creating.VolumeId!] }))).VolumeStatuses!;
    assert.equal(status.VolumeStatus!.Status, 'insufficient-data');
    await server!.stop();
  });

  test('a volume still creating when the server dies becomes available after the restart', async () => {
    let c = await start(1500);
    const v = await c.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1 }));
    await server!.kill();
    c = await start(50);
    const done = await until('available after restart', async () => {
      const [vol] = (await c.send(new DescribeVolumesCommand({ VolumeIds: [v.VolumeId!] }))).Volumes!;
      return vol.State === 'creating' ? undefined : vol;
    });
    assert.equal(done.State, 'available');
  });
});
