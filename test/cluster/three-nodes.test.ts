// test-servers: postgres, s3
// Three `imago serve` nodes on loopback sharing one PostgreSQL database, one RGW bucket and one
// key-encryption key (issue 10 §4): an image's life cycle with every call sent to the next node
// round-robin (page tokens, KMS keys and block data made on one node used on another), a
// ClientToken retried on another node, a CopyImage whose re-encryption is running on a node when
// that node is SIGKILLed and which another node finishes, a job trace showing that no job ever ran
// on two nodes at once, fsck clean, and nothing acknowledged lost.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CopyImageCommand,
  CreateTagsCommand,
  DeregisterImageCommand,
  DescribeImageAttributeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  EnableImageDeprecationCommand,
  ModifyImageAttributeCommand,
  RegisterImageCommand,
  RunInstancesCommand,
  TerminateInstancesCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { CompleteSnapshotCommand, GetSnapshotBlockCommand, ListSnapshotBlocksCommand, PutSnapshotBlockCommand, StartSnapshotCommand } from '@aws-sdk/client-ebs';
import { CreateKeyCommand } from '@aws-sdk/client-kms';
import { ebs, ec2, kms } from '../helpers/clients.js';
import { removeDir, startServer, tempDir, type TestServer } from '../helpers/server.js';
import { createDatabase } from '../helpers/test-database.js';
import { ensureTestBucket, freshPrefix, objectsAt, removeAll, s3Env, s3Target } from '../helpers/s3.js';

const BLOCK = 524288;
const sum = (b: Buffer) => createHash('sha256').update(b).digest('base64');
const FAILOVER_MS = 3000;

interface TraceEvent {
  at: string;
  owner: string;
  job: string;
  kind: string;
  event: 'start' | 'done' | 'again' | 'failed' | 'lost';
}

async function until<T>(what: string, probe: () => Promise<T | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe().catch(() => undefined);
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('three nodes on one PostgreSQL and one bucket', () => {
  const target = s3Target();
  const prefix = freshPrefix('cluster');
  const dir = tempDir('imago-cluster-');
  const trace = join(dir, 'jobs.trace');
  const kek = join(dir, 'kek');
  let database: string;
  const nodes: (TestServer | undefined)[] = [];
  let killed: { node: number; at: number } | undefined;
  let turn = 0;
  const written = new Map<string, Map<number, Buffer>>();

  const start = (i: number) =>
    startServer({
      dataDir: join(dir, `node${i}`),
      args: ['--database', database, '--blocks', `s3://${target.bucket}/${prefix}`, '--kek-file', kek, '--node-id', `n${i}`, '--failover-ms', String(FAILOVER_MS), '--settle-ms', '200'],
      env: { ...s3Env(target), IMAGO_JOB_TRACE: trace },
    });
  const live = () => nodes.filter((n): n is TestServer => n !== undefined);
  /** The next live node's EC2 client: every call goes to another node than the one before. */
  const next = (): EC2Client => {
    const l = live();
    return ec2(l[turn++ % l.length].url);
  };
  const nextUrl = () => {
    const l = live();
    return l[turn++ % l.length].url;
  };

  async function upload(blocks: Map<number, Buffer>): Promise<string> {
    const client = ebs(nextUrl());
    const { SnapshotId } = await client.send(new StartSnapshotCommand({ VolumeSize: 1 }));
    const entries = [...blocks];
    for (let i = 0; i < entries.length; i += 8) {
      await Promise.all(
        entries.slice(i, i + 8).map(([index, data]) => client.send(new PutSnapshotBlockCommand({ SnapshotId, BlockIndex: index, BlockData: data, DataLength: BLOCK, Checksum: sum(data), ChecksumAlgorithm: 'SHA256' }))),
      );
    }
    await client.send(new CompleteSnapshotCommand({ SnapshotId, ChangedBlocksCount: blocks.size }));
    await until(`${SnapshotId} completed`, async () => ((await next().send(new DescribeSnapshotsCommand({ SnapshotIds: [SnapshotId!] }))).Snapshots?.[0]?.State === 'completed' ? true : undefined));
    written.set(SnapshotId!, blocks);
    return SnapshotId!;
  }

  /** Reads every block of a snapshot through one node (the next), checking each. */
  async function readAll(snapshotId: string): Promise<Map<number, Buffer>> {
    const client = ebs(nextUrl());
    const out = new Map<number, Buffer>();
    let token: string | undefined;
    do {
      const list = await client.send(new ListSnapshotBlocksCommand({ SnapshotId: snapshotId, NextToken: token }));
      for (const b of list.Blocks ?? []) {
        const got = await client.send(new GetSnapshotBlockCommand({ SnapshotId: snapshotId, BlockIndex: b.BlockIndex, BlockToken: b.BlockToken }));
        const data = Buffer.from(await got.BlockData!.transformToByteArray());
        assert.equal(got.Checksum, sum(data));
        out.set(b.BlockIndex!, data);
      }
      token = list.NextToken;
    } while (token);
    return out;
  }

  const register = async (name: string, snapshotId: string) =>
    (
      await next().send(
        new RegisterImageCommand({
          Name: name,
          Architecture: 'x86_64',
          RootDeviceName: '/dev/xvda',
          VirtualizationType: 'hvm',
          EnaSupport: true,
          BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snapshotId, DeleteOnTermination: true } }],
        }),
      )
    ).ImageId!;

  const imageState = (imageId: string) => async () => (await next().send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images?.[0];

  before(async () => {
    await ensureTestBucket(target);
    database = await createDatabase();
    writeFileSync(kek, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
    // one after another, then all three at once would race for nothing: the catalog is seeded under a cluster lock either way
    nodes.push(await start(0));
    nodes.push(...(await Promise.all([start(1), start(2)])));
  });

  after(async () => {
    if (process.env.IMAGO_TEST_KEEP) for (const n of live()) for (const l of n.logs) if (/error|warn|Internal/i.test(l)) console.log(l.slice(0, 2000));
    for (const n of live()) await n.stop();
    await removeAll(objectsAt(prefix, target).objects);
    if (!process.env.IMAGO_TEST_KEEP) removeDir(dir);
  });

  test('an image life cycle, each call on the next node', async () => {
    const blocks = new Map(Array.from({ length: 6 }, (_, i): [number, Buffer] => [i * 3, randomBytes(BLOCK)]));
    const snapshotId = await upload(blocks);
    const imageId = await register('cluster-base', snapshotId);
    assert.equal((await until('available', async () => ((await imageState(imageId)())?.State === 'available' ? true : undefined))), true);

    await next().send(new CreateTagsCommand({ Resources: [imageId], Tags: [{ Key: 'release', Value: '1' }] }));
    const tagged = await next().send(new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'tag:release', Values: ['1'] }] }));
    assert.deepEqual(tagged.Images!.map((i) => i.ImageId), [imageId]);

    await next().send(new ModifyImageAttributeCommand({ ImageId: imageId, LaunchPermission: { Add: [{ UserId: '123456789012' }] } }));
    const perms = await next().send(new DescribeImageAttributeCommand({ ImageId: imageId, Attribute: 'launchPermission' }));
    assert.deepEqual(perms.LaunchPermissions, [{ UserId: '123456789012' }]);

    await next().send(new EnableImageDeprecationCommand({ ImageId: imageId, DeprecateAt: new Date(Date.now() + 86400_000) }));
    assert.ok((await imageState(imageId)())!.DeprecationTime);

    // a listing paged across nodes: each NextToken made on one node is honoured by the next
    const more = [];
    for (let i = 0; i < 9; i++) more.push(await register(`cluster-more-${i}`, snapshotId));
    const seen: string[] = [];
    let token: string | undefined;
    do {
      const page = await next().send(new DescribeImagesCommand({ Owners: ['self'], MaxResults: 5, NextToken: token }));
      seen.push(...page.Images!.map((i) => i.ImageId!));
      token = page.NextToken;
    } while (token);
    assert.deepEqual([...seen].sort(), [imageId, ...more].sort());

    const copyId = (await next().send(new CopyImageCommand({ Name: 'cluster-copy', SourceImageId: imageId, SourceRegion: 'us-east-1' }))).ImageId!;
    await until('copy available', async () => ((await imageState(copyId)())?.State === 'available' ? true : undefined));
    await next().send(new DeregisterImageCommand({ ImageId: copyId }));
    // still listed to its owner for a while, as deregistered (--deregistered-visible-ms)
    assert.equal((await imageState(copyId)())?.State, 'deregistered');

    // the block data, written through one node, read through the others
    for (let i = 0; i < 3; i++) {
      const got = await readAll(snapshotId);
      assert.deepEqual([...got.keys()].sort((a, b) => a - b), [...blocks.keys()]);
      for (const [index, data] of got) assert.ok(data.equals(blocks.get(index)!), `block ${index}`);
    }
  });

  test('RunInstances retried with its ClientToken on another node answers the same reservation', async () => {
    const snapshotId = [...written.keys()][0];
    const imageId = await register('cluster-launch', snapshotId);
    await until('available', async () => ((await imageState(imageId)())?.State === 'available' ? true : undefined));
    const request = { ImageId: imageId, MinCount: 2, MaxCount: 2, InstanceType: 't3.micro' as const, ClientToken: `cluster-${randomBytes(4).toString('hex')}` };
    const [a, b] = await Promise.all([next().send(new RunInstancesCommand(request)), next().send(new RunInstancesCommand(request))]);
    const c = await next().send(new RunInstancesCommand(request));
    assert.equal(a.ReservationId, b.ReservationId);
    assert.equal(a.ReservationId, c.ReservationId);
    const ids = a.Instances!.map((i) => i.InstanceId!).sort();
    assert.deepEqual(c.Instances!.map((i) => i.InstanceId!).sort(), ids);
    const all = await next().send(new DescribeInstancesCommand({ Filters: [{ Name: 'client-token', Values: [request.ClientToken] }] }));
    assert.deepEqual(all.Reservations!.flatMap((r) => r.Instances!.map((i) => i.InstanceId!)).sort(), ids, 'one launch, not two');
    await until('running', async () => {
      const r = await next().send(new DescribeInstancesCommand({ InstanceIds: ids }));
      return r.Reservations!.flatMap((x) => x.Instances!).every((i) => i.State?.Name === 'running') ? true : undefined;
    });
    await next().send(new TerminateInstancesCommand({ InstanceIds: ids }));
    await until('terminated', async () => {
      const r = await next().send(new DescribeInstancesCommand({ InstanceIds: ids }));
      return r.Reservations!.flatMap((x) => x.Instances!).every((i) => i.State?.Name === 'terminated') ? true : undefined;
    });
  });

  test('a CopyImage being re-encrypted on a node that is SIGKILLed is finished by another', async () => {
    const keyId = (await kms(nextUrl()).send(new CreateKeyCommand({ Description: 'cluster copy' }))).KeyMetadata!.KeyId!;
    // enough blocks that the re-encryption is still running when the kill lands
    const blocks = new Map(Array.from({ length: 160 }, (_, i): [number, Buffer] => [i, randomBytes(BLOCK)]));
    const snapshotId = await upload(blocks);
    const imageId = await register('cluster-big', snapshotId);
    await until('available', async () => ((await imageState(imageId)())?.State === 'available' ? true : undefined));
    const earlier = new Set(readTrace(trace).map((e) => e.job));
    const copyId = (await next().send(new CopyImageCommand({ Name: 'cluster-big-encrypted', SourceImageId: imageId, SourceRegion: 'us-east-1', Encrypted: true, KmsKeyId: keyId }))).ImageId!;

    const started = await until(
      'the copy job to start',
      async () => readTrace(trace).find((e) => e.kind === 'snapshot.copy' && e.event === 'start' && !earlier.has(e.job)),
      30_000,
    );
    const runner = started.owner;
    const victim = Number(runner.split('/')[0].slice(1));
    await nodes[victim]!.kill();
    killed = { node: victim, at: Date.now() };
    nodes[victim] = undefined;
    const done = readTrace(trace).filter((e) => e.job === started.job && e.event === 'done');
    assert.equal(done.length, 0, `the copy finished on ${runner} before the kill: make it bigger ${JSON.stringify(readTrace(trace).filter((e) => e.kind === 'snapshot.copy'))} killed at ${new Date(killed.at).toISOString()}`);

    const copy = await until('the copy to be available on a surviving node', async () => {
      const img = await imageState(copyId)();
      assert.notEqual(img?.State, 'failed', img?.StateReason?.Message);
      return img?.State === 'available' ? img : undefined;
    }, 120_000);
    const finisher = readTrace(trace).find((e) => e.job === started.job && e.event === 'done')!;
    assert.notEqual(finisher.owner.split('/')[0], `n${victim}`, 'finished by another node');
    const copySnapshot = copy.BlockDeviceMappings![0].Ebs!.SnapshotId!;
    const snap = (await next().send(new DescribeSnapshotsCommand({ SnapshotIds: [copySnapshot] }))).Snapshots![0];
    assert.equal(snap.Encrypted, true);
    const got = await readAll(copySnapshot);
    assert.equal(got.size, blocks.size);
    for (const [index, data] of got) assert.ok(data.equals(blocks.get(index)!), `block ${index} of the copy`);
  });

  test('no job ever ran on two nodes at once, or again after it was done', () => {
    const byJob = new Map<string, TraceEvent[]>();
    for (const e of readTrace(trace)) byJob.set(e.job, [...(byJob.get(e.job) ?? []), e]);
    assert.ok(byJob.size >= 5, `${byJob.size} jobs traced`);
    assert.ok([...byJob.values()].some((events) => events[0].kind === 'snapshot.copy'), 'the copies are traced');
    for (const [job, events] of byJob) {
      // by time; within one millisecond a run's end before the next run's start
      events.sort((x, y) => (x.at < y.at ? -1 : x.at > y.at ? 1 : (x.event === 'start' ? 1 : 0) - (y.event === 'start' ? 1 : 0)));
      let running: TraceEvent | undefined;
      let finished = false;
      for (const e of events) {
        if (e.event === 'start') {
          assert.ok(!finished, `${job} (${e.kind}) ran again after it was done`);
          if (running) {
            // only a killed node's run may stay open, and only one begun before the kill
            const dead = killed && running.owner.startsWith(`n${killed.node}/`) && Date.parse(e.at) >= killed.at;
            assert.ok(dead, `${job} (${e.kind}) started on ${e.owner} while running on ${running.owner}`);
          }
          running = e;
        } else {
          assert.equal(running?.owner, e.owner, `${job}: ${e.event} by ${e.owner} without its start`);
          running = undefined;
          if (e.event === 'done') finished = true;
        }
      }
    }
  });

  test('the killed node rejoins; fsck is clean and every image and snapshot is still there', async () => {
    assert.ok(killed, 'a node was killed');
    nodes[killed.node] = await start(killed.node);
    const report = (await (await fetch(`${nodes[killed.node]!.url}/_imago/fsck`, { method: 'POST' })).json()) as { ok: boolean; issues: unknown };
    assert.equal(report.ok, true, JSON.stringify(report.issues));
    const images = await next().send(new DescribeImagesCommand({ Owners: ['self'] }));
    const names = images.Images!.map((i) => i.Name!).sort();
    for (const name of ['cluster-base', 'cluster-big', 'cluster-big-encrypted', 'cluster-launch', ...Array.from({ length: 9 }, (_, i) => `cluster-more-${i}`)]) assert.ok(names.includes(name), `${name} is still there`);
    for (const [snapshotId, blocks] of written) {
      const got = await readAll(snapshotId);
      for (const [index, data] of blocks) assert.ok(got.get(index)?.equals(data), `${snapshotId} block ${index}`);
    }
  });
});

function readTrace(file: string): TraceEvent[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as TraceEvent);
}
