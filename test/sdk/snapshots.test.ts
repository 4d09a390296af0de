// EC2 snapshots through @aws-sdk/client-ec2 against a real server with two accounts (ALICE, BOB):
// CreateSnapshot, DescribeSnapshots (ids, owners, restorable-by, every filter, paging),
// DeleteSnapshot, CopySnapshot (same region, cross region, re-encrypting, cross account),
// Describe/Modify/ResetSnapshotAttribute in both wire forms and every sharing rule, snapshot
// block public access, DryRun, and persistence across a restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CopySnapshotCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DeleteSnapshotCommand,
  DescribeSnapshotAttributeCommand,
  DescribeSnapshotsCommand,
  DescribeTagsCommand,
  DescribeVolumesCommand,
  DisableSnapshotBlockPublicAccessCommand,
  EnableSnapshotBlockPublicAccessCommand,
  GetSnapshotBlockPublicAccessStateCommand,
  ModifySnapshotAttributeCommand,
  ResetSnapshotAttributeCommand,
  type CreateVolumeCommandInput,
  type DescribeSnapshotsCommandInput,
  type EC2Client,
  type Snapshot,
} from '@aws-sdk/client-ec2';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { CompleteSnapshotCommand, GetSnapshotBlockCommand, ListSnapshotBlocksCommand, PutSnapshotBlockCommand, StartSnapshotCommand } from '@aws-sdk/client-ebs';
import { createHash } from 'node:crypto';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestAccount, type TestServer } from '../helpers/server.js';
import { expectAwsError as expectError, ebs, ec2, kms } from '../helpers/clients.js';
import { until } from '../helpers/until.js';

const A = ALICE.accountId;
const BLOCK = 524288;
const B = BOB.accountId;
const UNKNOWN = 'snap-0123456789abcdef0';


describe('EC2 snapshots', () => {
  let server: TestServer;
  let dir: string;
  const client = (account: TestAccount = ALICE, region = 'us-east-1'): EC2Client => ec2(server.url, { account, region });
  const alice = () => client(ALICE);
  const bob = () => client(BOB);

  const describeOne = async (c: EC2Client, id: string): Promise<Snapshot | undefined> =>
    (await c.send(new DescribeSnapshotsCommand({ SnapshotIds: [id] }))).Snapshots![0];
  const ids = async (c: EC2Client, input: DescribeSnapshotsCommandInput = {}) =>
    ((await c.send(new DescribeSnapshotsCommand(input))).Snapshots ?? []).map((s) => s.SnapshotId!);

  async function newVolume(c: EC2Client = alice(), input: Partial<CreateVolumeCommandInput> = {}): Promise<string> {
    const region = await c.config.region();
    const v = await c.send(new CreateVolumeCommand({ AvailabilityZone: `${region}a`, Size: 1, ...input }));
    await until('volume available', async () => {
      const [vol] = (await c.send(new DescribeVolumesCommand({ VolumeIds: [v.VolumeId!] }))).Volumes!;
      return vol.State === 'available' ? vol : undefined;
    });
    return v.VolumeId!;
  }

  async function completed(c: EC2Client, id: string): Promise<Snapshot> {
    return until(`${id} completed`, async () => {
      const s = await describeOne(c, id);
      if (s?.State === 'error') throw new Error(`${id} failed: ${s.StateMessage}`);
      return s?.State === 'completed' ? s : undefined;
    });
  }

  async function newSnapshot(c: EC2Client = alice(), volumeId?: string, description = 'test'): Promise<string> {
    const s = await c.send(new CreateSnapshotCommand({ VolumeId: volumeId ?? (await newVolume(c)), Description: description }));
    await completed(c, s.SnapshotId!);
    return s.SnapshotId!;
  }

  const permissions = async (c: EC2Client, id: string) =>
    (await c.send(new DescribeSnapshotAttributeCommand({ SnapshotId: id, Attribute: 'createVolumePermission' }))).CreateVolumePermissions;
  const share = (id: string, add: { UserId?: string; Group?: 'all' }[]) =>
    alice().send(new ModifySnapshotAttributeCommand({ SnapshotId: id, CreateVolumePermission: { Add: add } }));

  before(async () => {
    dir = tempDir();
    server = await startServer({ dataDir: dir, credentials: writeCredentials(dir), args: ['--settle-ms', '50'] });
  });
  after(async () => {
    await server?.stop();
    removeDir(dir);
  });

  describe('CreateSnapshot', () => {
    test('answers the Snapshot at the root, pending, then completed', async () => {
      const volumeId = await newVolume();
      const before = Date.now();
      const s = await alice().send(
        new CreateSnapshotCommand({
          VolumeId: volumeId,
          Description: 'nightly',
          TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'Name', Value: 'n1' }, { Key: 'empty', Value: '' }] }],
        }),
      );
      assert.match(s.SnapshotId!, /^snap-[0-9a-f]{17}$/);
      assert.equal(s.VolumeId, volumeId);
      assert.equal(s.State, 'pending');
      assert.equal(s.OwnerId, A);
      assert.equal(s.VolumeSize, 1);
      assert.equal(s.Encrypted, false);
      assert.equal(s.KmsKeyId, undefined);
      assert.equal(s.Description, 'nightly');
      assert.match(s.Progress!, /^\d+%$/);
      assert.ok(s.StartTime instanceof Date && s.StartTime.getTime() >= before - 2000);
      assert.deepEqual(s.Tags, [{ Key: 'Name', Value: 'n1' }, { Key: 'empty', Value: '' }]);
      const done = await completed(alice(), s.SnapshotId!);
      assert.equal(done.Progress, '100%');
      assert.equal(done.StorageTier, 'standard');
      assert.equal(done.FullSnapshotSizeInBytes, 0, 'an empty volume holds no data');
      assert.ok(done.CompletionTime instanceof Date);
      assert.deepEqual(done.Tags, [{ Key: 'Name', Value: 'n1' }, { Key: 'empty', Value: '' }]);
    });

    test('an encrypted volume gives an encrypted snapshot under the same key', async () => {
      const key = (await kms(server.url, { account: ALICE }).send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
      const volumeId = await newVolume(alice(), { Encrypted: true, KmsKeyId: key });
      const s = await alice().send(new CreateSnapshotCommand({ VolumeId: volumeId }));
      assert.equal(s.Encrypted, true);
      assert.equal(s.KmsKeyId, key);
      assert.equal((await completed(alice(), s.SnapshotId!)).KmsKeyId, key);
    });

    test('errors: malformed or unknown volume, another account’s volume, tags, description', async () => {
      await expectError(alice().send(new CreateSnapshotCommand({ VolumeId: 'vol-nothex' })), 'InvalidVolumeID.Malformed');
      await expectError(alice().send(new CreateSnapshotCommand({ VolumeId: 'vol-0123456789abcdef0' })), 'InvalidVolume.NotFound');
      const bobs = await newVolume(bob());
      await expectError(alice().send(new CreateSnapshotCommand({ VolumeId: bobs })), 'InvalidVolume.NotFound');
      const volumeId = await newVolume();
      await expectError(
        alice().send(new CreateSnapshotCommand({ VolumeId: volumeId, TagSpecifications: [{ ResourceType: 'image', Tags: [{ Key: 'a', Value: 'b' }] }] })),
        'InvalidParameterValue',
      );
      await expectError(
        alice().send(new CreateSnapshotCommand({ VolumeId: volumeId, TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'aws:x', Value: 'b' }] }] })),
        'InvalidParameterValue',
        /reserved/,
      );
      await expectError(alice().send(new CreateSnapshotCommand({ VolumeId: volumeId, Description: 'x'.repeat(256) })), 'InvalidParameterValue');
    });

    test('DryRun checks, then creates nothing', async () => {
      const volumeId = await newVolume();
      const count = (await ids(alice(), { OwnerIds: ['self'] })).length;
      await expectError(alice().send(new CreateSnapshotCommand({ VolumeId: volumeId, DryRun: true })), 'DryRunOperation', /DryRun flag is set/, 412);
      await expectError(alice().send(new CreateSnapshotCommand({ VolumeId: 'vol-0123456789abcdef0', DryRun: true })), 'InvalidVolume.NotFound');
      assert.equal((await ids(alice(), { OwnerIds: ['self'] })).length, count);
    });
  });

  describe('DescribeSnapshots', () => {
    let mine: string[];
    before(async () => {
      const volumeId = await newVolume();
      mine = [];
      for (let i = 0; i < 7; i++) mine.push(await newSnapshot(alice(), volumeId, `page-${i}`));
    });

    test('explicit ids: malformed, unknown, and someone else’s private snapshot', async () => {
      assert.deepEqual(await ids(alice(), { SnapshotIds: [mine[0], mine[1]] }), [mine[0], mine[1]]);
      await expectError(alice().send(new DescribeSnapshotsCommand({ SnapshotIds: ['snap-xyz'] })), 'InvalidSnapshotID.Malformed', /snap-xyz/);
      await expectError(alice().send(new DescribeSnapshotsCommand({ SnapshotIds: [mine[0], UNKNOWN] })), 'InvalidSnapshot.NotFound', new RegExp(UNKNOWN));
      // exists, but Bob has no access: NotFound, as a missing one (issue 12 §4: existence does not leak)
      await expectError(bob().send(new DescribeSnapshotsCommand({ SnapshotIds: [mine[0]] })), 'InvalidSnapshot.NotFound', new RegExp(mine[0]));
      // regions are separate
      await expectError(client(ALICE, 'eu-west-1').send(new DescribeSnapshotsCommand({ SnapshotIds: [mine[0]] })), 'InvalidSnapshot.NotFound');
    });

    test('owners: self, account ids, aliases; malformed values', async () => {
      const own = await ids(alice(), { OwnerIds: ['self'] });
      for (const id of mine) assert.ok(own.includes(id));
      assert.deepEqual(await ids(alice(), { OwnerIds: [A] }), own);
      // `amazon` names Amazon's own snapshots (the public catalog's), never the caller's
      const amazon = await ids(alice(), { OwnerIds: ['amazon'] });
      assert.ok(amazon.length > 0 && amazon.every((id) => !own.includes(id)));
      assert.deepEqual(await ids(bob(), { OwnerIds: [A] }), [], 'nothing of Alice’s is visible to Bob yet');
      await expectError(alice().send(new DescribeSnapshotsCommand({ OwnerIds: ['alice'] })), 'InvalidUserID.Malformed', /alice/);
      await expectError(alice().send(new DescribeSnapshotsCommand({ RestorableByUserIds: ['12345'] })), 'InvalidUserID.Malformed');
    });

    test('every documented filter', async () => {
      const [first] = mine;
      const s = (await describeOne(alice(), first))!;
      await alice().send(new CreateTagsCommand({ Resources: [first], Tags: [{ Key: 'Team', Value: 'storage' }] }));
      const matching = async (Name: string, Values: string[]) => ids(alice(), { OwnerIds: ['self'], Filters: [{ Name, Values }] });
      assert.deepEqual(await matching('description', ['page-0']), [first]);
      assert.deepEqual((await matching('description', ['page-?'])).length, 7);
      assert.ok((await matching('encrypted', ['false'])).includes(first));
      assert.ok(!(await matching('encrypted', ['true'])).includes(first));
      assert.deepEqual(await matching('owner-alias', ['amazon']), []);
      assert.ok((await matching('owner-id', [A])).includes(first));
      assert.ok((await matching('progress', ['100%'])).includes(first));
      assert.deepEqual(await matching('snapshot-id', [first]), [first]);
      assert.ok((await matching('start-time', [`${s.StartTime!.toISOString().slice(0, 10)}*`])).includes(first));
      assert.ok((await matching('status', ['completed'])).includes(first));
      assert.ok(!(await matching('status', ['pending', 'error'])).includes(first));
      assert.ok((await matching('storage-tier', ['standard'])).includes(first));
      assert.ok((await matching('transfer-type', ['standard'])).includes(first));
      assert.equal((await matching('volume-id', [s.VolumeId!])).length, 7);
      assert.ok((await matching('volume-size', ['1'])).includes(first));
      assert.deepEqual(await matching('tag:Team', ['stor*']), [first]);
      assert.deepEqual(await matching('tag-key', ['Team']), [first]);
      // filters AND, values OR
      assert.deepEqual(await ids(alice(), { Filters: [{ Name: 'description', Values: ['page-1', 'page-2'] }, { Name: 'snapshot-id', Values: [mine[2]] }] }), [mine[2]]);
      await expectError(alice().send(new DescribeSnapshotsCommand({ Filters: [{ Name: 'colour', Values: ['red'] }] })), 'InvalidParameterValue', /colour/);
    });

    test('paging: MaxResults 5..1000, tokens, and MaxResults with ids refused', async () => {
      const all = await ids(alice(), { Filters: [{ Name: 'description', Values: ['page-*'] }] });
      assert.equal(all.length, 7);
      const first = await alice().send(new DescribeSnapshotsCommand({ MaxResults: 5, Filters: [{ Name: 'description', Values: ['page-*'] }] }));
      assert.equal(first.Snapshots!.length, 5);
      assert.ok(first.NextToken);
      const second = await alice().send(new DescribeSnapshotsCommand({ MaxResults: 5, NextToken: first.NextToken, Filters: [{ Name: 'description', Values: ['page-*'] }] }));
      assert.equal(second.Snapshots!.length, 2);
      assert.equal(second.NextToken, undefined);
      assert.deepEqual([...first.Snapshots!, ...second.Snapshots!].map((s) => s.SnapshotId), all);
      // the CLI sends MaxResults=1000 with --owner-ids
      assert.deepEqual((await ids(alice(), { OwnerIds: ['self'], MaxResults: 1000 })).length >= 7, true);
      await expectError(alice().send(new DescribeSnapshotsCommand({ MaxResults: 4 })), 'InvalidParameterValue');
      await expectError(
        alice().send(new DescribeSnapshotsCommand({ MaxResults: 5, SnapshotIds: [mine[0]] })),
        'InvalidParameterCombination',
        /snapshotSet cannot be used with the parameter maxResults/,
      );
      await expectError(alice().send(new DescribeSnapshotsCommand({ MaxResults: 5, NextToken: 'forged.token' })), 'InvalidNextToken');
      // a token is bound to its query
      await expectError(alice().send(new DescribeSnapshotsCommand({ MaxResults: 5, NextToken: first.NextToken })), 'InvalidNextToken');
    });
  });

  describe('DeleteSnapshot', () => {
    test('deletes (with its tags); unknown or foreign snapshots are refused', async () => {
      const id = await newSnapshot();
      await alice().send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'k', Value: 'v' }] }));
      await expectError(alice().send(new DeleteSnapshotCommand({ SnapshotId: id, DryRun: true })), 'DryRunOperation', undefined, 412);
      assert.ok(await describeOne(alice(), id), 'DryRun deleted nothing');
      // Bob: Alice's private snapshot is as good as missing; a shared one is visible but not his
      await expectError(bob().send(new DeleteSnapshotCommand({ SnapshotId: id })), 'InvalidSnapshot.NotFound');
      await share(id, [{ UserId: B }]);
      await expectError(bob().send(new DeleteSnapshotCommand({ SnapshotId: id })), 'UnauthorizedOperation', undefined, 403);
      await alice().send(new DeleteSnapshotCommand({ SnapshotId: id }));
      await expectError(alice().send(new DescribeSnapshotsCommand({ SnapshotIds: [id] })), 'InvalidSnapshot.NotFound');
      assert.deepEqual((await alice().send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [id] }] }))).Tags, []);
      await expectError(alice().send(new DeleteSnapshotCommand({ SnapshotId: id })), 'InvalidSnapshot.NotFound');
      await expectError(alice().send(new DeleteSnapshotCommand({ SnapshotId: 'snap-1' })), 'InvalidSnapshotID.Malformed');
    });
  });

  describe('CopySnapshot', () => {
    let source: string;
    before(async () => {
      source = await newSnapshot(alice(), undefined, 'original');
    });

    test('in the same region: a new snapshot owned by the caller, with tags and AWS’s description', async () => {
      const out = await alice().send(
        new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: source, TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'copy', Value: '1' }] }] }),
      );
      assert.match(out.SnapshotId!, /^snap-/);
      assert.notEqual(out.SnapshotId, source);
      assert.deepEqual(out.Tags, [{ Key: 'copy', Value: '1' }]);
      const copy = await completed(alice(), out.SnapshotId!);
      assert.equal(copy.VolumeId, 'vol-ffffffff');
      assert.equal(copy.OwnerId, A);
      assert.equal(copy.Description, `[Copied ${source} from us-east-1]`);
      assert.deepEqual(copy.Tags, [{ Key: 'copy', Value: '1' }]);
    });

    test('across regions: called in the destination, the SDK’s presigned URL is accepted', async () => {
      const west = client(ALICE, 'us-west-2');
      const out = await west.send(new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: source, Description: 'to the west' }));
      const copy = await completed(west, out.SnapshotId!);
      assert.equal(copy.Description, 'to the west');
      assert.equal(copy.VolumeSize, 1);
      await expectError(alice().send(new DescribeSnapshotsCommand({ SnapshotIds: [out.SnapshotId!] })), 'InvalidSnapshot.NotFound');
    });

    test('encrypting and re-encrypting copies', async () => {
      const keys = kms(server.url, { account: ALICE });
      const k1 = (await keys.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
      const k2 = (await keys.send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
      const encrypted = await alice().send(new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: source, Encrypted: true, KmsKeyId: k1 }));
      const e1 = await completed(alice(), encrypted.SnapshotId!);
      assert.equal(e1.Encrypted, true);
      assert.equal(e1.KmsKeyId, k1);
      const rekeyed = await alice().send(new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: e1.SnapshotId!, Encrypted: true, KmsKeyId: k2 }));
      assert.equal((await completed(alice(), rekeyed.SnapshotId!)).KmsKeyId, k2);
      // an encrypted source stays encrypted without asking
      const again = await alice().send(new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: e1.SnapshotId! }));
      assert.equal((await completed(alice(), again.SnapshotId!)).KmsKeyId, k1);
      // a key that does not exist fails the copy afterwards, as on AWS
      const bad = await alice().send(new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: source, Encrypted: true, KmsKeyId: 'alias/nope' }));
      const failed = await until('copy error', async () => {
        const s = await describeOne(alice(), bad.SnapshotId!);
        return s?.State === 'error' ? s : undefined;
      });
      assert.match(failed.StateMessage!, /alias\/nope/);
    });

    test('another account copies what is shared with it, and only that', async () => {
      await expectError(bob().send(new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: source })), 'InvalidSnapshot.NotFound');
      await share(source, [{ UserId: B }]);
      const out = await bob().send(new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: source }));
      const copy = await completed(bob(), out.SnapshotId!);
      assert.equal(copy.OwnerId, B);
      await bob().send(new DeleteSnapshotCommand({ SnapshotId: out.SnapshotId! }));
    });

    test('errors: region, ids, KmsKeyId without Encrypted, duration; DryRun', async () => {
      await expectError(alice().send(new CopySnapshotCommand({ SourceRegion: 'xx-nowhere-1', SourceSnapshotId: source })), 'InvalidRegion', /xx-nowhere-1/);
      await expectError(alice().send(new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: 'snap-bad' })), 'InvalidSnapshotID.Malformed');
      await expectError(alice().send(new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: UNKNOWN })), 'InvalidSnapshot.NotFound');
      await expectError(alice().send(new CopySnapshotCommand({ SourceRegion: 'eu-west-1', SourceSnapshotId: source })), 'InvalidSnapshot.NotFound');
      await expectError(
        alice().send(new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: source, KmsKeyId: 'alias/aws/ebs' })),
        'InvalidParameterDependency',
        /KmsKeyId requires the parameter Encrypted/,
      );
      await expectError(alice().send(new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: source, CompletionDurationMinutes: 0 })), 'InvalidParameterValue');
      const count = (await ids(alice(), { OwnerIds: ['self'] })).length;
      await expectError(alice().send(new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: source, DryRun: true })), 'DryRunOperation', undefined, 412);
      assert.equal((await ids(alice(), { OwnerIds: ['self'] })).length, count);
    });
  });

  describe('createVolumePermission', () => {
    test('share with an account (new form), unshare, and what each account then sees', async () => {
      const id = await newSnapshot();
      assert.deepEqual(await permissions(alice(), id), []);
      await share(id, [{ UserId: B }]);
      assert.deepEqual(await permissions(alice(), id), [{ UserId: B }]);
      assert.ok((await ids(bob())).includes(id));
      assert.deepEqual(await ids(bob(), { SnapshotIds: [id] }), [id]);
      assert.deepEqual(await ids(bob(), { RestorableByUserIds: ['self'] }).then((l) => l.includes(id)), true);
      assert.deepEqual(await ids(bob(), { RestorableByUserIds: ['all'] }).then((l) => l.includes(id)), false);
      assert.deepEqual(await ids(alice(), { RestorableByUserIds: [B] }).then((l) => l.includes(id)), true);
      assert.equal((await describeOne(bob(), id))!.OwnerId, A);
      // Bob may restore a volume from it
      await newVolume(bob(), { SnapshotId: id });
      await alice().send(new ModifySnapshotAttributeCommand({ SnapshotId: id, CreateVolumePermission: { Remove: [{ UserId: B }] } }));
      assert.deepEqual(await permissions(alice(), id), []);
      await expectError(bob().send(new DescribeSnapshotsCommand({ SnapshotIds: [id] })), 'InvalidSnapshot.NotFound');
    });

    test('the legacy form (Attribute, OperationType, UserId.N, UserGroup.N) and ResetSnapshotAttribute', async () => {
      const id = await newSnapshot();
      await alice().send(new ModifySnapshotAttributeCommand({ SnapshotId: id, Attribute: 'createVolumePermission', OperationType: 'add', UserIds: [B], GroupNames: ['all'] }));
      assert.deepEqual(await permissions(alice(), id), [{ UserId: B }, { Group: 'all' }]);
      assert.ok((await ids(bob(), { RestorableByUserIds: ['all'] })).includes(id));
      assert.equal((await describeOne(client(BOB), id))!.SnapshotId, id);
      await alice().send(new ModifySnapshotAttributeCommand({ SnapshotId: id, Attribute: 'createVolumePermission', OperationType: 'remove', GroupNames: ['all'] }));
      assert.deepEqual(await permissions(alice(), id), [{ UserId: B }]);
      await expectError(alice().send(new ResetSnapshotAttributeCommand({ SnapshotId: id, Attribute: 'createVolumePermission', DryRun: true })), 'DryRunOperation', undefined, 412);
      assert.deepEqual(await permissions(alice(), id), [{ UserId: B }]);
      await alice().send(new ResetSnapshotAttributeCommand({ SnapshotId: id, Attribute: 'createVolumePermission' }));
      assert.deepEqual(await permissions(alice(), id), []);
      const codes = await alice().send(new DescribeSnapshotAttributeCommand({ SnapshotId: id, Attribute: 'productCodes' }));
      assert.equal(codes.SnapshotId, id);
      assert.deepEqual(codes.ProductCodes, []);
    });

    test('UserId.N beside CreateVolumePermission.Add naming the same accounts, without OperationType (what Packer sends)', async () => {
      const id = await newSnapshot();
      await alice().send(new ModifySnapshotAttributeCommand({ SnapshotId: id, UserIds: [B], CreateVolumePermission: { Add: [{ UserId: B }] } }));
      assert.deepEqual(await permissions(alice(), id), [{ UserId: B }]);
    });

    test('errors: principals, forms, owner only, DryRun', async () => {
      const id = await newSnapshot();
      const modify = (input: Omit<ConstructorParameters<typeof ModifySnapshotAttributeCommand>[0], 'SnapshotId'>, c = alice()) =>
        c.send(new ModifySnapshotAttributeCommand({ SnapshotId: id, ...input }));
      await expectError(modify({ CreateVolumePermission: { Add: [{ UserId: '12345' }] } }), 'InvalidUserID.Malformed', /12345/);
      await expectError(modify({ OperationType: 'add', GroupNames: ['everyone'] }), 'InvalidParameterValue', /everyone/);
      await expectError(modify({ CreateVolumePermission: { Add: [{ UserId: B }], Remove: [{ Group: 'all' }] } }), 'InvalidParameterCombination');
      await expectError(modify({ UserIds: [B] }), 'MissingParameter', /OperationType/);
      await expectError(modify({}), 'MissingParameter');
      await expectError(modify({ CreateVolumePermission: { Add: [{ UserId: B }] }, UserIds: [B], OperationType: 'add' }), 'InvalidParameterCombination');
      await expectError(modify({ Attribute: 'productCodes', OperationType: 'add', UserIds: [B] }), 'InvalidParameterValue');
      await expectError(modify({ CreateVolumePermission: { Add: Array.from({ length: 501 }, (_, i) => ({ UserId: String(100000000000 + i) })) } }), 'InvalidParameterValue', /500/);
      await expectError(modify({ CreateVolumePermission: { Add: [{ UserId: B }] }, DryRun: true }), 'DryRunOperation', undefined, 412);
      assert.deepEqual(await permissions(alice(), id), []);
      await expectError(alice().send(new ModifySnapshotAttributeCommand({ SnapshotId: UNKNOWN, CreateVolumePermission: { Add: [{ UserId: B }] } })), 'InvalidSnapshot.NotFound');
      // Bob: not found while private; visible once shared, but only the owner manages sharing
      await expectError(modify({ CreateVolumePermission: { Add: [{ Group: 'all' }] } }, bob()), 'InvalidSnapshot.NotFound');
      await share(id, [{ UserId: B }]);
      await expectError(modify({ CreateVolumePermission: { Add: [{ Group: 'all' }] } }, bob()), 'UnauthorizedOperation', undefined, 403);
      await expectError(permissions(bob(), id), 'UnauthorizedOperation', undefined, 403);
      await expectError(bob().send(new ResetSnapshotAttributeCommand({ SnapshotId: id, Attribute: 'createVolumePermission' })), 'UnauthorizedOperation', undefined, 403);
    });

    test('encrypted snapshots are never public; under the AWS managed key they are never shared', async () => {
      const key = (await kms(server.url, { account: ALICE }).send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
      const cmk = await newSnapshot(alice(), await newVolume(alice(), { Encrypted: true, KmsKeyId: key }));
      await expectError(share(cmk, [{ Group: 'all' }]), 'OperationNotPermitted', /publicly/);
      await share(cmk, [{ UserId: B }]);
      assert.deepEqual(await permissions(alice(), cmk), [{ UserId: B }]);

      const managed = await newSnapshot(alice(), await newVolume(alice(), { Encrypted: true }));
      assert.match((await describeOne(alice(), managed))!.KmsKeyId!, /^arn:aws:kms:us-east-1:111111111111:key\//);
      await expectError(share(managed, [{ UserId: B }]), 'OperationNotPermitted', /Encrypted snapshots with EBS default key cannot be shared/);
      await expectError(alice().send(new ModifySnapshotAttributeCommand({ SnapshotId: managed, OperationType: 'add', UserIds: [B] })), 'OperationNotPermitted');
      assert.deepEqual(await permissions(alice(), managed), []);
    });
  });

  describe('snapshot block public access', () => {
    test('block-new-sharing refuses new public shares; block-all-sharing hides the existing ones', async () => {
      const state = await alice().send(new GetSnapshotBlockPublicAccessStateCommand({}));
      assert.equal(state.State, 'unblocked');
      assert.equal(state.ManagedBy, 'account');
      const pub = await newSnapshot();
      await share(pub, [{ Group: 'all' }]);
      const direct = await newSnapshot();
      await share(direct, [{ Group: 'all' }, { UserId: B }]);
      assert.ok((await ids(bob())).includes(pub));

      await expectError(alice().send(new EnableSnapshotBlockPublicAccessCommand({ State: 'block-new-sharing', DryRun: true })), 'DryRunOperation', undefined, 412);
      assert.equal((await alice().send(new GetSnapshotBlockPublicAccessStateCommand({}))).State, 'unblocked');
      assert.equal((await alice().send(new EnableSnapshotBlockPublicAccessCommand({ State: 'block-new-sharing' }))).State, 'block-new-sharing');
      const fresh = await newSnapshot();
      await expectError(share(fresh, [{ Group: 'all' }]), 'OperationNotPermitted', /block public access/);
      await share(fresh, [{ UserId: B }]); // private sharing is unaffected
      assert.ok((await ids(bob())).includes(pub), 'already public snapshots stay public');

      await alice().send(new EnableSnapshotBlockPublicAccessCommand({ State: 'block-all-sharing' }));
      assert.equal((await alice().send(new GetSnapshotBlockPublicAccessStateCommand({}))).State, 'block-all-sharing');
      await expectError(bob().send(new DescribeSnapshotsCommand({ SnapshotIds: [pub] })), 'InvalidSnapshot.NotFound'); // public snapshots are private to others
      assert.ok(!(await ids(bob(), { RestorableByUserIds: ['all'] })).includes(pub));
      await expectError(bob().send(new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: pub })), 'InvalidSnapshot.NotFound');
      assert.deepEqual(await ids(bob(), { SnapshotIds: [direct] }), [direct], 'explicit shares still work');
      assert.deepEqual(await ids(alice(), { SnapshotIds: [pub] }), [pub]);
      assert.deepEqual(await permissions(alice(), pub), [{ Group: 'all' }], 'the attribute still says all');
      // other regions are not affected
      assert.equal((await client(ALICE, 'eu-west-1').send(new GetSnapshotBlockPublicAccessStateCommand({}))).State, 'unblocked');

      await expectError(alice().send(new EnableSnapshotBlockPublicAccessCommand({ State: 'unblocked' })), 'InvalidParameterValue');
      await expectError(alice().send(new DisableSnapshotBlockPublicAccessCommand({ DryRun: true })), 'DryRunOperation', undefined, 412);
      assert.equal((await alice().send(new DisableSnapshotBlockPublicAccessCommand({}))).State, 'unblocked');
      assert.deepEqual(await ids(bob(), { SnapshotIds: [pub] }), [pub], 'public again');
    });
  });

  describe('data through the EBS direct APIs', () => {
    const direct = (account: TestAccount = ALICE, region = 'us-east-1') => ebs(server.url, { account, region });
    const sum = (b: Buffer) => createHash('sha256').update(b).digest('base64');
    const data = new Map([0, 3, 7, 2047].map((i) => [i, Buffer.alloc(BLOCK, (i % 250) + 1)] as const));

    async function upload(): Promise<string> {
      const s = await direct().send(new StartSnapshotCommand({ VolumeSize: 1, Description: 'uploaded' }));
      for (const [index, bytes] of data) {
        await direct().send(new PutSnapshotBlockCommand({ SnapshotId: s.SnapshotId, BlockIndex: index, BlockData: bytes, DataLength: BLOCK, Checksum: sum(bytes), ChecksumAlgorithm: 'SHA256' }));
      }
      await direct().send(new CompleteSnapshotCommand({ SnapshotId: s.SnapshotId, ChangedBlocksCount: data.size }));
      await completed(alice(), s.SnapshotId!);
      return s.SnapshotId!;
    }

    async function readAll(account: TestAccount, region: string, snapshotId: string): Promise<Map<number, Buffer>> {
      const out = new Map<number, Buffer>();
      let NextToken: string | undefined;
      do {
        const page = await direct(account, region).send(new ListSnapshotBlocksCommand({ SnapshotId: snapshotId, NextToken }));
        for (const b of page.Blocks ?? []) {
          const got = await direct(account, region).send(new GetSnapshotBlockCommand({ SnapshotId: snapshotId, BlockIndex: b.BlockIndex, BlockToken: b.BlockToken }));
          out.set(b.BlockIndex!, Buffer.from(await got.BlockData!.transformToByteArray()));
        }
        NextToken = page.NextToken;
      } while (NextToken);
      return out;
    }

    const assertData = (got: Map<number, Buffer>) => {
      assert.deepEqual([...got.keys()].sort((a, b) => a - b), [...data.keys()]);
      for (const [i, b] of data) assert.ok(got.get(i)!.equals(b), `block ${i}`);
    };

    test('FullSnapshotSizeInBytes is the non-zero data; copies read back equal (re-keyed, cross region, cross account)', async () => {
      const source = await upload();
      assert.equal((await describeOne(alice(), source))!.FullSnapshotSizeInBytes, data.size * BLOCK);
      const key = (await kms(server.url, { account: ALICE }).send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
      const rekeyed = await alice().send(new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: source, Encrypted: true, KmsKeyId: key }));
      assert.equal((await completed(alice(), rekeyed.SnapshotId!)).FullSnapshotSizeInBytes, data.size * BLOCK);
      assertData(await readAll(ALICE, 'us-east-1', rekeyed.SnapshotId!));

      const west = client(ALICE, 'eu-north-1');
      const far = await west.send(new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: rekeyed.SnapshotId! }));
      const farCopy = await completed(west, far.SnapshotId!);
      assert.equal(farCopy.Encrypted, true);
      assert.match(farCopy.KmsKeyId!, /^arn:aws:kms:eu-north-1:111111111111:key\//);
      assertData(await readAll(ALICE, 'eu-north-1', far.SnapshotId!));

      await share(source, [{ UserId: B }]);
      const bobs = await bob().send(new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: source }));
      await completed(bob(), bobs.SnapshotId!);
      assertData(await readAll(BOB, 'us-east-1', bobs.SnapshotId!));
    });

    test('a volume restored from a snapshot snapshots back to the same data', async () => {
      const source = await upload();
      const volumeId = await newVolume(alice(), { SnapshotId: source });
      const again = await newSnapshot(alice(), volumeId);
      assert.equal((await describeOne(alice(), again))!.FullSnapshotSizeInBytes, data.size * BLOCK);
      assertData(await readAll(ALICE, 'us-east-1', again));
    });
  });

  test('snapshots, shares, tags and block public access survive a restart', async () => {
    const id = await newSnapshot(alice(), undefined, 'durable');
    await share(id, [{ UserId: B }]);
    await alice().send(new CreateTagsCommand({ Resources: [id], Tags: [{ Key: 'keep', Value: 'me' }] }));
    await alice().send(new EnableSnapshotBlockPublicAccessCommand({ State: 'block-new-sharing' }));
    const pending = await alice().send(new CopySnapshotCommand({ SourceRegion: 'us-east-1', SourceSnapshotId: id }));
    assert.equal(await server.stop(), 0);
    server = await startServer({ dataDir: dir, credentials: writeCredentials(dir), args: ['--settle-ms', '50'] });
    const s = (await describeOne(alice(), id))!;
    assert.equal(s.Description, 'durable');
    assert.equal(s.State, 'completed');
    assert.deepEqual(s.Tags, [{ Key: 'keep', Value: 'me' }]);
    assert.deepEqual(await ids(bob(), { SnapshotIds: [id] }), [id]);
    assert.equal((await alice().send(new GetSnapshotBlockPublicAccessStateCommand({}))).State, 'block-new-sharing');
    assert.equal((await completed(alice(), pending.SnapshotId!)).SnapshotId, pending.SnapshotId, 'a copy pending at shutdown completes after it');
    await alice().send(new DisableSnapshotBlockPublicAccessCommand({}));
  });
});
