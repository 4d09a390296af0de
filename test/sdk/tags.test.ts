// EC2 tags through @aws-sdk/client-ec2 against a real server with two accounts: CreateTags,
// DeleteTags (by key, by key and value, empty values, everything), DescribeTags (filters with
// wildcards, paging), AWS's errors (InvalidID, each resource's NotFound, reserved keys, 50 tags,
// 1000 resources), per-account tags on a shared snapshot, DryRun, and a restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CreateSnapshotCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DeleteTagsCommand,
  DescribeSnapshotsCommand,
  DescribeTagsCommand,
  DescribeVolumesCommand,
  ModifySnapshotAttributeCommand,
  type DescribeTagsCommandInput,
  type EC2Client,
  type Tag,
} from '@aws-sdk/client-ec2';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestAccount, type TestServer } from '../helpers/server.js';
import { expectAwsError as expectError, ec2 } from '../helpers/clients.js';
import { until } from '../helpers/until.js';


describe('EC2 tags', () => {
  let server: TestServer;
  let dir: string;
  let volumeId: string;
  let snapshotId: string;
  const client = (account: TestAccount = ALICE, region = 'us-east-1'): EC2Client => ec2(server.url, { account, region });
  const alice = () => client(ALICE);
  const bob = () => client(BOB);

  const tagsOf = async (c: EC2Client, resourceId: string): Promise<Tag[]> =>
    ((await c.send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-id', Values: [resourceId] }] }))).Tags ?? []).map((t) => ({ Key: t.Key, Value: t.Value }));
  const describeTags = async (c: EC2Client, input: DescribeTagsCommandInput) => (await c.send(new DescribeTagsCommand(input))).Tags ?? [];


  before(async () => {
    dir = tempDir();
    server = await startServer({ dataDir: dir, credentials: writeCredentials(dir), args: ['--settle-ms', '50'] });
    volumeId = (await alice().send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1 }))).VolumeId!;
    await until('ready', async () => ((await alice().send(new DescribeVolumesCommand({ VolumeIds: [volumeId] }))).Volumes![0].State === 'available' ? true : undefined));
    snapshotId = (await alice().send(new CreateSnapshotCommand({ VolumeId: volumeId }))).SnapshotId!;
  });
  after(async () => {
    await server?.stop();
    removeDir(dir);
  });

  test('CreateTags on snapshots and volumes; empty values; overwriting; DescribeTags rows', async () => {
    await alice().send(new CreateTagsCommand({ Resources: [snapshotId, volumeId], Tags: [{ Key: 'Name', Value: 'one' }, { Key: 'Empty', Value: '' }] }));
    await alice().send(new CreateTagsCommand({ Resources: [snapshotId], Tags: [{ Key: 'Name', Value: 'two' }] }));
    assert.deepEqual(await tagsOf(alice(), snapshotId), [{ Key: 'Empty', Value: '' }, { Key: 'Name', Value: 'two' }]);
    const rows = await describeTags(alice(), { Filters: [{ Name: 'key', Values: ['Name'] }] });
    assert.deepEqual(
      rows.map((t) => [t.ResourceId, t.ResourceType, t.Key, t.Value]).sort(),
      [
        [snapshotId, 'snapshot', 'Name', 'two'],
        [volumeId, 'volume', 'Name', 'one'],
      ].sort(),
    );
    const snapshot = (await alice().send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }))).Snapshots![0];
    assert.deepEqual(snapshot.Tags, [{ Key: 'Empty', Value: '' }, { Key: 'Name', Value: 'two' }]);
  });

  test('DescribeTags filters: key, value, resource-id, resource-type, tag:<key>, wildcards', async () => {
    await alice().send(new CreateTagsCommand({ Resources: [snapshotId], Tags: [{ Key: 'Env', Value: 'prod-eu' }] }));
    await alice().send(new CreateTagsCommand({ Resources: [volumeId], Tags: [{ Key: 'Env', Value: 'dev' }] }));
    const rows = async (Filters: { Name: string; Values: string[] }[]) =>
      (await describeTags(alice(), { Filters })).map((t) => `${t.ResourceType}:${t.Key}=${t.Value}`).sort();
    assert.deepEqual(await rows([{ Name: 'value', Values: ['prod-*'] }]), ['snapshot:Env=prod-eu']);
    assert.deepEqual(await rows([{ Name: 'key', Values: ['Env'] }, { Name: 'resource-type', Values: ['volume'] }]), ['volume:Env=dev']);
    assert.deepEqual(await rows([{ Name: 'resource-id', Values: [volumeId] }, { Name: 'key', Values: ['E*'] }]), ['volume:Empty=', 'volume:Env=dev']);
    // tag:<key> picks the resources carrying that tag
    assert.deepEqual(await rows([{ Name: 'tag:Env', Values: ['dev'] }]), ['volume:Empty=', 'volume:Env=dev', 'volume:Name=one']);
    assert.deepEqual(await rows([{ Name: 'key', Values: ['Nope'] }]), []);
    await expectError(alice().send(new DescribeTagsCommand({ Filters: [{ Name: 'colour', Values: ['x'] }] })), 'InvalidParameterValue');
  });

  test('DescribeTags paging: MaxResults 5..1000 and tokens', async () => {
    const many = Array.from({ length: 12 }, (_, i) => ({ Key: `page-${String(i).padStart(2, '0')}`, Value: String(i) }));
    await alice().send(new CreateTagsCommand({ Resources: [volumeId], Tags: many }));
    const Filters = [{ Name: 'key', Values: ['page-*'] }];
    const seen: string[] = [];
    let NextToken: string | undefined;
    let pages = 0;
    do {
      const out = await alice().send(new DescribeTagsCommand({ Filters, MaxResults: 5, NextToken }));
      assert.ok(out.Tags!.length <= 5);
      seen.push(...out.Tags!.map((t) => t.Key!));
      NextToken = out.NextToken;
      pages++;
    } while (NextToken);
    assert.equal(pages, 3);
    assert.deepEqual(seen, many.map((t) => t.Key));
    await expectError(alice().send(new DescribeTagsCommand({ MaxResults: 4 })), 'InvalidParameterValue');
    await alice().send(new DeleteTagsCommand({ Resources: [volumeId], Tags: many.map((t) => ({ Key: t.Key })) }));
  });

  test('DeleteTags: by key (any value), by key and value, empty value only, all user tags', async () => {
    const tagged = (await alice().send(new CreateSnapshotCommand({ VolumeId: volumeId }))).SnapshotId!;
    const set = async () =>
      alice().send(new CreateTagsCommand({ Resources: [tagged], Tags: [{ Key: 'a', Value: '1' }, { Key: 'b', Value: '' }, { Key: 'c', Value: '3' }, { Key: 'd', Value: 'x' }] }));
    await set();
    await alice().send(new DeleteTagsCommand({ Resources: [tagged], Tags: [{ Key: 'a' }] }));
    await alice().send(new DeleteTagsCommand({ Resources: [tagged], Tags: [{ Key: 'c', Value: 'other' }] })); // value differs: kept
    await alice().send(new DeleteTagsCommand({ Resources: [tagged], Tags: [{ Key: 'd', Value: '' }] })); // not empty: kept
    await alice().send(new DeleteTagsCommand({ Resources: [tagged], Tags: [{ Key: 'b', Value: '' }] })); // empty: deleted
    assert.deepEqual(await tagsOf(alice(), tagged), [{ Key: 'c', Value: '3' }, { Key: 'd', Value: 'x' }]);
    await alice().send(new DeleteTagsCommand({ Resources: [tagged], Tags: [{ Key: 'c', Value: '3' }] }));
    assert.deepEqual(await tagsOf(alice(), tagged), [{ Key: 'd', Value: 'x' }]);
    await set();
    await alice().send(new DeleteTagsCommand({ Resources: [tagged] }));
    assert.deepEqual(await tagsOf(alice(), tagged), []);
    await expectError(alice().send(new DeleteTagsCommand({ Resources: [tagged], Tags: [{ Key: 'aws:cloudformation:stack-name' }] })), 'InvalidParameterValue', /reserved/);
  });

  test('errors: malformed ids, each resource’s NotFound, reserved keys, limits — and nothing is half-applied', async () => {
    const create = (Resources: string[], Tags: Tag[] = [{ Key: 'k', Value: 'v' }]) => alice().send(new CreateTagsCommand({ Resources, Tags }));
    await expectError(create(['snap-xyz']), 'InvalidID', /snap-xyz/);
    await expectError(create(['nonsense']), 'InvalidID');
    await expectError(create(['snap-0123456789abcdef0']), 'InvalidSnapshot.NotFound', /snap-0123456789abcdef0/);
    await expectError(create(['vol-0123456789abcdef0']), 'InvalidVolume.NotFound');
    await expectError(create(['ami-0123456789abcdef0']), 'InvalidAMIID.NotFound');
    await expectError(create(['i-0123456789abcdef0']), 'InvalidInstanceID.NotFound');
    await expectError(create([snapshotId, 'snap-0123456789abcdef0'], [{ Key: 'half', Value: 'no' }]), 'InvalidSnapshot.NotFound');
    assert.ok(!(await tagsOf(alice(), snapshotId)).some((t) => t.Key === 'half'), 'one bad id fails the whole request');
    await expectError(create([snapshotId], [{ Key: 'aws:owner', Value: 'x' }]), 'InvalidParameterValue', /aws:/);
    await expectError(create([snapshotId], [{ Key: 'k'.repeat(129), Value: 'x' }]), 'InvalidParameterValue');
    await expectError(create([snapshotId], [{ Key: 'k', Value: 'v'.repeat(257) }]), 'InvalidParameterValue');
    await expectError(create(Array.from({ length: 1001 }, () => snapshotId)), 'InvalidParameterValue', /1000/);
    await expectError(alice().send(new DeleteTagsCommand({ Resources: ['vol-0123456789abcdef0'] })), 'InvalidVolume.NotFound');
    await expectError(alice().send(new DeleteTagsCommand({ Resources: ['x-1'] })), 'InvalidID');
  });

  test('50 tags per resource', async () => {
    const fresh = (await alice().send(new CreateSnapshotCommand({ VolumeId: volumeId }))).SnapshotId!;
    const fifty = Array.from({ length: 50 }, (_, i) => ({ Key: `t${i}`, Value: 'v' }));
    await alice().send(new CreateTagsCommand({ Resources: [fresh], Tags: fifty }));
    await alice().send(new CreateTagsCommand({ Resources: [fresh], Tags: [{ Key: 't0', Value: 'overwrite is fine' }] }));
    await expectError(alice().send(new CreateTagsCommand({ Resources: [fresh], Tags: [{ Key: 'one-more', Value: 'v' }] })), 'TagLimitExceeded');
    assert.equal((await tagsOf(alice(), fresh)).length, 50);
  });

  test('tags are per account: on a shared snapshot each account sees and sets its own', async () => {
    const shared = (await alice().send(new CreateSnapshotCommand({ VolumeId: volumeId }))).SnapshotId!;
    await alice().send(new CreateTagsCommand({ Resources: [shared], Tags: [{ Key: 'owner', Value: 'alice' }] }));
    await expectError(bob().send(new CreateTagsCommand({ Resources: [shared], Tags: [{ Key: 'x', Value: 'y' }] })), 'InvalidSnapshot.NotFound');
    await alice().send(new ModifySnapshotAttributeCommand({ SnapshotId: shared, CreateVolumePermission: { Add: [{ UserId: BOB.accountId }] } }));
    await bob().send(new CreateTagsCommand({ Resources: [shared], Tags: [{ Key: 'seen-by', Value: 'bob' }] }));
    assert.deepEqual(await tagsOf(bob(), shared), [{ Key: 'seen-by', Value: 'bob' }]);
    assert.deepEqual(await tagsOf(alice(), shared), [{ Key: 'owner', Value: 'alice' }]);
    assert.deepEqual((await bob().send(new DescribeSnapshotsCommand({ SnapshotIds: [shared] }))).Snapshots![0].Tags, [{ Key: 'seen-by', Value: 'bob' }]);
    await bob().send(new DeleteTagsCommand({ Resources: [shared] }));
    assert.deepEqual(await tagsOf(alice(), shared), [{ Key: 'owner', Value: 'alice' }], 'Bob deleting his tags leaves Alice’s');
    // Bob cannot tag Alice's volume (volumes are never shared)
    await expectError(bob().send(new CreateTagsCommand({ Resources: [volumeId], Tags: [{ Key: 'x', Value: 'y' }] })), 'InvalidVolume.NotFound');
  });

  test('DryRun checks everything and changes nothing', async () => {
    await expectError(alice().send(new CreateTagsCommand({ Resources: [snapshotId], Tags: [{ Key: 'dry', Value: 'run' }], DryRun: true })), 'DryRunOperation', undefined, 412);
    await expectError(alice().send(new CreateTagsCommand({ Resources: ['snap-0123456789abcdef0'], Tags: [{ Key: 'dry', Value: 'run' }], DryRun: true })), 'InvalidSnapshot.NotFound');
    assert.ok(!(await tagsOf(alice(), snapshotId)).some((t) => t.Key === 'dry'));
    await expectError(alice().send(new DeleteTagsCommand({ Resources: [snapshotId], DryRun: true })), 'DryRunOperation', undefined, 412);
    assert.ok((await tagsOf(alice(), snapshotId)).length > 0);
    await expectError(alice().send(new DescribeTagsCommand({ DryRun: true })), 'DryRunOperation', undefined, 412);
  });

  test('tags survive a restart', async () => {
    const before = await tagsOf(alice(), snapshotId);
    assert.ok(before.length > 0);
    assert.equal(await server.stop(), 0);
    server = await startServer({ dataDir: dir, credentials: writeCredentials(dir), args: ['--settle-ms', '50'] });
    assert.deepEqual(await tagsOf(alice(), snapshotId), before);
  });
});
