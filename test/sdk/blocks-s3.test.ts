// test-servers: s3
// A server whose blocks live in an S3-compatible bucket (Ceph RGW, started by npm test):
// EBS direct API ingest and reads through @aws-sdk/client-ebs, the bucket holding packs (not
// an object per block), GC and fsck through the admin endpoints, a restart that finds the data
// again even with its local cache gone (the bucket is the truth), and a data dir that refuses
// to switch stores.
import { databaseArgs, databaseEnv } from '../helpers/test-database.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { CompleteSnapshotCommand, GetSnapshotBlockCommand, ListSnapshotBlocksCommand, PutSnapshotBlockCommand, StartSnapshotCommand } from '@aws-sdk/client-ebs';
import { DeleteSnapshotCommand, DescribeSnapshotsCommand } from '@aws-sdk/client-ec2';
import { ebs, ec2 } from '../helpers/clients.js';
import { spawnSync } from 'node:child_process';
import { ROOT, removeDir, runToExit, startServer, tempDir, type TestServer } from '../helpers/server.js';
import { freshPrefix, objectsAt, s3Env, s3Target, ensureTestBucket } from '../helpers/s3.js';

const BLOCK = 524288;
const sum = (b: Buffer) => createHash('sha256').update(b).digest('base64');
const target = s3Target();

async function upload(url: string, blocks: Map<number, Buffer>): Promise<string> {
  const client = ebs(url);
  const { SnapshotId } = await client.send(new StartSnapshotCommand({ VolumeSize: 1 }));
  await Promise.all(
    [...blocks].map(([i, data]) =>
      client.send(new PutSnapshotBlockCommand({ SnapshotId, BlockIndex: i, BlockData: data, DataLength: BLOCK, Checksum: sum(data), ChecksumAlgorithm: 'SHA256' })),
    ),
  );
  await client.send(new CompleteSnapshotCommand({ SnapshotId, ChangedBlocksCount: blocks.size }));
  for (let i = 0; i < 500; i++) {
    const s = await ec2(url).send(new DescribeSnapshotsCommand({ SnapshotIds: [SnapshotId!] }));
    if (s.Snapshots?.[0]?.State === 'completed') return SnapshotId!;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${SnapshotId} never completed`);
}

async function readAll(url: string, snapshotId: string): Promise<Map<number, Buffer>> {
  const client = ebs(url);
  const out = new Map<number, Buffer>();
  const list = await client.send(new ListSnapshotBlocksCommand({ SnapshotId: snapshotId }));
  for (const b of list.Blocks ?? []) {
    const got = await client.send(new GetSnapshotBlockCommand({ SnapshotId: snapshotId, BlockIndex: b.BlockIndex, BlockToken: b.BlockToken }));
    const data = Buffer.from(await got.BlockData!.transformToByteArray());
    assert.equal(got.Checksum, sum(data));
    out.set(b.BlockIndex!, data);
  }
  return out;
}

async function admin(server: TestServer, path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST' });
  assert.equal(res.status, 200, `${path}: ${res.status} ${await res.clone().text()}`);
  return (await res.json()) as Record<string, unknown>;
}

async function keys(prefix: string, under: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of objectsAt(prefix).objects.list(under)) out.push(o.key);
  return out;
}

describe('blocks in an S3-compatible bucket', () => {
  let dir: string;
  let dataDir: string;
  let prefix: string;
  let url: string;
  let server: TestServer;
  const start = (args: string[] = []) => startServer({ dataDir, args: ['--settle-ms', '20', ...args], env: s3Env(target) });

  before(async () => {
    await ensureTestBucket(target);
    dir = tempDir();
    dataDir = join(dir, 'data');
    prefix = freshPrefix('sdk');
    url = `s3://${target.bucket}/${prefix}`;
    server = await start(['--blocks', url]);
  });
  after(async () => {
    await server?.stop();
    removeDir(dir);
  });

  const written = new Map<number, Buffer>();
  let snapshotId = '';

  test('PutSnapshotBlock / CompleteSnapshot / GetSnapshotBlock through the bucket, packed', async () => {
    for (let i = 0; i < 24; i++) written.set(i, randomBytes(BLOCK));
    written.set(30, Buffer.from(written.get(3)!)); // a duplicate block: one chunk
    written.set(31, Buffer.alloc(BLOCK)); // zeros: never stored
    snapshotId = await upload(server.url, written);
    const got = await readAll(server.url, snapshotId);
    assert.deepEqual([...got.keys()].sort((a, b) => a - b), [...written.keys()].filter((i) => i !== 31).sort((a, b) => a - b));
    for (const [i, data] of got) assert.ok(data.equals(written.get(i)!), `block ${i}`);
    const packs = await keys(prefix, 'packs/');
    assert.ok(packs.length >= 1 && packs.length < 24, `${packs.length} pack objects for 24 distinct blocks`);
    assert.deepEqual(JSON.parse(readFileSync(join(dataDir, 'blocks.json'), 'utf8')), { url, endpoint: target.endpoint });
    assert.equal(existsSync(join(dataDir, 'blocks')), false, 'nothing in the fs store');
  });

  test('a restart finds the data again, from the bucket alone when the local cache is gone', async () => {
    await server.stop();
    server = await start(); // no --blocks: the data dir recorded its store
    for (const [i, data] of await readAll(server.url, snapshotId)) assert.ok(data.equals(written.get(i)!), `block ${i}`);
    await server.stop();
    rmSync(join(dataDir, 'blocks-s3'), { recursive: true, force: true }); // index, spool and read cache
    server = await start();
    for (const [i, data] of await readAll(server.url, snapshotId)) assert.ok(data.equals(written.get(i)!), `block ${i}`);
    const report = await admin(server, '/_imago/fsck');
    assert.equal(report.ok, true, JSON.stringify(report.issues));
    assert.ok((report.chunks as number) >= 24, `${report.chunks} chunks checked (the catalog's base disks too)`);
  });

  test('GC deletes a deleted snapshot’s data from the bucket; fsck stays clean', async () => {
    const doomed = new Map(Array.from({ length: 8 }, (_, i): [number, Buffer] => [i, randomBytes(BLOCK)]));
    const doomedId = await upload(server.url, doomed);
    const before = await keys(prefix, 'packs/');
    await ec2(server.url).send(new DeleteSnapshotCommand({ SnapshotId: doomedId }));
    const gc = await admin(server, '/_imago/gc?graceSeconds=0');
    assert.equal(gc.deletedChunks, 8);
    assert.ok((gc.reclaimedBytes as number) >= 8 * BLOCK, `reclaimed ${gc.reclaimedBytes}`);
    const after = await keys(prefix, 'packs/');
    assert.ok(!before.every((k) => after.includes(k)), 'some pack objects were deleted');
    const report = await admin(server, '/_imago/fsck');
    assert.equal(report.ok, true, JSON.stringify(report.issues));
    for (const [i, data] of await readAll(server.url, snapshotId)) assert.ok(data.equals(written.get(i)!), `block ${i}`);
  });

  test('the data dir refuses another block store', async () => {
    await server.stop();
    const r = await runToExit(['serve', '--port', '0', '--compute', 'none', '--data-dir', dataDir, '--blocks', 'fs', ...(await databaseArgs(dataDir))]);
    assert.equal(r.code, 1);
    assert.match(r.output, /keeps its blocks in s3:\/\//);
    // a stopped server's data dir: the operator commands find its bucket by themselves
    const fsck = spawnSync(process.execPath, ['bin/imago.mjs', 'fsck', '--data-dir', dataDir], { cwd: ROOT, env: { ...process.env, ...s3Env(target), ...databaseEnv(dataDir) }, encoding: 'utf8' });
    assert.equal(fsck.status, 0, fsck.stderr + fsck.stdout);
    assert.match(fsck.stdout, /^clean: /m);
    server = await start();
  });
});
