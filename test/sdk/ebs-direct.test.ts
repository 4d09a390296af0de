// The EBS direct APIs through @aws-sdk/client-ebs (and client-ec2/client-kms around them)
// against real server processes: real bytes in and out, incremental lineages, encryption at
// rest, every error path with AWS's code, status and Reason, cross-account rules, idempotency,
// and crashes in the middle of an upload.
import { metadataAtRest, queryMetadata } from '../helpers/metadata-db.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  CompleteSnapshotCommand,
  GetSnapshotBlockCommand,
  ListChangedBlocksCommand,
  ListSnapshotBlocksCommand,
  PutSnapshotBlockCommand,
  StartSnapshotCommand,
  type EBSClient,
  type StartSnapshotCommandInput,
} from '@aws-sdk/client-ebs';
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EnableEbsEncryptionByDefaultCommand,
  ModifySnapshotAttributeCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateKeyCommand, DescribeKeyCommand, DisableKeyCommand, EnableKeyCommand, PutKeyPolicyCommand } from '@aws-sdk/client-kms';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestAccount, type TestServer } from '../helpers/server.js';
import { awsError, ebs, ec2, kms } from '../helpers/clients.js';

const BLOCK = 524288;
const sha = (b: Uint8Array) => createHash('sha256').update(b).digest();
const sum = (b: Uint8Array) => sha(b).toString('base64');
const random = () => randomBytes(BLOCK);
const zeros = () => Buffer.alloc(BLOCK);
/** compressible and recognisable: a marker text repeated over the block */
const text = (marker: string) => Buffer.alloc(BLOCK, `${marker} `);

interface Clients {
  ebs: EBSClient;
  ec2: EC2Client;
}

const clientsFor = (url: string, account: TestAccount, region = 'us-east-1'): Clients => ({
  ebs: ebs(url, { account, region }),
  ec2: ec2(url, { account, region }),
});

async function expectError(p: Promise<unknown>, name: string, status: number, reason?: string): Promise<string> {
  const e = await awsError(p);
  assert.equal(e.name, name, `${e.name}: ${e.message}`);
  assert.equal(e.status, status, e.message);
  if (reason !== undefined) assert.equal(e.error.Reason, reason, e.message);
  return e.message;
}

const put = (c: Clients, snapshotId: string, index: number, data: Buffer, extra: { Progress?: number } = {}) =>
  c.ebs.send(new PutSnapshotBlockCommand({ SnapshotId: snapshotId, BlockIndex: index, BlockData: data, DataLength: BLOCK, Checksum: sum(data), ChecksumAlgorithm: 'SHA256', ...extra }));

async function state(c: Clients, snapshotId: string): Promise<string | undefined> {
  const out = await c.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }));
  return out.Snapshots?.[0]?.State;
}

async function waitState(c: Clients, snapshotId: string, wanted: string): Promise<void> {
  let last: string | undefined;
  for (let i = 0; i < 500; i++) {
    last = await state(c, snapshotId);
    if (last === wanted) return;
    await new Promise((r) => setTimeout(r, 10));
  }
  assert.fail(`snapshot ${snapshotId} stayed ${last}, never ${wanted}`);
}

/** StartSnapshot, every write (concurrently), CompleteSnapshot, and the wait for `completed`. */
async function upload(c: Clients, writes: Map<number, Buffer>, start: Omit<StartSnapshotCommandInput, 'VolumeSize'> & { VolumeSize?: number } = {}): Promise<string> {
  const s = await c.ebs.send(new StartSnapshotCommand({ VolumeSize: 1, ...start }));
  await Promise.all([...writes].map(([i, data]) => put(c, s.SnapshotId!, i, data)));
  const done = await c.ebs.send(new CompleteSnapshotCommand({ SnapshotId: s.SnapshotId, ChangedBlocksCount: writes.size }));
  assert.equal(done.$metadata.httpStatusCode, 202);
  assert.equal(done.Status, 'pending');
  await waitState(c, s.SnapshotId!, 'completed');
  return s.SnapshotId!;
}

async function listAll(c: Clients, snapshotId: string, maxResults?: number): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  let token: string | undefined;
  do {
    const page = await c.ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: snapshotId, NextToken: token, MaxResults: maxResults }));
    assert.equal(page.BlockSize, BLOCK);
    for (const b of page.Blocks ?? []) out.set(b.BlockIndex!, b.BlockToken!);
    token = page.NextToken;
  } while (token);
  return out;
}

async function getBlock(c: Clients, snapshotId: string, index: number, token: string): Promise<Buffer> {
  const out = await c.ebs.send(new GetSnapshotBlockCommand({ SnapshotId: snapshotId, BlockIndex: index, BlockToken: token }));
  const data = Buffer.from(await out.BlockData!.transformToByteArray());
  assert.equal(out.DataLength, BLOCK);
  assert.equal(out.ChecksumAlgorithm, 'SHA256');
  assert.equal(out.Checksum, sum(data), 'x-amz-Checksum is the SHA-256 of the data');
  return data;
}

/** Every non-zero block of a snapshot, read through the API. */
async function readAll(c: Clients, snapshotId: string): Promise<Map<number, Buffer>> {
  const out = new Map<number, Buffer>();
  for (const [index, token] of await listAll(c, snapshotId)) out.set(index, await getBlock(c, snapshotId, index, token));
  return out;
}

function assertContent(got: Map<number, Buffer>, expected: Map<number, Buffer>): void {
  const nonZero = [...expected].filter(([, b]) => b.some((x) => x !== 0));
  assert.deepEqual([...got.keys()].sort((a, b) => a - b), nonZero.map(([i]) => i).sort((a, b) => a - b));
  for (const [i, b] of nonZero) assert.ok(got.get(i)!.equals(b), `block ${i} differs`);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

describe('EBS direct APIs', () => {
  let server: TestServer;
  let dir: string;
  let alice: Clients;
  let bob: Clients;

  before(async () => {
    dir = tempDir();
    server = await startServer({ credentials: writeCredentials(dir), args: ['--settle-ms', '50'] });
    alice = clientsFor(server.url, ALICE);
    bob = clientsFor(server.url, BOB);
  });

  after(async () => {
    await server.stop();
    removeDir(dir);
    removeDir(server.dataDir);
  });

  test('a sparse upload (random, compressible, zero and repeated blocks) reads back byte for byte', async () => {
    const a = random();
    const writes = new Map<number, Buffer>([
      [0, a],
      [1, zeros()],
      [5, random()],
      [9, text('compressible')],
      [700, random()],
      [800, a], // same content as block 0
      [1000, zeros()],
      [2047, random()], // the last block of 1 GiB
    ]);
    const s = await alice.ebs.send(new StartSnapshotCommand({ VolumeSize: 1, Description: 'sparse upload', Tags: [{ Key: 'k', Value: 'v' }] }));
    assert.equal(s.$metadata.httpStatusCode, 201);
    assert.equal(s.Status, 'pending');
    assert.equal(s.BlockSize, BLOCK);
    assert.equal(s.VolumeSize, 1);
    assert.equal(s.OwnerId, ALICE.accountId);
    assert.equal(s.Description, 'sparse upload');
    assert.deepEqual(s.Tags, [{ Key: 'k', Value: 'v' }]);
    assert.equal(s.SseType, 'none');
    assert.equal(s.KmsKeyArn, undefined);
    assert.ok(s.StartTime instanceof Date && Math.abs(s.StartTime.getTime() - Date.now()) < 60_000);
    assert.match(s.SnapshotId!, /^snap-[0-9a-f]{17}$/);

    // an ordinary EC2 snapshot, pending while written
    const described = (await alice.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [s.SnapshotId!] }))).Snapshots![0];
    assert.equal(described.State, 'pending');
    assert.equal(described.VolumeSize, 1);
    assert.equal(described.Description, 'sparse upload');
    assert.equal(described.Encrypted, false);
    assert.deepEqual(described.Tags, [{ Key: 'k', Value: 'v' }]);

    let n = 0;
    for (const [i, data] of writes) {
      const out = await put(alice, s.SnapshotId!, i, data, { Progress: Math.round((++n / writes.size) * 100) });
      assert.equal(out.$metadata.httpStatusCode, 201);
      assert.equal(out.Checksum, sum(data), 'the checksum headers are echoed');
      assert.equal(out.ChecksumAlgorithm, 'SHA256');
    }
    // a rewrite of a block replaces it, and counts once
    const last = random();
    await put(alice, s.SnapshotId!, 5, last);
    writes.set(5, last);
    // the aggregate over the base64 strings of the block checksums, in block index order
    const ordered = [...writes].sort(([x], [y]) => x - y).map(([, b]) => sum(b));
    const aggregate = createHash('sha256').update(ordered.join('')).digest('base64');
    const done = await alice.ebs.send(
      new CompleteSnapshotCommand({ SnapshotId: s.SnapshotId, ChangedBlocksCount: writes.size, Checksum: aggregate, ChecksumAlgorithm: 'SHA256', ChecksumAggregationMethod: 'LINEAR' }),
    );
    assert.equal(done.Status, 'pending');
    await waitState(alice, s.SnapshotId!, 'completed');

    const got = await readAll(alice, s.SnapshotId!);
    assertContent(got, writes);
    // StartingBlockIndex: from that index or the next one with data
    const from = await alice.ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: s.SnapshotId, StartingBlockIndex: 6 }));
    assert.deepEqual(from.Blocks!.map((b) => b.BlockIndex), [9, 700, 800, 2047]);
    assert.equal(from.VolumeSize, 1);
    assert.equal(from.NextToken, undefined);
    assert.ok(from.ExpiryTime! > new Date());
    // a completed snapshot serves CreateVolume
    const volume = await alice.ec2.send(new CreateVolumeCommand({ SnapshotId: s.SnapshotId, AvailabilityZone: 'us-east-1a' }));
    assert.equal(volume.Size, 1);
    assert.equal(volume.SnapshotId, s.SnapshotId);
    const volumes = await alice.ec2.send(new DescribeVolumesCommand({ VolumeIds: [volume.VolumeId!] }));
    assert.equal(volumes.Volumes![0].SnapshotId, s.SnapshotId);
    // a retried completion answers again, without effect
    const again = await alice.ebs.send(new CompleteSnapshotCommand({ SnapshotId: s.SnapshotId, ChangedBlocksCount: writes.size }));
    assert.equal(again.Status, 'completed');
  });

  test('CompleteSnapshot takes the aggregate over the raw digests too', async () => {
    const writes = new Map([
      [3, random()],
      [1, random()],
    ]);
    const s = await alice.ebs.send(new StartSnapshotCommand({ VolumeSize: 1 }));
    for (const [i, b] of writes) await put(alice, s.SnapshotId!, i, b);
    const raw = createHash('sha256').update(Buffer.concat([sha(writes.get(1)!), sha(writes.get(3)!)])).digest('base64');
    const wrong = createHash('sha256').update(Buffer.concat([sha(writes.get(3)!), sha(writes.get(1)!)])).digest('base64'); // not in index order
    const complete = (Checksum: string) =>
      alice.ebs.send(new CompleteSnapshotCommand({ SnapshotId: s.SnapshotId, ChangedBlocksCount: 2, Checksum, ChecksumAlgorithm: 'SHA256', ChecksumAggregationMethod: 'LINEAR' }));
    await expectError(complete(wrong), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
    assert.equal(await state(alice, s.SnapshotId!), 'pending');
    await complete(raw);
    await waitState(alice, s.SnapshotId!, 'completed');
    assertContent(await readAll(alice, s.SnapshotId!), writes);
  });

  test('paging: MaxResults, NextToken, StartingBlockIndex ignored with a token, foreign tokens refused', async () => {
    const writes = new Map<number, Buffer>();
    for (let i = 0; i < 230; i++) {
      const b = Buffer.alloc(BLOCK);
      b.write(`block ${i} ${randomBytes(8).toString('hex')}`);
      writes.set(i * 3, b);
    }
    const id = await upload(alice, writes);
    const first = await alice.ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: id, MaxResults: 100 }));
    assert.equal(first.Blocks!.length, 100);
    assert.ok(first.NextToken);
    const second = await alice.ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: id, MaxResults: 100, NextToken: first.NextToken, StartingBlockIndex: 0 }));
    assert.equal(second.Blocks![0].BlockIndex, 300, 'StartingBlockIndex is ignored with a NextToken');
    const all = await listAll(alice, id, 100);
    assert.equal(all.size, 230);
    assert.deepEqual([...all.keys()], [...writes.keys()]);
    // a block from the middle of a later page, by its token
    assert.ok((await getBlock(alice, id, 600, all.get(600)!)).equals(writes.get(600)!));

    const other = await upload(alice, new Map([[0, random()]]));
    await expectError(alice.ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: other, NextToken: first.NextToken })), 'ValidationException', 400, 'INVALID_PAGE_TOKEN');
    await expectError(alice.ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: id, NextToken: 'QUJDRA==' })), 'ValidationException', 400, 'INVALID_PAGE_TOKEN');
    await expectError(alice.ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: id, NextToken: 'not-base64!' })), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
    for (const MaxResults of [99, 10001]) {
      await expectError(alice.ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: id, MaxResults })), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
    }
  });

  test('an incremental child: ParentSnapshotId continues the lineage; ListChangedBlocks is exact', async () => {
    const [a, b, c, d] = [random(), random(), random(), random()];
    const parent = await upload(
      alice,
      new Map([
        [0, a],
        [1, b],
        [2, c],
        [10, d],
      ]),
    );
    const b2 = random();
    const e = random();
    const s = await alice.ebs.send(new StartSnapshotCommand({ VolumeSize: 2, ParentSnapshotId: parent }));
    assert.equal(s.ParentSnapshotId, parent);
    await put(alice, s.SnapshotId!, 1, b2); // changed
    await put(alice, s.SnapshotId!, 2, zeros()); // erased
    await put(alice, s.SnapshotId!, 3, e); // new
    await put(alice, s.SnapshotId!, 10, d); // rewritten, same content
    await put(alice, s.SnapshotId!, 3000, e); // beyond the parent's size
    await alice.ebs.send(new CompleteSnapshotCommand({ SnapshotId: s.SnapshotId, ChangedBlocksCount: 5 }));
    await waitState(alice, s.SnapshotId!, 'completed');
    const child = s.SnapshotId!;

    assertContent(
      await readAll(alice, child),
      new Map([
        [0, a],
        [1, b2],
        [3, e],
        [10, d],
        [3000, e],
      ]),
    );
    const changed = await alice.ebs.send(new ListChangedBlocksCommand({ FirstSnapshotId: parent, SecondSnapshotId: child }));
    assert.equal(changed.BlockSize, BLOCK);
    assert.equal(changed.VolumeSize, 2);
    assert.deepEqual(
      changed.ChangedBlocks!.map((x) => [x.BlockIndex, Boolean(x.FirstBlockToken), Boolean(x.SecondBlockToken)]),
      [
        [1, true, true],
        [2, true, false], // only in the first snapshot
        [3, false, true],
        [3000, false, true],
      ],
    );
    const one = changed.ChangedBlocks![0];
    assert.ok((await getBlock(alice, parent, 1, one.FirstBlockToken!)).equals(b));
    assert.ok((await getBlock(alice, child, 1, one.SecondBlockToken!)).equals(b2));
    assert.ok((await getBlock(alice, parent, 2, changed.ChangedBlocks![1].FirstBlockToken!)).equals(c));
    // a token names one snapshot's block
    await expectError(alice.ebs.send(new GetSnapshotBlockCommand({ SnapshotId: child, BlockIndex: 1, BlockToken: one.FirstBlockToken })), 'ValidationException', 400, 'INVALID_BLOCK_TOKEN');
    // paging and a starting index
    const from = await alice.ebs.send(new ListChangedBlocksCommand({ FirstSnapshotId: parent, SecondSnapshotId: child, StartingBlockIndex: 3 }));
    assert.deepEqual(from.ChangedBlocks!.map((x) => x.BlockIndex), [3, 3000]);
    // without a first snapshot: every block of the second
    const whole = await alice.ebs.send(new ListChangedBlocksCommand({ SecondSnapshotId: child }));
    assert.deepEqual(whole.ChangedBlocks!.map((x) => x.BlockIndex), [0, 1, 3, 10, 3000]);
    assert.ok(whole.ChangedBlocks!.every((x) => x.FirstBlockToken === undefined && x.SecondBlockToken));

    // a grandchild is related to its grandparent; an independent snapshot is not
    const grandchild = await upload(alice, new Map([[0, random()]]), { VolumeSize: 2, ParentSnapshotId: child });
    const far = await alice.ebs.send(new ListChangedBlocksCommand({ FirstSnapshotId: parent, SecondSnapshotId: grandchild }));
    assert.deepEqual(far.ChangedBlocks!.map((x) => x.BlockIndex), [0, 1, 2, 3, 3000]);
    const unrelated = await upload(alice, new Map([[0, a]]));
    await expectError(alice.ebs.send(new ListChangedBlocksCommand({ FirstSnapshotId: parent, SecondSnapshotId: unrelated })), 'ValidationException', 400, 'UNRELATED_SNAPSHOTS');

    // the parent's rules
    await expectError(alice.ebs.send(new StartSnapshotCommand({ VolumeSize: 1, ParentSnapshotId: child })), 'ValidationException', 400, 'INVALID_VOLUME_SIZE');
    await expectError(alice.ebs.send(new StartSnapshotCommand({ VolumeSize: 2, ParentSnapshotId: child, Encrypted: false })), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
    await expectError(alice.ebs.send(new StartSnapshotCommand({ VolumeSize: 2, ParentSnapshotId: 'snap-0123456789abcdef0' })), 'ResourceNotFoundException', 404, 'SNAPSHOT_NOT_FOUND');
    const pending = await alice.ebs.send(new StartSnapshotCommand({ VolumeSize: 1 }));
    await expectError(alice.ebs.send(new StartSnapshotCommand({ VolumeSize: 1, ParentSnapshotId: pending.SnapshotId })), 'ValidationException', 400, 'INVALID_SNAPSHOT_ID');
  });

  test('StartSnapshot validation: sizes, timeout, tags, ids, KMS ARNs', async () => {
    const start = (input: Partial<StartSnapshotCommandInput>) => alice.ebs.send(new StartSnapshotCommand({ VolumeSize: 1, ...input }));
    await expectError(start({ VolumeSize: 0 }), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
    await expectError(start({ VolumeSize: 65537 }), 'ValidationException', 400, 'INVALID_VOLUME_SIZE');
    assert.equal((await start({ VolumeSize: 65536 })).VolumeSize, 65536);
    await expectError(start({ Timeout: 9 }), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
    await expectError(start({ Timeout: 4321 }), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
    await start({ Timeout: 4320 });
    await expectError(start({ ParentSnapshotId: 'snap-XYZ' }), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
    await expectError(start({ Tags: [{ Key: 'aws:reserved', Value: 'x' }] }), 'ValidationException', 400, 'INVALID_TAG');
    await expectError(start({ Tags: Array.from({ length: 51 }, (_, i) => ({ Key: `k${i}`, Value: 'v' })) }), 'ValidationException', 400, 'INVALID_TAG');
    await expectError(start({ Tags: [{ Key: 'k'.repeat(128), Value: 'v' }] }), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
    await expectError(start({ Description: 'd'.repeat(256) }), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
    // an alias ARN is not a key ARN
    await expectError(start({ KmsKeyArn: `arn:aws:kms:us-east-1:${ALICE.accountId}:alias/aws/ebs` }), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
  });

  test('ClientToken: the same request answers the original snapshot; other parameters conflict', async () => {
    const token = `token-${randomBytes(6).toString('hex')}`;
    const first = await alice.ebs.send(new StartSnapshotCommand({ VolumeSize: 3, ClientToken: token, Description: 'idem' }));
    const again = await alice.ebs.send(new StartSnapshotCommand({ VolumeSize: 3, ClientToken: token, Description: 'idem' }));
    assert.equal(again.SnapshotId, first.SnapshotId);
    assert.equal(again.StartTime!.getTime(), first.StartTime!.getTime());
    const racing = await Promise.all([1, 2, 3].map(() => alice.ebs.send(new StartSnapshotCommand({ VolumeSize: 3, ClientToken: token, Description: 'idem' }))));
    assert.ok(racing.every((r) => r.SnapshotId === first.SnapshotId));
    const described = await alice.ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: 'description', Values: ['idem'] }] }));
    assert.deepEqual(described.Snapshots!.map((x) => x.SnapshotId), [first.SnapshotId]);
    await expectError(alice.ebs.send(new StartSnapshotCommand({ VolumeSize: 4, ClientToken: token, Description: 'idem' })), 'ConflictException', 409);
    // tokens are per account
    const bobs = await bob.ebs.send(new StartSnapshotCommand({ VolumeSize: 3, ClientToken: token, Description: 'idem' }));
    assert.notEqual(bobs.SnapshotId, first.SnapshotId);
  });

  test('PutSnapshotBlock errors change nothing', async () => {
    const s = await alice.ebs.send(new StartSnapshotCommand({ VolumeSize: 1 }));
    const id = s.SnapshotId!;
    const good = random();
    const send = (o: Partial<{ index: number; data: Buffer; length: number; checksum: string; algorithm: string; progress: number; id: string }>) =>
      alice.ebs.send(
        new PutSnapshotBlockCommand({
          SnapshotId: o.id ?? id,
          BlockIndex: o.index ?? 4,
          BlockData: o.data ?? good,
          DataLength: o.length ?? BLOCK,
          Checksum: o.checksum ?? sum(o.data ?? good),
          ChecksumAlgorithm: (o.algorithm ?? 'SHA256') as 'SHA256',
          Progress: o.progress,
        }),
      );
    await expectError(send({ checksum: sum(random()) }), 'ValidationException', 400, 'INVALID_BLOCK');
    await expectError(send({ data: Buffer.alloc(BLOCK), checksum: sum(good) }), 'ValidationException', 400, 'INVALID_BLOCK');
    // the claimed checksum names a block already stored (by another snapshot): the data is still checked
    const other = await alice.ebs.send(new StartSnapshotCommand({ VolumeSize: 1 }));
    const stored = random();
    await alice.ebs.send(new PutSnapshotBlockCommand({ SnapshotId: other.SnapshotId, BlockIndex: 0, BlockData: stored, DataLength: BLOCK, Checksum: sum(stored), ChecksumAlgorithm: 'SHA256' }));
    await expectError(send({ checksum: sum(stored) }), 'ValidationException', 400, 'INVALID_BLOCK');
    await expectError(send({ checksum: 'abc$' }), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
    await expectError(send({ index: 2048 }), 'ValidationException', 400, 'INVALID_BLOCK');
    await expectError(send({ data: good.subarray(0, 4096), length: 4096 }), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
    await expectError(send({ data: good.subarray(0, 4096) }), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
    await expectError(send({ algorithm: 'MD5' }), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
    await expectError(send({ progress: 101 }), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
    await expectError(send({ id: 'snap-0123456789abcdef0' }), 'ResourceNotFoundException', 404, 'SNAPSHOT_NOT_FOUND');
    await expectError(send({ id: 'vol-0123456789abcdef0' }), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
    // another account's private snapshot is indistinguishable from a missing one
    const missing = await expectError(bob.ebs.send(new PutSnapshotBlockCommand({ SnapshotId: id, BlockIndex: 4, BlockData: good, DataLength: BLOCK, Checksum: sum(good), ChecksumAlgorithm: 'SHA256' })), 'ResourceNotFoundException', 404, 'SNAPSHOT_NOT_FOUND');
    assert.equal(missing, `The snapshot '${id}' does not exist.`);
    // and in another region, so is one's own
    await expectError(clientsFor(server.url, ALICE, 'eu-west-1').ebs.send(new PutSnapshotBlockCommand({ SnapshotId: id, BlockIndex: 4, BlockData: good, DataLength: BLOCK, Checksum: sum(good), ChecksumAlgorithm: 'SHA256' })), 'ResourceNotFoundException', 404, 'SNAPSHOT_NOT_FOUND');

    await send({ index: 7, progress: 50 });
    // nothing else was written: ChangedBlocksCount counts one block
    await expectError(alice.ebs.send(new CompleteSnapshotCommand({ SnapshotId: id, ChangedBlocksCount: 2 })), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
    await expectError(alice.ebs.send(new CompleteSnapshotCommand({ SnapshotId: id, ChangedBlocksCount: 1, Checksum: sum(good) })), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
    await expectError(bob.ebs.send(new CompleteSnapshotCommand({ SnapshotId: id, ChangedBlocksCount: 1 })), 'ResourceNotFoundException', 404, 'SNAPSHOT_NOT_FOUND');
    await expectError(alice.ebs.send(new CompleteSnapshotCommand({ SnapshotId: 'snap-0123456789abcdef0', ChangedBlocksCount: 0 })), 'ResourceNotFoundException', 404, 'SNAPSHOT_NOT_FOUND');
    // reads wait for completion
    await expectError(alice.ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: id })), 'ValidationException', 400, 'INVALID_SNAPSHOT_ID');
    await alice.ebs.send(new CompleteSnapshotCommand({ SnapshotId: id, ChangedBlocksCount: 1 }));
    // a completed (or completing) snapshot takes no more writes
    await expectError(send({ index: 8 }), 'ValidationException', 400, 'INVALID_SNAPSHOT_ID');
    await waitState(alice, id, 'completed');
    await expectError(send({ index: 8 }), 'ValidationException', 400, 'INVALID_SNAPSHOT_ID');
    assert.deepEqual([...(await listAll(alice, id)).keys()], [7]);
    assert.equal((await alice.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [id] }))).Snapshots![0].Progress, '100%');
    // a snapshot of a volume is not an upload
    const volume = await alice.ec2.send(new CreateVolumeCommand({ Size: 1, AvailabilityZone: 'us-east-1a' }));
    for (let i = 0; i < 500 && (await alice.ec2.send(new DescribeVolumesCommand({ VolumeIds: [volume.VolumeId!] }))).Volumes![0].State !== 'available'; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    const ofVolume = (await alice.ec2.send(new CreateSnapshotCommand({ VolumeId: volume.VolumeId }))).SnapshotId!;
    await expectError(put(alice, ofVolume, 0, good), 'ValidationException', 400, 'INVALID_SNAPSHOT_ID');
    await expectError(alice.ebs.send(new CompleteSnapshotCommand({ SnapshotId: ofVolume, ChangedBlocksCount: 0 })), 'ValidationException', 400, 'INVALID_SNAPSHOT_ID');
  });

  test('block tokens: forged, foreign, mismatched and malformed tokens are refused', async () => {
    const a = random();
    const id = await upload(
      alice,
      new Map([
        [0, a],
        [1, random()],
      ]),
    );
    const other = await upload(alice, new Map([[0, a]]));
    const tokens = await listAll(alice, id);
    const token = tokens.get(0)!;
    const get = (BlockToken: string, BlockIndex = 0, SnapshotId = id) => alice.ebs.send(new GetSnapshotBlockCommand({ SnapshotId, BlockIndex, BlockToken }));
    assert.ok((await getBlock(alice, id, 0, token)).equals(a));
    const raw = Buffer.from(token, 'base64');
    const longer = Buffer.from(raw);
    longer.writeUInt32BE(raw.readUInt32BE(1) + 86400, 1); // push the expiry out
    const flipped = Buffer.from(raw);
    flipped[flipped.length - 1] ^= 1;
    for (const forged of [longer.toString('base64'), flipped.toString('base64'), 'QUJDRA==', Buffer.alloc(37, 1).toString('base64')]) {
      await expectError(get(forged), 'ValidationException', 400, 'INVALID_BLOCK_TOKEN');
    }
    await expectError(get(tokens.get(1)!), 'ValidationException', 400, 'INVALID_BLOCK_TOKEN'); // block 1's token for block 0
    await expectError(get(token, 0, other), 'ValidationException', 400, 'INVALID_BLOCK_TOKEN'); // same content, other snapshot
    await expectError(get(token, 5), 'ValidationException', 400, 'INVALID_BLOCK_TOKEN'); // no data there
    await expectError(get('not a token'), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
    await expectError(get(token, 0, 'snap-0123456789abcdef0'), 'ResourceNotFoundException', 404, 'SNAPSHOT_NOT_FOUND');
  });

  test('cross-account reads: private is missing, createVolumePermission shares, public alone does not', async () => {
    const data = random();
    const id = await upload(alice, new Map([[2, data]]));
    const token = (await listAll(alice, id)).get(2)!;
    // one at a time: a refusal answered before the previous one is awaited would be an unhandled rejection
    for (const call of [
      () => bob.ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: id })),
      () => bob.ebs.send(new GetSnapshotBlockCommand({ SnapshotId: id, BlockIndex: 2, BlockToken: token })),
      () => bob.ebs.send(new ListChangedBlocksCommand({ SecondSnapshotId: id })),
      () => bob.ebs.send(new StartSnapshotCommand({ VolumeSize: 1, ParentSnapshotId: id })),
    ]) {
      const message = await expectError(call(), 'ResourceNotFoundException', 404, 'SNAPSHOT_NOT_FOUND');
      assert.equal(message, `The snapshot '${id}' does not exist.`);
    }
    await alice.ec2.send(new ModifySnapshotAttributeCommand({ SnapshotId: id, Attribute: 'createVolumePermission', OperationType: 'add', UserIds: [BOB.accountId] }));
    assertContent(await readAll(bob, id), new Map([[2, data]]));
    // shared is not writable, and a shared snapshot is a parent for the recipient's own lineage
    await expectError(put(bob, id, 3, random()), 'AccessDeniedException', 403, 'UNAUTHORIZED_ACCOUNT');
    await expectError(bob.ebs.send(new CompleteSnapshotCommand({ SnapshotId: id, ChangedBlocksCount: 0 })), 'AccessDeniedException', 403, 'UNAUTHORIZED_ACCOUNT');
    const bobsChild = await upload(bob, new Map([[3, random()]]), { ParentSnapshotId: id });
    assert.deepEqual([...(await listAll(bob, bobsChild)).keys()], [2, 3]);
    assert.deepEqual((await bob.ebs.send(new ListChangedBlocksCommand({ FirstSnapshotId: id, SecondSnapshotId: bobsChild }))).ChangedBlocks!.map((c) => c.BlockIndex), [3]);
    // public only: the EBS direct APIs do not read public snapshots of others
    await alice.ec2.send(new ModifySnapshotAttributeCommand({ SnapshotId: id, Attribute: 'createVolumePermission', OperationType: 'remove', UserIds: [BOB.accountId] }));
    await alice.ec2.send(new ModifySnapshotAttributeCommand({ SnapshotId: id, Attribute: 'createVolumePermission', OperationType: 'add', GroupNames: ['all'] }));
    await expectError(bob.ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: id })), 'AccessDeniedException', 403, 'UNAUTHORIZED_ACCOUNT');
    await alice.ec2.send(new ModifySnapshotAttributeCommand({ SnapshotId: id, Attribute: 'createVolumePermission', OperationType: 'remove', GroupNames: ['all'] }));
  });

  test('encryption: default key, a CMK, parents, KMS errors, and sharing an encrypted snapshot', async () => {
    const region = 'eu-central-1'; // encryption by default is per account and region
    const a = clientsFor(server.url, ALICE, region);
    const b = clientsFor(server.url, BOB, region);
    const aliceKms = kms(server.url, { account: ALICE, region });
    const cmk = (await aliceKms.send(new CreateKeyCommand({ Description: 'ebs direct' }))).KeyMetadata!.Arn!;

    const plainParent = await upload(a, new Map([[0, random()]]));
    // Encrypted=true without a key: the account's default EBS key (aws/ebs)
    const data = random();
    const s = await a.ebs.send(new StartSnapshotCommand({ VolumeSize: 1, Encrypted: true }));
    const awsEbs = (await aliceKms.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' }))).KeyMetadata!.Arn;
    assert.equal(s.KmsKeyArn, awsEbs);
    assert.equal(s.SseType, 'sse-kms');
    await put(a, s.SnapshotId!, 0, data);
    await a.ebs.send(new CompleteSnapshotCommand({ SnapshotId: s.SnapshotId, ChangedBlocksCount: 1, Checksum: createHash('sha256').update(sum(data)).digest('base64'), ChecksumAlgorithm: 'SHA256', ChecksumAggregationMethod: 'LINEAR' }));
    await waitState(a, s.SnapshotId!, 'completed');
    const described = (await a.ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [s.SnapshotId!] }))).Snapshots![0];
    assert.equal(described.Encrypted, true);
    assert.equal(described.KmsKeyId, awsEbs);
    assertContent(await readAll(a, s.SnapshotId!), new Map([[0, data]]));

    // a CMK; an encrypted parent passes its key on
    const withCmk = await upload(a, new Map([[1, data]]), { KmsKeyArn: cmk });
    const started = await a.ebs.send(new StartSnapshotCommand({ VolumeSize: 1, ParentSnapshotId: withCmk }));
    assert.equal(started.KmsKeyArn, cmk);
    await put(a, started.SnapshotId!, 2, data);
    await a.ebs.send(new CompleteSnapshotCommand({ SnapshotId: started.SnapshotId, ChangedBlocksCount: 1 }));
    await waitState(a, started.SnapshotId!, 'completed');
    assertContent(
      await readAll(a, started.SnapshotId!),
      new Map([
        [1, data],
        [2, data],
      ]),
    );
    assert.deepEqual((await a.ebs.send(new ListChangedBlocksCommand({ FirstSnapshotId: withCmk, SecondSnapshotId: started.SnapshotId }))).ChangedBlocks!.map((c) => c.BlockIndex), [2]);
    await expectError(a.ebs.send(new StartSnapshotCommand({ VolumeSize: 1, ParentSnapshotId: withCmk, KmsKeyArn: awsEbs })), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
    assert.equal((await a.ebs.send(new StartSnapshotCommand({ VolumeSize: 1, ParentSnapshotId: withCmk, KmsKeyArn: cmk }))).KmsKeyArn, cmk);
    await expectError(a.ebs.send(new StartSnapshotCommand({ VolumeSize: 1, ParentSnapshotId: withCmk, Encrypted: true })), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
    await expectError(a.ebs.send(new StartSnapshotCommand({ VolumeSize: 1, Encrypted: false, KmsKeyArn: cmk })), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
    await expectError(a.ebs.send(new StartSnapshotCommand({ VolumeSize: 1, ParentSnapshotId: plainParent, KmsKeyArn: cmk })), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');

    // KMS refusals: a key of another account, a disabled key, a key that does not exist
    await expectError(b.ebs.send(new StartSnapshotCommand({ VolumeSize: 1, KmsKeyArn: cmk })), 'AccessDeniedException', 403, 'DEPENDENCY_ACCESS_DENIED');
    const missingKey = cmk.replace(/key\/.*/, 'key/00000000-0000-0000-0000-000000000000');
    await expectError(a.ebs.send(new StartSnapshotCommand({ VolumeSize: 1, KmsKeyArn: missingKey })), 'ValidationException', 400, 'INVALID_CUSTOMER_KEY');
    await aliceKms.send(new DisableKeyCommand({ KeyId: cmk }));
    await expectError(a.ebs.send(new StartSnapshotCommand({ VolumeSize: 1, KmsKeyArn: cmk })), 'ValidationException', 400, 'INVALID_CUSTOMER_KEY');
    await expectError(a.ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: withCmk })), 'ValidationException', 400, 'INVALID_CUSTOMER_KEY');
    // a pending upload under a key disabled in the middle of it
    await aliceKms.send(new EnableKeyCommand({ KeyId: cmk }));
    const open = await a.ebs.send(new StartSnapshotCommand({ VolumeSize: 1, KmsKeyArn: cmk }));
    await aliceKms.send(new DisableKeyCommand({ KeyId: cmk }));
    await expectError(put(a, open.SnapshotId!, 0, data), 'ValidationException', 400, 'INVALID_CUSTOMER_KEY');
    await aliceKms.send(new EnableKeyCommand({ KeyId: cmk }));
    await put(a, open.SnapshotId!, 0, data);

    // sharing an encrypted snapshot: the recipient also needs the key
    await a.ec2.send(new ModifySnapshotAttributeCommand({ SnapshotId: withCmk, Attribute: 'createVolumePermission', OperationType: 'add', UserIds: [BOB.accountId] }));
    await expectError(b.ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: withCmk })), 'AccessDeniedException', 403, 'DEPENDENCY_ACCESS_DENIED');
    await aliceKms.send(
      new PutKeyPolicyCommand({
        KeyId: cmk,
        PolicyName: 'default',
        Policy: JSON.stringify({
          Version: '2012-10-17',
          Statement: [
            { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ALICE.accountId}:root` }, Action: 'kms:*', Resource: '*' },
            { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${BOB.accountId}:root` }, Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'], Resource: '*' },
          ],
        }),
      }),
    );
    assertContent(await readAll(b, withCmk), new Map([[1, data]]));
    // Bob continues Alice's encrypted lineage under the same key
    const bobsChild = await b.ebs.send(new StartSnapshotCommand({ VolumeSize: 1, ParentSnapshotId: withCmk }));
    assert.equal(bobsChild.KmsKeyArn, cmk);
    assert.equal(bobsChild.OwnerId, BOB.accountId);

    // encryption by default: no unencrypted snapshots, no unencrypted parents
    await a.ec2.send(new EnableEbsEncryptionByDefaultCommand({}));
    const byDefault = await a.ebs.send(new StartSnapshotCommand({ VolumeSize: 1 }));
    assert.equal(byDefault.KmsKeyArn, awsEbs);
    await expectError(a.ebs.send(new StartSnapshotCommand({ VolumeSize: 1, Encrypted: false })), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
    await expectError(a.ebs.send(new StartSnapshotCommand({ VolumeSize: 1, ParentSnapshotId: plainParent })), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
    assert.equal((await a.ebs.send(new StartSnapshotCommand({ VolumeSize: 1, ParentSnapshotId: withCmk }))).KmsKeyArn, cmk);
  });
});

describe('EBS direct APIs: data at rest and restarts', () => {
  test('encrypted blocks are not findable in any file, and keys do not share chunk ids', async () => {
    const server = await startServer({ args: ['--settle-ms', '50'] });
    try {
      const c = clientsFor(server.url, { ...ALICE, accessKeyId: ALICE.accountId });
      const cmk = (await kms(server.url, { account: { ...ALICE, accessKeyId: ALICE.accountId } }).send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
      const secret = random();
      const marker = `imago-plaintext-marker-${randomBytes(8).toString('hex')}`;
      const textBlock = text(marker);
      const blocks = new Map([
        [0, secret],
        [1, textBlock],
      ]);
      const underDefault = await upload(c, blocks, { Encrypted: true });
      const underCmk = await upload(c, blocks, { KmsKeyArn: cmk });
      assertContent(await readAll(c, underDefault), blocks);
      assertContent(await readAll(c, underCmk), blocks);

      const needles: [string, Buffer][] = [
        ['random block head', secret.subarray(0, 64)],
        ['random block middle', secret.subarray(300_000, 300_064)],
        ['random block tail', secret.subarray(BLOCK - 64)],
        ['marker text', Buffer.from(marker)],
        ['SHA-256 of the random block', sha(secret)],
        ['SHA-256 of the random block (hex)', Buffer.from(sha(secret).toString('hex'))],
        ['SHA-256 of the text block (hex)', Buffer.from(sha(textBlock).toString('hex'))],
      ];
      const files = filesUnder(server.dataDir);
      assert.ok(files.some((f) => f.endsWith('.pack')), 'the blocks are in pack files');
      for (const { where, bytes } of [...files.map((f) => ({ where: f, bytes: readFileSync(f) })), ...metadataAtRest(server.dataDir)]) {
        for (const [what, needle] of needles) assert.equal(bytes.indexOf(needle), -1, `${what} found in ${where}`);
      }

      const chunksOf = (snapshotId: string) =>
        queryMetadata<{ block_index: number; chunk_id: string }>(
          server.dataDir,
          'SELECT e.block_index, e.chunk_id FROM snapshots s JOIN block_map_entries e ON e.map_id = s.map_id WHERE s.snapshot_id = ? ORDER BY e.block_index',
          [snapshotId],
        );
      const x = await chunksOf(underDefault);
      const y = await chunksOf(underCmk);
      assert.equal(x.length, 2);
      assert.equal(y.length, 2);
      for (let i = 0; i < 2; i++) {
        assert.notEqual(x[i].chunk_id, y[i].chunk_id, 'equal plaintext under two keys: unrelated chunk ids');
        assert.notEqual(x[i].chunk_id, sha(blocks.get(i)!).toString('hex'));
      }
    } finally {
      await server.stop();
      removeDir(server.dataDir);
    }
  });

  for (const durability of ['full', 'normal']) {
    test(`kill -9 in the middle of an upload loses no acknowledged block; completed data and block tokens survive restarts (--durability ${durability})`, async () => {
      const dataDir = tempDir();
      const args = ['--settle-ms', '50', '--durability', durability];
      let server = await startServer({ dataDir, args });
      try {
        let c = clientsFor(server.url, { ...ALICE, accessKeyId: ALICE.accountId });
        const writes = new Map<number, Buffer>();
        for (let i = 0; i < 12; i++) writes.set(i * 7, i % 4 === 3 ? zeros() : random());
        const s = await c.ebs.send(new StartSnapshotCommand({ VolumeSize: 1, Description: 'crash' }));
        const first = [...writes].slice(0, 6);
        await Promise.all(first.map(([i, data]) => put(c, s.SnapshotId!, i, data)));
        await server.kill();

        server = await startServer({ dataDir, args });
        c = clientsFor(server.url, { ...ALICE, accessKeyId: ALICE.accountId });
        assert.equal(await state(c, s.SnapshotId!), 'pending');
        // the six acknowledged blocks are there: the count of written blocks includes them
        await expectError(c.ebs.send(new CompleteSnapshotCommand({ SnapshotId: s.SnapshotId, ChangedBlocksCount: 12 })), 'ValidationException', 400, 'INVALID_PARAMETER_VALUE');
        await Promise.all([...writes].slice(6).map(([i, data]) => put(c, s.SnapshotId!, i, data)));
        await c.ebs.send(new CompleteSnapshotCommand({ SnapshotId: s.SnapshotId, ChangedBlocksCount: 12 }));
        await waitState(c, s.SnapshotId!, 'completed');
        assertContent(await readAll(c, s.SnapshotId!), writes);
        const tokens = await listAll(c, s.SnapshotId!);

        await server.kill();
        server = await startServer({ dataDir, args });
        c = clientsFor(server.url, { ...ALICE, accessKeyId: ALICE.accountId });
        assert.equal(await state(c, s.SnapshotId!), 'completed');
        assertContent(await readAll(c, s.SnapshotId!), writes);
        // tokens issued before the restart still read their blocks
        for (const [index, token] of tokens) assert.ok((await getBlock(c, s.SnapshotId!, index, token)).equals(writes.get(index)!));
      } finally {
        await server.stop();
        removeDir(dataDir);
      }
    });
  }
});
