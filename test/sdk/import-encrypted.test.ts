// Encrypted imports through @aws-sdk/client-ec2 (no S3 needed: the disk is served over http on
// 127.0.0.1): ImportSnapshot with Encrypted under the account's default EBS key, ImportImage
// with Encrypted and a KmsKeyId of the caller's, imports encrypted by the account's encryption
// by default; the data reads back through the EBS direct APIs, a volume made from the imported
// snapshot is encrypted under the same key; KmsKeyId without Encrypted is refused, and a key the
// caller cannot use fails the task (AWS checks the key asynchronously).
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { GetSnapshotBlockCommand, ListSnapshotBlocksCommand } from '@aws-sdk/client-ebs';
import { CreateKeyCommand, DisableKeyCommand } from '@aws-sdk/client-kms';
import {
  CreateVolumeCommand,
  DescribeImagesCommand,
  DescribeImportImageTasksCommand,
  DescribeImportSnapshotTasksCommand,
  DescribeSnapshotsCommand,
  DisableEbsEncryptionByDefaultCommand,
  EnableEbsEncryptionByDefaultCommand,
  GetEbsDefaultKmsKeyIdCommand,
  ImportImageCommand,
  ImportSnapshotCommand,
  type ImportImageTask,
  type SnapshotTaskDetail,
} from '@aws-sdk/client-ec2';
import { ebs, ec2, kms } from '../helpers/clients.js';
import { expectError } from '../helpers/images.js';
import { startServer, type TestServer } from '../helpers/server.js';
import { volumeIn } from '../helpers/instances.js';
import { until } from '../helpers/until.js';

const BLOCK = 524288;
/** 2.5 MiB: data, a hole, data. */
const disk = Buffer.concat([randomBytes(BLOCK), Buffer.alloc(BLOCK), randomBytes(BLOCK), Buffer.alloc(BLOCK), randomBytes(BLOCK / 2)]);

let server: TestServer;
let web: Server;
let url = '';

const settled = (status?: string) => status === 'completed' || status === 'deleted';

async function snapshotDone(id: string, client = ec2(server.url)): Promise<SnapshotTaskDetail> {
  return until(id, async () => {
    const d = (await client.send(new DescribeImportSnapshotTasksCommand({ ImportTaskIds: [id] }))).ImportSnapshotTasks![0].SnapshotTaskDetail!;
    return settled(d.Status) ? d : undefined;
  }, 600, 100);
}

async function imageDone(id: string): Promise<ImportImageTask> {
  return until(id, async () => {
    const t = (await ec2(server.url).send(new DescribeImportImageTasksCommand({ ImportTaskIds: [id] }))).ImportImageTasks![0];
    return settled(t.Status) ? t : undefined;
  }, 600, 100);
}

/** The snapshot's data through the EBS direct APIs (decrypted by the server). */
async function assertData(snapshotId: string): Promise<void> {
  const client = ebs(server.url);
  const list = await client.send(new ListSnapshotBlocksCommand({ SnapshotId: snapshotId }));
  assert.deepEqual(list.Blocks!.map((b) => b.BlockIndex), [0, 2, 4]);
  for (const b of list.Blocks!) {
    const got = await client.send(new GetSnapshotBlockCommand({ SnapshotId: snapshotId, BlockIndex: b.BlockIndex, BlockToken: b.BlockToken }));
    const want = Buffer.alloc(BLOCK);
    disk.copy(want, 0, b.BlockIndex! * BLOCK, (b.BlockIndex! + 1) * BLOCK);
    assert.ok(Buffer.from(await got.BlockData!.transformToByteArray()).equals(want), `block ${b.BlockIndex}`);
  }
}

const snapshot = async (id: string) => (await ec2(server.url).send(new DescribeSnapshotsCommand({ SnapshotIds: [id] }))).Snapshots![0];

before(async () => {
  web = createServer((req, res) => {
    if (req.url !== '/disk.raw') return void res.writeHead(404).end();
    res.writeHead(200, { 'content-length': String(disk.length) }).end(disk);
  });
  await new Promise<void>((r) => web.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(web.address() as { port: number }).port}/disk.raw`;
  server = await startServer({ args: ['--settle-ms', '20'] });
});

after(async () => {
  await server?.stop();
  web?.close();
  web?.closeAllConnections();
});

describe('encrypted imports', () => {
  test('ImportSnapshot with Encrypted: the default EBS key; the data reads back; volumes from it are encrypted', async () => {
    const c = ec2(server.url);
    const defaultKey = (await c.send(new GetEbsDefaultKmsKeyIdCommand({}))).KmsKeyId!;
    const r = await c.send(new ImportSnapshotCommand({ DiskContainer: { Url: url, Format: 'RAW' }, Encrypted: true }));
    assert.equal(r.SnapshotTaskDetail!.Encrypted, true);
    const done = await snapshotDone(r.ImportTaskId!);
    assert.equal(done.Status, 'completed', done.StatusMessage);
    assert.equal(done.Encrypted, true);
    const snap = await snapshot(done.SnapshotId!);
    assert.equal(snap.Encrypted, true);
    assert.match(snap.KmsKeyId!, /^arn:aws:kms:us-east-1:\d{12}:key\//);
    assert.equal(done.KmsKeyId, snap.KmsKeyId);
    // the default key: an alias or the key it names
    assert.ok(snap.KmsKeyId === defaultKey || defaultKey.includes('alias/aws/ebs'), `${snap.KmsKeyId} vs ${defaultKey}`);
    await assertData(done.SnapshotId!);
    const volume = (await c.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', SnapshotId: done.SnapshotId }))).VolumeId!;
    const v = await volumeIn(c, volume, 'available');
    assert.deepEqual([v.Encrypted, v.KmsKeyId], [true, snap.KmsKeyId]);
  });

  test('ImportImage with Encrypted and a KmsKeyId: snapshots and block device mappings under that key', async () => {
    const c = ec2(server.url);
    const key = (await kms(server.url).send(new CreateKeyCommand({ Description: 'imports' }))).KeyMetadata!;
    const r = await c.send(new ImportImageCommand({ DiskContainers: [{ Url: url, Format: 'raw' }], Encrypted: true, KmsKeyId: key.KeyId }));
    assert.equal(r.Encrypted, true);
    const done = await imageDone(r.ImportTaskId!);
    assert.equal(done.Status, 'completed', done.StatusMessage);
    assert.deepEqual([done.Encrypted, done.KmsKeyId], [true, key.Arn]);
    const image = (await c.send(new DescribeImagesCommand({ ImageIds: [done.ImageId!] }))).Images![0];
    const root = image.BlockDeviceMappings!.find((m) => m.DeviceName === '/dev/sda1')!.Ebs!;
    assert.equal(root.Encrypted, true);
    const snap = await snapshot(root.SnapshotId!);
    assert.deepEqual([snap.Encrypted, snap.KmsKeyId], [true, key.Arn]);
    await assertData(root.SnapshotId!);
  });

  test('encryption by default encrypts imports; unencrypted imports stay plain', async () => {
    const c = ec2(server.url, { account: { accessKeyId: '444444444444', secretAccessKey: 'x' } });
    const plain = await snapshotDone((await c.send(new ImportSnapshotCommand({ DiskContainer: { Url: url } }))).ImportTaskId!, c);
    assert.deepEqual([plain.Status, plain.Encrypted, plain.KmsKeyId], ['completed', false, undefined]);
    assert.equal((await (await c.send(new DescribeSnapshotsCommand({ SnapshotIds: [plain.SnapshotId!] }))).Snapshots![0]).Encrypted, false);
    await c.send(new EnableEbsEncryptionByDefaultCommand({}));
    try {
      const byDefault = await snapshotDone((await c.send(new ImportSnapshotCommand({ DiskContainer: { Url: url } }))).ImportTaskId!, c);
      assert.deepEqual([byDefault.Status, byDefault.Encrypted], ['completed', true]);
      assert.equal((await c.send(new DescribeSnapshotsCommand({ SnapshotIds: [byDefault.SnapshotId!] }))).Snapshots![0].Encrypted, true);
    } finally {
      await c.send(new DisableEbsEncryptionByDefaultCommand({}));
    }
  });

  test('errors: KmsKeyId without Encrypted; a key that cannot be used fails the task', async () => {
    const c = ec2(server.url);
    await expectError(c.send(new ImportSnapshotCommand({ DiskContainer: { Url: url }, KmsKeyId: 'alias/aws/ebs' })), 'InvalidParameterDependency', /KmsKeyId requires the parameter Encrypted/);
    await expectError(c.send(new ImportImageCommand({ DiskContainers: [{ Url: url }], Encrypted: false, KmsKeyId: 'alias/aws/ebs' })), 'InvalidParameterDependency');
    // unknown key: the request succeeds, the task fails (AWS checks the key asynchronously)
    const unknown = await snapshotDone((await c.send(new ImportSnapshotCommand({ DiskContainer: { Url: url }, Encrypted: true, KmsKeyId: '0a1b2c3d-0000-4000-8000-000000000000' }))).ImportTaskId!);
    assert.equal(unknown.Status, 'deleted');
    assert.match(unknown.StatusMessage!, /^ClientError: The KMS key .* cannot be used: NotFoundException/);
    const key = (await kms(server.url).send(new CreateKeyCommand({}))).KeyMetadata!;
    await kms(server.url).send(new DisableKeyCommand({ KeyId: key.KeyId }));
    const disabled = await imageDone((await c.send(new ImportImageCommand({ DiskContainers: [{ Url: url }], Encrypted: true, KmsKeyId: key.Arn }))).ImportTaskId!);
    assert.equal(disabled.Status, 'deleted');
    assert.match(disabled.StatusMessage!, /^ClientError: The KMS key .* cannot be used: DisabledException/);
    assert.equal(disabled.ImageId, undefined);
  });
});
