// test-servers: s3
// EC2's import and export tasks through @aws-sdk/client-ec2 against a real S3-compatible server
// (Ceph RGW, started by npm test): ImportSnapshot from an http URL (served on 127.0.0.1),
// ImportImage from an S3 object (UserBucket and an s3:// Url), ExportImage to S3 read back
// byte-identical, the store/restore round trip, a hostile qcow2 naming a backing file refused,
// an unsupported format, CancelImportTask, and the request-time errors.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { DeleteObjectCommand, GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { GetSnapshotBlockCommand, ListSnapshotBlocksCommand } from '@aws-sdk/client-ebs';
import {
  CancelImportTaskCommand,
  CreateRestoreImageTaskCommand,
  CreateStoreImageTaskCommand,
  DescribeExportImageTasksCommand,
  DescribeImagesCommand,
  DescribeImportImageTasksCommand,
  DescribeImportSnapshotTasksCommand,
  DescribeStoreImageTasksCommand,
  ExportImageCommand,
  ImportImageCommand,
  ImportSnapshotCommand,
  type ImportImageTask,
  type ImportSnapshotTask,
} from '@aws-sdk/client-ec2';
import { ebs, ec2 } from '../helpers/clients.js';
import { removeDir, startServer, tempDir, type TestServer } from '../helpers/server.js';
import { ensureTestBucket, freshPrefix, s3Env, s3Target, s3TestClient } from '../helpers/s3.js';

const BLOCK = 524288;
const GIB = 1024 ** 3;
const target = s3Target();
const s3 = s3TestClient(target);

/** 3 MiB: random blocks around a hole. */
const disk = Buffer.concat([randomBytes(BLOCK), Buffer.alloc(BLOCK), randomBytes(BLOCK), Buffer.alloc(2 * BLOCK), randomBytes(BLOCK)]);

let server: TestServer;
let web: Server;
let webUrl = '';
let dir = '';
const prefix = freshPrefix('import-export');
const files = new Map<string, Buffer>();

async function until<T>(what: string, check: () => Promise<T | undefined>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const got = await check();
    if (got !== undefined) return got;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function snapshotTask(id: string): Promise<ImportSnapshotTask> {
  const r = await ec2(server.url).send(new DescribeImportSnapshotTasksCommand({ ImportTaskIds: [id] }));
  return r.ImportSnapshotTasks![0];
}

async function imageTask(id: string): Promise<ImportImageTask> {
  const r = await ec2(server.url).send(new DescribeImportImageTasksCommand({ ImportTaskIds: [id] }));
  return r.ImportImageTasks![0];
}

const settled = (status?: string) => status === 'completed' || status === 'deleted';

async function blocksOf(snapshotId: string): Promise<Map<number, Buffer>> {
  const client = ebs(server.url);
  const out = new Map<number, Buffer>();
  const list = await client.send(new ListSnapshotBlocksCommand({ SnapshotId: snapshotId }));
  for (const b of list.Blocks ?? []) {
    const got = await client.send(new GetSnapshotBlockCommand({ SnapshotId: snapshotId, BlockIndex: b.BlockIndex, BlockToken: b.BlockToken }));
    out.set(b.BlockIndex!, Buffer.from(await got.BlockData!.transformToByteArray()));
  }
  return out;
}

function assertDisk(blocks: Map<number, Buffer>): void {
  assert.deepEqual([...blocks.keys()].sort((a, b) => a - b), [0, 2, 5]);
  for (const [i, data] of blocks) assert.ok(data.equals(disk.subarray(i * BLOCK, (i + 1) * BLOCK)), `block ${i}`);
}

before(async () => {
  await ensureTestBucket(target);
  dir = tempDir('imago-import-');
  writeFileSync(join(dir, 'disk.raw'), disk);
  files.set('/disk.raw', disk);
  // a qcow2 of the same disk, and a hostile one naming a file of this host as its backing file
  assert.equal(spawnSync('qemu-img', ['convert', '-f', 'raw', '-O', 'qcow2', join(dir, 'disk.raw'), join(dir, 'disk.qcow2')]).status, 0);
  files.set('/disk.qcow2', readFileSync(join(dir, 'disk.qcow2')));
  assert.equal(spawnSync('qemu-img', ['convert', '-f', 'raw', '-O', 'vpc', join(dir, 'disk.raw'), join(dir, 'disk.vhd')]).status, 0);
  files.set('/disk.vhd', readFileSync(join(dir, 'disk.vhd')));
  assert.equal(spawnSync('qemu-img', ['create', '-f', 'qcow2', '-b', '/etc/passwd', '-F', 'raw', join(dir, 'hostile.qcow2'), '1M']).status, 0);
  files.set('/hostile.qcow2', readFileSync(join(dir, 'hostile.qcow2')));
  web = createServer((req, res) => {
    if (req.url === '/slow.raw') {
      // 64 MiB announced, 64 KiB every 100 ms: still downloading when cancelled
      res.writeHead(200, { 'content-length': String(64 * 1024 * 1024) });
      const timer = setInterval(() => res.write(randomBytes(65536)), 100);
      res.on('close', () => clearInterval(timer));
      return;
    }
    const body = files.get(req.url ?? '');
    if (!body) return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': String(body.length) }).end(body);
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  webUrl = `http://127.0.0.1:${(web.address() as { port: number }).port}`;
  await s3.send(new PutObjectCommand({ Bucket: target.bucket, Key: `${prefix}disk.qcow2`, Body: files.get('/disk.qcow2'), ContentLength: files.get('/disk.qcow2')!.length }));
  server = await startServer({ env: s3Env(target), args: ['--settle-ms', '20'] });
});

after(async () => {
  await server?.stop();
  web?.close();
  web?.closeAllConnections();
  s3.destroy();
  if (dir) removeDir(dir);
});

describe('import and export tasks', () => {
  let snapshotId = '';
  let imageId = '';

  test('ImportSnapshot from an http URL: progress while active, then the snapshot', async () => {
    const r = await ec2(server.url).send(new ImportSnapshotCommand({ Description: 'from a URL', DiskContainer: { Url: `${webUrl}/disk.raw`, Format: 'RAW' }, TagSpecifications: [{ ResourceType: 'import-snapshot-task', Tags: [{ Key: 'k', Value: 'v' }] }] }));
    assert.match(r.ImportTaskId!, /^import-snap-[0-9a-f]{17}$/);
    assert.equal(r.SnapshotTaskDetail?.Status, 'active');
    assert.equal(r.SnapshotTaskDetail?.StatusMessage, 'pending');
    assert.equal(r.SnapshotTaskDetail?.Url, `${webUrl}/disk.raw`);
    assert.deepEqual(r.Tags, [{ Key: 'k', Value: 'v' }]);
    const done = await until('the import', async () => {
      const t = await snapshotTask(r.ImportTaskId!);
      return settled(t.SnapshotTaskDetail?.Status) ? t : undefined;
    });
    assert.equal(done.SnapshotTaskDetail?.Status, 'completed', done.SnapshotTaskDetail?.StatusMessage);
    assert.equal(done.SnapshotTaskDetail?.Progress, undefined);
    assert.equal(done.SnapshotTaskDetail?.Format, 'RAW');
    assert.equal(done.SnapshotTaskDetail?.DiskImageSize, disk.length);
    snapshotId = done.SnapshotTaskDetail!.SnapshotId!;
    assertDisk(await blocksOf(snapshotId));
    const states = await ec2(server.url).send(new DescribeImportSnapshotTasksCommand({ Filters: [{ Name: 'task-state', Values: ['completed'] }] }));
    assert.ok(states.ImportSnapshotTasks!.some((t) => t.ImportTaskId === r.ImportTaskId));
  });

  test('ImportSnapshot of a VHD; DryRun', async () => {
    const r = await ec2(server.url).send(new ImportSnapshotCommand({ DiskContainer: { Url: `${webUrl}/disk.vhd`, Format: 'VHD' } }));
    const done = await until('the import', async () => {
      const t = await snapshotTask(r.ImportTaskId!);
      return settled(t.SnapshotTaskDetail?.Status) ? t : undefined;
    });
    assert.equal(done.SnapshotTaskDetail?.Status, 'completed', done.SnapshotTaskDetail?.StatusMessage);
    assert.equal(done.SnapshotTaskDetail?.Format, 'VHD');
    assertDisk(await blocksOf(done.SnapshotTaskDetail!.SnapshotId!));
    await assert.rejects(ec2(server.url).send(new ImportSnapshotCommand({ DryRun: true, DiskContainer: { Url: `${webUrl}/disk.raw` } })), { name: 'DryRunOperation' });
    // ClientToken: a retry gets the first call's task; other parameters with the token are refused
    const token = `tok-${Date.now()}`;
    const first = await ec2(server.url).send(new ImportSnapshotCommand({ ClientToken: token, DiskContainer: { Url: `${webUrl}/disk.raw` } }));
    const again = await ec2(server.url).send(new ImportSnapshotCommand({ ClientToken: token, DiskContainer: { Url: `${webUrl}/disk.raw` } }));
    assert.equal(again.ImportTaskId, first.ImportTaskId);
    await assert.rejects(ec2(server.url).send(new ImportSnapshotCommand({ ClientToken: token, DiskContainer: { Url: `${webUrl}/disk.vhd` } })), { name: 'IdempotentParameterMismatch' });
    await until('the import', async () => (settled((await snapshotTask(first.ImportTaskId!)).SnapshotTaskDetail?.Status) ? true : undefined));
  });

  test('ImportImage from an S3 object (qcow2 as UserBucket, and as an s3:// Url)', async () => {
    const r = await ec2(server.url).send(
      new ImportImageCommand({ Description: 'from S3', Architecture: 'x86_64', DiskContainers: [{ Format: 'qcow2', UserBucket: { S3Bucket: target.bucket, S3Key: `${prefix}disk.qcow2` } }] }),
    );
    assert.match(r.ImportTaskId!, /^import-ami-[0-9a-f]{17}$/);
    assert.equal(r.Status, 'active');
    assert.equal(r.StatusMessage, 'pending');
    assert.equal(r.Progress, '2');
    const done = await until('the image import', async () => {
      const t = await imageTask(r.ImportTaskId!);
      return settled(t.Status) ? t : undefined;
    });
    assert.equal(done.Status, 'completed', done.StatusMessage);
    assert.match(done.ImageId!, /^ami-/);
    assert.equal(done.SnapshotDetails?.[0].Format, 'QCOW2');
    assert.equal(done.SnapshotDetails?.[0].DeviceName, '/dev/sda1');
    assert.deepEqual(done.SnapshotDetails?.[0].UserBucket, { S3Bucket: target.bucket, S3Key: `${prefix}disk.qcow2` });
    imageId = done.ImageId!;
    const img = (await ec2(server.url).send(new DescribeImagesCommand({ ImageIds: [imageId] }))).Images![0];
    assert.equal(img.State, 'available');
    assert.equal(img.RootDeviceName, '/dev/sda1');
    assert.equal(img.Architecture, 'x86_64');
    assertDisk(await blocksOf(img.BlockDeviceMappings![0].Ebs!.SnapshotId!));

    const byUrl = await ec2(server.url).send(new ImportImageCommand({ DiskContainers: [{ Url: `s3://${target.bucket}/${prefix}disk.qcow2` }] }));
    const second = await until('the s3:// import', async () => {
      const t = await imageTask(byUrl.ImportTaskId!);
      return settled(t.Status) ? t : undefined;
    });
    assert.equal(second.Status, 'completed', second.StatusMessage);
  });

  test('ExportImage to S3: the object reads back byte-identical', async () => {
    const r = await ec2(server.url).send(new ExportImageCommand({ ImageId: imageId, DiskImageFormat: 'RAW', S3ExportLocation: { S3Bucket: target.bucket, S3Prefix: `${prefix}exports/` } }));
    assert.match(r.ExportImageTaskId!, /^export-ami-[0-9a-f]{17}$/);
    assert.equal(r.Status, 'active');
    assert.deepEqual(r.S3ExportLocation, { S3Bucket: target.bucket, S3Prefix: `${prefix}exports/` });
    const done = await until(
      'the export',
      async () => {
        const t = (await ec2(server.url).send(new DescribeExportImageTasksCommand({ ExportImageTaskIds: [r.ExportImageTaskId!] }))).ExportImageTasks![0];
        return settled(t.Status) ? t : undefined;
      },
      180_000,
    );
    assert.equal(done.Status, 'completed', done.StatusMessage);
    const got = await s3.send(new GetObjectCommand({ Bucket: target.bucket, Key: `${prefix}exports/${r.ExportImageTaskId}.raw` }));
    assert.equal(got.ContentLength, GIB);
    const hash = createHash('sha256');
    for await (const chunk of got.Body as Readable) hash.update(chunk as Buffer);
    const expected = createHash('sha256').update(disk);
    const zeros = Buffer.alloc(16 * 1024 * 1024);
    for (let left = GIB - disk.length; left > 0; left -= zeros.length) expected.update(zeros.subarray(0, Math.min(left, zeros.length)));
    assert.equal(hash.digest('hex'), expected.digest('hex'));
    // 1 GiB: not left in the test server's small cluster
    await s3.send(new DeleteObjectCommand({ Bucket: target.bucket, Key: `${prefix}exports/${r.ExportImageTaskId}.raw` }));
  });

  test('ExportImage as VMDK: streamOptimized, the same disk once converted back', async () => {
    const r = await ec2(server.url).send(new ExportImageCommand({ ImageId: imageId, DiskImageFormat: 'VMDK', S3ExportLocation: { S3Bucket: target.bucket, S3Prefix: `${prefix}exports/` } }));
    const done = await until('the export', async () => {
      const t = (await ec2(server.url).send(new DescribeExportImageTasksCommand({ ExportImageTaskIds: [r.ExportImageTaskId!] }))).ExportImageTasks![0];
      return settled(t.Status) ? t : undefined;
    });
    assert.equal(done.Status, 'completed', done.StatusMessage);
    const got = await s3.send(new GetObjectCommand({ Bucket: target.bucket, Key: `${prefix}exports/${r.ExportImageTaskId}.vmdk` }));
    const vmdk = Buffer.from(await got.Body!.transformToByteArray());
    assert.equal(vmdk.toString('latin1', 0, 4), 'KDMV');
    writeFileSync(join(dir, 'export.vmdk'), vmdk);
    assert.equal(spawnSync('qemu-img', ['convert', '-f', 'vmdk', '-O', 'raw', join(dir, 'export.vmdk'), join(dir, 'export.raw')]).status, 0);
    const raw = readFileSync(join(dir, 'export.raw'));
    assert.equal(raw.length, GIB);
    assert.ok(raw.subarray(0, disk.length).equals(disk));
    assert.ok(raw.subarray(disk.length, disk.length + 16 * BLOCK).equals(Buffer.alloc(16 * BLOCK)));
  });

  test('CreateStoreImageTask then CreateRestoreImageTask: the same disk under a new AMI', async () => {
    const stored = await ec2(server.url).send(new CreateStoreImageTaskCommand({ ImageId: imageId, Bucket: target.bucket }));
    assert.equal(stored.ObjectKey, `${imageId}.bin`);
    const task = await until('the store task', async () => {
      const t = (await ec2(server.url).send(new DescribeStoreImageTasksCommand({ ImageIds: [imageId] }))).StoreImageTaskResults![0];
      return t.StoreTaskState === 'InProgress' ? undefined : t;
    });
    assert.equal(task.StoreTaskState, 'Completed', task.StoreTaskFailureReason);
    assert.equal(task.ProgressPercentage, 100);
    assert.equal(task.Bucket, target.bucket);
    const restored = await ec2(server.url).send(new CreateRestoreImageTaskCommand({ Bucket: target.bucket, ObjectKey: stored.ObjectKey, Name: `restored-${Date.now()}` }));
    const img = await until('the restored image', async () => {
      const i = (await ec2(server.url).send(new DescribeImagesCommand({ ImageIds: [restored.ImageId!] }))).Images![0];
      return i.State === 'pending' ? undefined : i;
    });
    assert.equal(img.State, 'available');
    assert.equal(img.RootDeviceName, '/dev/sda1');
    assertDisk(await blocksOf(img.BlockDeviceMappings![0].Ebs!.SnapshotId!));
  });

  test('a qcow2 naming a backing file is refused; so is an unsupported format', async () => {
    const hostile = await ec2(server.url).send(new ImportSnapshotCommand({ DiskContainer: { Url: `${webUrl}/hostile.qcow2` } }));
    const t = await until('the refusal', async () => {
      const x = await snapshotTask(hostile.ImportTaskId!);
      return settled(x.SnapshotTaskDetail?.Status) ? x : undefined;
    });
    assert.equal(t.SnapshotTaskDetail?.Status, 'deleted');
    assert.match(t.SnapshotTaskDetail!.StatusMessage!, /^ClientError: Disk validation failed \[.*backing file/);
    assert.equal(t.SnapshotTaskDetail?.SnapshotId, undefined);

    const ova = await ec2(server.url).send(new ImportImageCommand({ DiskContainers: [{ Url: `${webUrl}/disk.raw`, Format: 'OVA' }] }));
    const o = await until('the refusal', async () => {
      const x = await imageTask(ova.ImportTaskId!);
      return settled(x.Status) ? x : undefined;
    });
    assert.equal(o.Status, 'deleted');
    assert.equal(o.StatusMessage, 'ClientError: Unsupported format');

    const missing = await ec2(server.url).send(new ImportSnapshotCommand({ DiskContainer: { Url: `${webUrl}/nothing.raw` } }));
    const m = await until('the failure', async () => {
      const x = await snapshotTask(missing.ImportTaskId!);
      return settled(x.SnapshotTaskDetail?.Status) ? x : undefined;
    });
    assert.match(m.SnapshotTaskDetail!.StatusMessage!, /^ClientError: .*HTTP 404/);
  });

  test('CancelImportTask stops a download: deleting, then deleted', async () => {
    const r = await ec2(server.url).send(new ImportSnapshotCommand({ DiskContainer: { Url: `${webUrl}/slow.raw` } }));
    await until('the download', async () => ((await snapshotTask(r.ImportTaskId!)).SnapshotTaskDetail?.StatusMessage === 'downloading/converting' ? true : undefined));
    // a long task holds up no other work: another import completes meanwhile
    const quick = await ec2(server.url).send(new ImportSnapshotCommand({ DiskContainer: { Url: `${webUrl}/disk.raw` } }));
    await until('the quick import', async () => ((await snapshotTask(quick.ImportTaskId!)).SnapshotTaskDetail?.Status === 'completed' ? true : undefined), 20_000);
    assert.equal((await snapshotTask(r.ImportTaskId!)).SnapshotTaskDetail?.Status, 'active');
    const c = await ec2(server.url).send(new CancelImportTaskCommand({ ImportTaskId: r.ImportTaskId, CancelReason: 'changed my mind' }));
    assert.deepEqual({ id: c.ImportTaskId, prev: c.PreviousState, state: c.State }, { id: r.ImportTaskId, prev: 'active', state: 'deleting' });
    const t = await until('the cancellation', async () => {
      const x = await snapshotTask(r.ImportTaskId!);
      return x.SnapshotTaskDetail?.Status === 'deleted' ? x : undefined;
    });
    assert.match(t.SnapshotTaskDetail!.StatusMessage!, /changed my mind/);
    await assert.rejects(ec2(server.url).send(new CancelImportTaskCommand({ ImportTaskId: r.ImportTaskId })), { name: 'IncorrectState' });
    await assert.rejects(ec2(server.url).send(new CancelImportTaskCommand({ ImportTaskId: 'import-ami-0123456789abcdef0' })), { name: 'InvalidConversionTaskId' });
  });

  test('request-time errors: a missing bucket, a bad URL, an unknown task, a bad format', async () => {
    await assert.rejects(ec2(server.url).send(new ImportSnapshotCommand({ DiskContainer: { UserBucket: { S3Bucket: 'no-such-bucket-imago', S3Key: 'x.raw' } } })), { name: 'InvalidParameter', message: /S3 bucket does not exist/ });
    await assert.rejects(ec2(server.url).send(new ImportSnapshotCommand({ DiskContainer: { Url: 'ftp://example.com/x.raw' } })), { name: 'InvalidParameter' });
    await assert.rejects(ec2(server.url).send(new DescribeImportImageTasksCommand({ ImportTaskIds: ['import-ami-0123456789abcdef0'] })), { name: 'InvalidConversionTaskId.Malformed' });
    await assert.rejects(ec2(server.url).send(new ExportImageCommand({ ImageId: imageId, DiskImageFormat: 'QCOW2' as 'RAW', S3ExportLocation: { S3Bucket: target.bucket } })), { name: 'InvalidParameterValue' });
    await assert.rejects(ec2(server.url).send(new ExportImageCommand({ ImageId: imageId, DiskImageFormat: 'RAW', S3ExportLocation: { S3Bucket: 'no-such-bucket-imago' } })), { name: 'InvalidParameter' });
  });
});
