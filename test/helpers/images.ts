// Fixtures for the image tests through the SDK: snapshots with real data (EBS direct APIs) or
// from a fresh volume, images registered from them, polling for image states, and errors
// checked for AWS's code and HTTP status.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DescribeImagesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  RegisterImageCommand,
  type EC2Client,
  type Image,
  type RegisterImageCommandInput,
} from '@aws-sdk/client-ec2';
import { CompleteSnapshotCommand, GetSnapshotBlockCommand, ListSnapshotBlocksCommand, PutSnapshotBlockCommand, StartSnapshotCommand, type EBSClient } from '@aws-sdk/client-ebs';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { awsError } from './clients.js';
import { until } from './until.js';
import { signedFetch } from './signed-fetch.js';
import { ALICE, BOB, type TestAccount } from './server.js';

export const BLOCK = 512 * 1024;
export const UNKNOWN_AMI = 'ami-0123456789abcdef0';

export async function expectError(p: Promise<unknown>, name: string, message?: RegExp, status = 400): Promise<string> {
  const e = await awsError(p);
  assert.equal(e.name, name, `${e.name}: ${e.message}`);
  assert.equal(e.status, status, `${name} status`);
  if (message) assert.match(e.message, message);
  return e.message;
}

const sum = (data: Buffer) => createHash('sha256').update(data).digest('base64');

/** A block of `size` bytes that says where it is (so a wrong read is visible). */
export function blockOf(label: string): Buffer {
  const b = Buffer.alloc(BLOCK);
  b.write(`${label} `.repeat(Math.ceil(BLOCK / (label.length + 1))).slice(0, BLOCK));
  return b;
}

/** A completed snapshot holding `writes` (block index -> 512 KiB), written through the EBS direct APIs. */
export async function snapshotWithData(ebs: EBSClient, ec2: EC2Client, writes: Map<number, Buffer>, opts: { sizeGib?: number; encrypted?: boolean; kmsKeyArn?: string } = {}): Promise<string> {
  const s = await ebs.send(new StartSnapshotCommand({ VolumeSize: opts.sizeGib ?? 1, Encrypted: opts.encrypted, KmsKeyArn: opts.kmsKeyArn }));
  for (const [index, data] of writes) {
    await ebs.send(new PutSnapshotBlockCommand({ SnapshotId: s.SnapshotId, BlockIndex: index, BlockData: data, DataLength: BLOCK, Checksum: sum(data), ChecksumAlgorithm: 'SHA256' }));
  }
  await ebs.send(new CompleteSnapshotCommand({ SnapshotId: s.SnapshotId, ChangedBlocksCount: writes.size }));
  await snapshotCompleted(ec2, s.SnapshotId!);
  return s.SnapshotId!;
}

/** A completed snapshot of a fresh empty volume (CreateVolume + CreateSnapshot). */
export async function emptySnapshot(ec2: EC2Client, sizeGib = 1, encrypted?: boolean): Promise<string> {
  const region = await ec2.config.region();
  const v = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${region}a`, Size: sizeGib, Encrypted: encrypted }));
  await until('volume available', async () => ((await ec2.send(new DescribeVolumesCommand({ VolumeIds: [v.VolumeId!] }))).Volumes![0].State === 'available' ? true : undefined));
  const s = await ec2.send(new CreateSnapshotCommand({ VolumeId: v.VolumeId }));
  await snapshotCompleted(ec2, s.SnapshotId!);
  return s.SnapshotId!;
}

export async function snapshotCompleted(ec2: EC2Client, snapshotId: string): Promise<void> {
  await until(`${snapshotId} completed`, async () => {
    const [s] = (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }))).Snapshots!;
    if (s?.State === 'error') throw new Error(`${snapshotId} failed: ${s.StateMessage}`);
    return s?.State === 'completed' ? true : undefined;
  });
}

let counter = 0;
/** A unique, valid image name. */
export const imageName = (prefix = 'img') => `${prefix}-${process.pid}-${++counter}`;

/** RegisterImage of an hvm x86_64 image whose root /dev/xvda maps the snapshot. */
export async function registerImage(ec2: EC2Client, snapshotId: string, input: Partial<RegisterImageCommandInput> = {}): Promise<string> {
  const out = await ec2.send(
    new RegisterImageCommand({
      Name: imageName(),
      RootDeviceName: '/dev/xvda',
      Architecture: 'x86_64',
      VirtualizationType: 'hvm',
      BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snapshotId } }],
      ...input,
    }),
  );
  return out.ImageId!;
}

export async function describeImage(ec2: EC2Client, imageId: string, extra: { IncludeDisabled?: boolean } = {}): Promise<Image | undefined> {
  return (await ec2.send(new DescribeImagesCommand({ ImageIds: [imageId], ...extra }))).Images![0];
}

/** Polls until the image leaves `pending`; returns it. */
export async function imageSettled(ec2: EC2Client, imageId: string): Promise<Image> {
  return until(`${imageId} settled`, async () => {
    const image = await describeImage(ec2, imageId);
    return image && image.State !== 'pending' ? image : undefined;
  });
}

/** Reads every block of a snapshot back through the EBS direct APIs. */
export async function readSnapshot(ebs: EBSClient, snapshotId: string): Promise<Map<number, Buffer>> {
  const out = new Map<number, Buffer>();
  const list = await ebs.send(new ListSnapshotBlocksCommand({ SnapshotId: snapshotId }));
  for (const b of list.Blocks ?? []) {
    const got = await ebs.send(new GetSnapshotBlockCommand({ SnapshotId: snapshotId, BlockIndex: b.BlockIndex, BlockToken: b.BlockToken }));
    out.set(b.BlockIndex!, Buffer.from(await got.BlockData!.transformToByteArray()));
  }
  return out;
}

export const CAROL: TestAccount = { profile: 'carol', accessKeyId: 'AKIACAROL00000000003', secretAccessKey: 'carol-secret', accountId: '333333333333' };
/** an operator profile (`imago_admin = true`) for the /_imago/ endpoints */
export const OPERATOR: TestAccount = { profile: 'operator', accessKeyId: 'AKIAOPERATOR00000009', secretAccessKey: 'operator-secret', accountId: '999999999999' };

/** A credentials file with ALICE, BOB, CAROL and the OPERATOR (an Imago admin). */
export function writeImageCredentials(dir: string): string {
  const path = join(dir, 'credentials');
  const profile = (a: TestAccount, admin = false) =>
    `[${a.profile}]\naws_access_key_id = ${a.accessKeyId}\naws_secret_access_key = ${a.secretAccessKey}\naws_account_id = ${a.accountId}\n${admin ? 'imago_admin = true\n' : ''}`;
  writeFileSync(path, [profile(ALICE), profile(BOB), profile(CAROL), profile(OPERATOR, true)].join('\n'));
  return path;
}

/** A signed operator request to an /_imago/ endpoint with a JSON body; returns status and JSON. */
export async function operatorCall(url: string, method: string, path: string, body?: unknown, query?: string, as: TestAccount = OPERATOR): Promise<{ status: number; body: Record<string, unknown> }> {
  const res = await signedFetch(url, {
    service: 'ec2',
    method,
    path,
    query,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? '' : JSON.stringify(body),
    accessKeyId: as.accessKeyId,
    secretAccessKey: as.secretAccessKey,
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}
