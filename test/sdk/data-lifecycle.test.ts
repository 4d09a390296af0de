// The data plane's life cycle as an operator sees it: `imago import` / `imago export` round
// trips (raw and qcow2, zero blocks skipped, resumable), garbage collection that frees only
// unreferenced data, and kill -9 at any point — mid-upload, mid-GC — leaving `imago fsck` clean
// and every completed byte readable.
import { databaseEnv } from '../helpers/test-database.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync, statSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { CompleteSnapshotCommand, PutSnapshotBlockCommand, StartSnapshotCommand } from '@aws-sdk/client-ebs';
import { DeleteSnapshotCommand, DescribeImagesCommand, DescribeSnapshotsCommand } from '@aws-sdk/client-ec2';
import { ROOT, removeDir, startServer, tempDir, type TestServer } from '../helpers/server.js';
import { ebs, ec2 } from '../helpers/clients.js';

const BLOCK = 524288;
const ENV = { ...process.env, AWS_ACCESS_KEY_ID: '123456789012', AWS_SECRET_ACCESS_KEY: 'x', AWS_REGION: 'us-east-1' };

function imago(args: string[], env: Record<string, string> = {}): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, ['bin/imago.mjs', ...args], { cwd: ROOT, env: { ...ENV, ...env }, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A raw image: random blocks with zero regions between them (and a short last block). */
function makeImage(path: string, blocks: number): Buffer {
  const data = Buffer.alloc(blocks * BLOCK - 4096);
  for (let i = 0; i < blocks; i++) if (i % 3 !== 1) randomBytes(Math.min(BLOCK, data.length - i * BLOCK)).copy(data, i * BLOCK);
  writeFileSync(path, data);
  return data;
}

async function admin(server: TestServer, path: string): Promise<Record<string, unknown>> {
  const res = await fetch(`${server.url}${path}`, { method: 'POST' });
  assert.equal(res.status, 200, `${path}: ${res.status}`);
  return (await res.json()) as Record<string, unknown>;
}

const hasQemu = spawnSync('qemu-img', ['--version']).status === 0;

describe('import and export', () => {
  let server: TestServer;
  let dir: string;
  before(async () => {
    dir = tempDir();
    server = await startServer({ dataDir: join(dir, 'data'), args: ['--settle-ms', '20'] });
  });
  after(async () => {
    await server?.stop();
    removeDir(dir);
  });

  test('a raw image round-trips byte for byte, zero blocks skipped', () => {
    const src = join(dir, 'disk.raw');
    const original = makeImage(src, 12);
    const imported = imago(['import', src, '--endpoint', server.url, '--no-progress']);
    assert.equal(imported.status, 0, imported.stderr);
    const result = JSON.parse(imported.stdout) as { snapshotId: string; blocksWritten: number; zeroBlocksSkipped: number; volumeSizeGib: number };
    assert.match(result.snapshotId, /^snap-[0-9a-f]{17}$/);
    assert.equal(result.blocksWritten, 8);
    assert.equal(result.zeroBlocksSkipped, 4);
    assert.equal(result.volumeSizeGib, 1);
    assert.ok(!existsSync(`${src}.imago-import.json`), 'the resume state is removed once complete');

    const out = join(dir, 'out.raw');
    const exported = imago(['export', result.snapshotId, out, '--endpoint', server.url, '--no-progress']);
    assert.equal(exported.status, 0, exported.stderr);
    const back = readFileSync(out);
    assert.equal(back.length, 1024 ** 3, 'exported at the volume size');
    assert.ok(back.subarray(0, original.length).equals(original));
    assert.ok(back.subarray(original.length, original.length + 8 * BLOCK).equals(Buffer.alloc(8 * BLOCK)));
    // sparse: the file holds only the written blocks
    assert.ok(statSync(out).blocks * 512 < 64 * BLOCK, `export is sparse (${statSync(out).blocks * 512} bytes allocated)`);
  });

  test('import --register makes an AMI on the snapshot; export of an AMI writes its root snapshot', async () => {
    const src = join(dir, 'boot.raw');
    const original = makeImage(src, 3);
    const imported = imago(['import', src, '--endpoint', server.url, '--no-progress', '--register', 'corp-base-1', '--architecture', 'arm64', '--boot-mode', 'uefi', '--description', 'corp base']);
    assert.equal(imported.status, 0, imported.stderr);
    const { snapshotId, imageId } = JSON.parse(imported.stdout) as { snapshotId: string; imageId: string };
    assert.match(imageId, /^ami-[0-9a-f]{17}$/);
    const { Images } = await ec2(server.url, { account: { accessKeyId: '123456789012', secretAccessKey: 'x' } }).send(new DescribeImagesCommand({ ImageIds: [imageId] }));
    const image = Images![0];
    assert.equal(image.Name, 'corp-base-1');
    assert.equal(image.Description, 'corp base');
    assert.equal(image.Architecture, 'arm64');
    assert.equal(image.BootMode, 'uefi');
    assert.equal(image.VirtualizationType, 'hvm');
    assert.equal(image.RootDeviceName, '/dev/xvda');
    assert.equal(image.BlockDeviceMappings![0].Ebs!.SnapshotId, snapshotId);

    const out = join(dir, 'ami.raw');
    const exported = imago(['export', imageId, out, '--endpoint', server.url, '--no-progress']);
    assert.equal(exported.status, 0, exported.stderr);
    assert.equal((JSON.parse(exported.stdout) as { snapshotId: string }).snapshotId, snapshotId);
    assert.ok(readFileSync(out).subarray(0, original.length).equals(original));

    // the name is taken now: AWS's error, and the snapshot stays imported
    const again = imago(['import', src, '--endpoint', server.url, '--no-progress', '--register', 'corp-base-1']);
    assert.equal(again.status, 1);
    assert.match(again.stderr, /InvalidAMIName\.Duplicate/);
    const unknown = imago(['export', 'ami-0123456789abcdef0', out, '--endpoint', server.url, '--no-progress']);
    assert.equal(unknown.status, 1);
    assert.match(unknown.stderr, /InvalidAMIID\.NotFound/);
    const misuse = imago(['import', src, '--architecture', 'arm64', '--endpoint', server.url]);
    assert.equal(misuse.status, 2);
    assert.match(misuse.stderr, /go with --register/);
  });

  test('qcow2 goes through qemu-img; images naming a backing file are refused', { skip: !hasQemu && 'qemu-img is not installed (.ci/run installs qemu-utils)' }, () => {
    const raw = join(dir, 'q.raw');
    const original = makeImage(raw, 5);
    const qcow = join(dir, 'q.qcow2');
    assert.equal(spawnSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', raw, qcow]).status, 0);
    const imported = imago(['import', qcow, '--endpoint', server.url, '--no-progress']);
    assert.equal(imported.status, 0, imported.stderr);
    const { snapshotId } = JSON.parse(imported.stdout) as { snapshotId: string };
    const out = join(dir, 'q.out.raw');
    assert.equal(imago(['export', snapshotId, out, '--endpoint', server.url, '--no-progress']).status, 0);
    assert.ok(readFileSync(out).subarray(0, original.length).equals(original));

    const overlay = join(dir, 'overlay.qcow2');
    assert.equal(spawnSync('qemu-img', ['create', '-f', 'qcow2', '-b', raw, '-F', 'raw', overlay]).status, 0);
    const refused = imago(['import', overlay, '--endpoint', server.url, '--no-progress']);
    assert.equal(refused.status, 1);
    assert.match(refused.stderr, /backing file/);
  });

  test('an interrupted import resumes where it stopped', async () => {
    const src = join(dir, 'big.raw');
    const original = makeImage(src, 120);
    const child = spawn(process.execPath, ['bin/imago.mjs', 'import', src, '--endpoint', server.url, '--no-progress', '--concurrency', '1'], { cwd: ROOT, env: ENV });
    // kill it once its resume state records uploaded blocks
    const progress = () => {
      try {
        return (JSON.parse(readFileSync(`${src}.imago-import.json`, 'utf8')) as { doneBelow: number }).doneBelow;
      } catch {
        return 0;
      }
    };
    for (let i = 0; i < 2000 && progress() === 0 && child.exitCode === null; i++) await new Promise((r) => setTimeout(r, 5));
    const recorded = progress();
    child.kill('SIGKILL');
    await new Promise((r) => child.exitCode !== null ? r(undefined) : child.once('exit', r));
    assert.ok(existsSync(`${src}.imago-import.json`), `resume state left behind (recorded ${recorded})`);
    const resumed = imago(['import', src, '--endpoint', server.url, '--no-progress']);
    assert.equal(resumed.status, 0, resumed.stderr);
    const r = JSON.parse(resumed.stdout) as { snapshotId: string; resumedBlocks: number; blocksWritten: number };
    assert.ok(r.resumedBlocks > 0, `some blocks were not sent again (recorded ${recorded}, result ${resumed.stdout})`);
    const out = join(dir, 'big.out.raw');
    assert.equal(imago(['export', r.snapshotId, out, '--endpoint', server.url, '--no-progress']).status, 0);
    assert.ok(readFileSync(out).subarray(0, original.length).equals(original));
  });
});

describe('garbage collection, fsck and kill -9', () => {
  test('GC frees only unreferenced data; kill -9 mid-upload and mid-GC leaves fsck clean', async () => {
    const dir = tempDir();
    const dataDir = join(dir, 'data');
    let server = await startServer({ dataDir, args: ['--settle-ms', '20'] });
    try {
      const client = () => ebs(server.url);
      const upload = async (blocks: number, complete: boolean): Promise<{ id: string; data: Buffer[] }> => {
        const { SnapshotId } = await client().send(new StartSnapshotCommand({ VolumeSize: 1 }));
        const data: Buffer[] = [];
        for (let i = 0; i < blocks; i++) {
          const block = randomBytes(BLOCK);
          data.push(block);
          const checksum = (await import('node:crypto')).createHash('sha256').update(block).digest('base64');
          await client().send(new PutSnapshotBlockCommand({ SnapshotId, BlockIndex: i, BlockData: block, DataLength: BLOCK, Checksum: checksum, ChecksumAlgorithm: 'SHA256' }));
        }
        if (complete) await client().send(new CompleteSnapshotCommand({ SnapshotId, ChangedBlocksCount: blocks }));
        return { id: SnapshotId!, data };
      };
      const keep = await upload(3, true);
      const doomed = await upload(4, true);
      const inFlight = await upload(2, false); // an upload that will be interrupted

      await server.kill(); // kill -9 with an upload in flight
      server = await startServer({ dataDir, args: ['--settle-ms', '20'] });
      let report = await admin(server, '/_imago/fsck');
      assert.equal(report.ok, true, JSON.stringify(report.issues));

      await ec2(server.url).send(new DeleteSnapshotCommand({ SnapshotId: doomed.id }));
      const plan = await admin(server, '/_imago/gc?dryRun=true&graceSeconds=0');
      assert.equal((plan.deadChunks as unknown[]).length, 4, 'exactly the deleted snapshot\'s chunks are garbage');
      assert.equal(plan.dryRun, true);

      // GC, killed right after it starts; then GC again to completion
      void fetch(`${server.url}/_imago/gc?graceSeconds=0`, { method: 'POST' }).catch(() => undefined);
      await new Promise((r) => setTimeout(r, 30));
      await server.kill();
      server = await startServer({ dataDir, args: ['--settle-ms', '20'] });
      report = await admin(server, '/_imago/fsck');
      assert.equal(report.ok, true, JSON.stringify(report.issues));
      const done = await admin(server, '/_imago/gc?graceSeconds=0');
      assert.equal((done.deadChunks as unknown[]).length <= 4, true);
      const again = await admin(server, '/_imago/gc?dryRun=true&graceSeconds=0');
      assert.equal((again.deadChunks as unknown[]).length, 0, 'nothing left to collect');

      // the interrupted upload can still finish; it and the kept snapshot are intact
      await client().send(new CompleteSnapshotCommand({ SnapshotId: inFlight.id, ChangedBlocksCount: 2 }));
      const { ListSnapshotBlocksCommand, GetSnapshotBlockCommand } = await import('@aws-sdk/client-ebs');
      for (let i = 0; i < 100; i++) {
        const s = await ec2(server.url).send(new DescribeSnapshotsCommand({ SnapshotIds: [inFlight.id] }));
        if (s.Snapshots![0].State === 'completed') break;
        await new Promise((r) => setTimeout(r, 20));
      }
      for (const snap of [keep, inFlight]) {
        const listed = await client().send(new ListSnapshotBlocksCommand({ SnapshotId: snap.id }));
        assert.equal(listed.Blocks!.length, snap.data.length);
        for (const b of listed.Blocks!) {
          const got = await client().send(new GetSnapshotBlockCommand({ SnapshotId: snap.id, BlockIndex: b.BlockIndex, BlockToken: b.BlockToken }));
          assert.ok(Buffer.from(await got.BlockData!.transformToByteArray()).equals(snap.data[b.BlockIndex!]));
        }
      }
      const states = await ec2(server.url).send(new DescribeSnapshotsCommand({ SnapshotIds: [keep.id, inFlight.id] }));
      assert.equal(states.Snapshots!.length, 2);
      await server.stop();

      // the offline CLI agrees on the stopped data dir
      const fsck = imago(['fsck', '--data-dir', dataDir], databaseEnv(dataDir));
      assert.equal(fsck.status, 0, fsck.stdout + fsck.stderr);
      assert.match(fsck.stdout, /^clean: /m);
    } finally {
      await server.stop();
      removeDir(dir);
    }
  });
});
