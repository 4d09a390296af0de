// Copies within the store: an 8 GiB snapshot with every block written (distinct blocks, cheap
// ones: a stamped pattern, so building it takes seconds rather than minutes; the copy's cost
// depends on the map, not on the bytes) and an image registered from it, copied unencrypted
// with CopySnapshot and CopyImage, in the same region and to another. Seconds from the call to
// `completed`/`available` (issue 3: under 1 s, O(metadata)).
import { CopyImageCommand, CopySnapshotCommand, EC2Client, RegisterImageCommand } from '@aws-sdk/client-ec2';
import { BLOCK_SIZE } from '../../src/blocks/block-size.js';
import { EbsClient } from '../../src/cli/ebs-client.js';
import { imageAvailable, snapshotCompleted } from '../lib/ec2-waits.js';
import { BENCH_KEY, startImago } from '../lib/peers.js';
import { table } from '../lib/report.js';
import { judge } from '../lib/targets.js';

const GIB = 2 ** 30;

/** A snapshot of `gib` GiB with every block written, through PutSnapshotBlock. */
async function fullSnapshot(endpoint: string, gib: number): Promise<{ snapshotId: string; seconds: number }> {
  const client = new EbsClient({ endpoint, region: 'us-east-1', accessKeyId: BENCH_KEY.accessKeyId, secretAccessKey: BENCH_KEY.secretAccessKey });
  const started = performance.now();
  try {
    const { SnapshotId } = await client.startSnapshot({ VolumeSize: gib, Description: 'copy-by-reference source' });
    const blocks = (gib * GIB) / BLOCK_SIZE;
    let next = 0;
    await Promise.all(
      Array.from({ length: 16 }, async () => {
        const block = Buffer.alloc(BLOCK_SIZE, 0x5a);
        for (let i = next++; i < blocks; i = next++) {
          block.writeUInt32LE(i, 0);
          block.writeUInt32LE(i, BLOCK_SIZE - 4);
          await client.putBlock(SnapshotId, i, block);
        }
      }),
    );
    await client.completeSnapshot(SnapshotId, blocks);
    return { snapshotId: SnapshotId, seconds: (performance.now() - started) / 1000 };
  } finally {
    client.close();
  }
}

export async function copyByReference(o: { gib: number }): Promise<void> {
  const imago = await startImago(['--settle-ms', '0']);
  const endpoint = `http://127.0.0.1:${imago.port}`;
  const ec2 = new EC2Client({ endpoint, region: 'us-east-1', credentials: BENCH_KEY, maxAttempts: 1 });
  const rows: [string, number][] = [];
  const timed = async (name: string, fn: () => Promise<void>) => {
    const started = performance.now();
    await fn();
    rows.push([name, (performance.now() - started) / 1000]);
  };
  try {
    const source = await fullSnapshot(endpoint, o.gib);
    await snapshotCompleted(ec2, source.snapshotId);
    console.log(`\nsource: ${o.gib} GiB snapshot, ${(o.gib * GIB) / BLOCK_SIZE} blocks written in ${source.seconds.toFixed(1)} s`);
    const { ImageId } = await ec2.send(
      new RegisterImageCommand({
        Name: `copy-by-reference-${Date.now()}`,
        RootDeviceName: '/dev/xvda',
        Architecture: 'x86_64',
        VirtualizationType: 'hvm',
        BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: source.snapshotId } }],
      }),
    );
    await imageAvailable(ec2, ImageId!);
    for (const [region, label] of [['us-east-1', 'same region'], ['eu-west-1', 'to eu-west-1']] as const) {
      const target = new EC2Client({ endpoint, region, credentials: BENCH_KEY, maxAttempts: 1 });
      try {
        await timed(`CopySnapshot, ${label}`, async () => {
          const { SnapshotId } = await target.send(new CopySnapshotCommand({ SourceSnapshotId: source.snapshotId, SourceRegion: 'us-east-1' }));
          await snapshotCompleted(target, SnapshotId!);
        });
        await timed(`CopyImage, ${label}`, async () => {
          const copy = await target.send(new CopyImageCommand({ SourceImageId: ImageId, SourceRegion: 'us-east-1', Name: `copy-${region}-${Date.now()}` }));
          await imageAvailable(target, copy.ImageId!);
        });
      } finally {
        target.destroy();
      }
    }
  } finally {
    ec2.destroy();
    await imago.stop();
  }
  console.log(table(['copy (unencrypted), until completed/available', 'seconds'], rows));
  for (const [name, seconds] of rows) judge(`${name} of an ${o.gib} GiB image`, `${seconds.toFixed(2)} s`, '< 1 s', seconds < 1);
}
