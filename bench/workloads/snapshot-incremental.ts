// Incremental snapshots: a volume with N GiB written through NBD (nbdcopy of a generated image
// of distinct, ~2x compressible blocks) is snapshotted (the full snapshot), then 1% of its
// blocks are rewritten through NBD (the connection stays open, so the device is rebased while
// in use) and it is snapshotted again. For each: seconds and bytes the server wrote (its
// /proc write_bytes) for the data writes plus the snapshot until `completed`, and for the
// snapshot alone. A full snapshot's cost is writing the volume's data; an incremental one's
// should follow the changed blocks (issue 3: <= 3% of a full snapshot at 1% changed).
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statfsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateSnapshotCommand, CreateVolumeCommand, EC2Client } from '@aws-sdk/client-ec2';
import { EBSClient, ListChangedBlocksCommand } from '@aws-sdk/client-ebs';
import { BLOCK_SIZE } from '../../src/blocks/block-size.js';
import { NbdClient } from '../../src/blocks/nbd/nbd-client.js';
import { distinctBlock, loadCorpus } from '../lib/corpus.js';
import { writeImage } from '../lib/disk-images.js';
import { snapshotCompleted, volumeAvailable } from '../lib/ec2-waits.js';
import { BENCH_KEY, freePort, startImago } from '../lib/peers.js';
import { bytesWritten } from '../lib/process-io.js';
import { ratio, table } from '../lib/report.js';
import { judge } from '../lib/targets.js';

const MB = 1e6;

interface Phase {
  name: string;
  seconds: number;
  bytes: number;
}

export async function snapshotIncremental(o: { gib: number; changedShare: number }): Promise<void> {
  if (spawnSync('nbdcopy', ['--version'], { stdio: 'ignore' }).status !== 0) {
    console.log('skipped: nbdcopy is not installed (apt-get install libnbd-bin)');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'imago-bench-snap-'));
  let gib = o.gib;
  const free = statfsSync(dir).bavail * statfsSync(dir).bsize;
  if (free < gib * 2 * 2 ** 30 + 2 ** 30) {
    gib = Math.max(1, Math.floor((free - 2 ** 30) / (2 * 2 ** 30)));
    console.log(`note: ${(free / 2 ** 30).toFixed(1)} GiB free here, so the volume is ${gib} GiB instead of ${o.gib}`);
  }
  const blocks = (gib * 2 ** 30) / BLOCK_SIZE;
  const corpus = loadCorpus(64);
  const image = writeImage(join(dir, 'volume.raw'), gib * 2 ** 30, corpus, () => true, 5e8);
  const nbdPort = await freePort();
  const imago = await startImago(['--nbd-port', String(nbdPort), '--settle-ms', '0']);
  const endpoint = `http://127.0.0.1:${imago.port}`;
  const ec2 = new EC2Client({ endpoint, region: 'us-east-1', credentials: BENCH_KEY, maxAttempts: 1 });
  const ebs = new EBSClient({ endpoint, region: 'us-east-1', credentials: BENCH_KEY, maxAttempts: 1 });
  const phases: Phase[] = [];
  const measure = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const io = bytesWritten(imago.pid) ?? NaN;
    const started = performance.now();
    const out = await fn();
    phases.push({ name, seconds: (performance.now() - started) / 1000, bytes: (bytesWritten(imago.pid) ?? NaN) - io });
    return out;
  };
  const snapshot = async (volumeId: string) => {
    const { SnapshotId } = await ec2.send(new CreateSnapshotCommand({ VolumeId: volumeId }));
    await snapshotCompleted(ec2, SnapshotId!);
    return SnapshotId!;
  };
  let changedListed = 0;
  let changed = 0;
  try {
    const { VolumeId } = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: gib }));
    await volumeAvailable(ec2, VolumeId!);
    const uri = `nbd://127.0.0.1:${nbdPort}/${VolumeId}`;
    await measure('full: write the volume', async () => execFileSync('nbdcopy', [image.path, uri], { stdio: ['ignore', 'ignore', 'inherit'] }));
    const full = await measure('full: snapshot', () => snapshot(VolumeId!));

    // 1% of the blocks, spread over the volume, rewritten with new data; the export stays open
    const nbd = await NbdClient.open(nbdPort, VolumeId!);
    const stride = Math.round(1 / o.changedShare);
    const block = Buffer.allocUnsafe(BLOCK_SIZE);
    await measure('incremental: write 1%', async () => {
      for (let index = stride >> 1; index < blocks; index += stride) {
        const reply = await nbd.write(index * BLOCK_SIZE, distinctBlock(corpus, 9e8 + index, block));
        if (reply.error) throw new Error(`NBD write failed: ${reply.error}`);
        changed++;
      }
      const flushed = await nbd.flush();
      if (flushed.error) throw new Error(`NBD flush failed: ${flushed.error}`);
    });
    const incremental = await measure('incremental: snapshot', () => snapshot(VolumeId!));
    await nbd.disconnect();
    let token: string | undefined;
    do {
      const page = await ebs.send(new ListChangedBlocksCommand({ FirstSnapshotId: full, SecondSnapshotId: incremental, NextToken: token }));
      changedListed += page.ChangedBlocks?.length ?? 0;
      token = page.NextToken;
    } while (token);
  } finally {
    ec2.destroy();
    ebs.destroy();
    await imago.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  const [fullWrite, fullSnap, incWrite, incSnap] = phases;
  const fullTotal = { seconds: fullWrite.seconds + fullSnap.seconds, bytes: fullWrite.bytes + fullSnap.bytes };
  const incTotal = { seconds: incWrite.seconds + incSnap.seconds, bytes: incWrite.bytes + incSnap.bytes };
  console.log(`\n${gib} GiB volume (${blocks} blocks) written through NBD, then ${changed} blocks (${(o.changedShare * 100).toFixed(0)}%) rewritten; ListChangedBlocks reports ${changedListed}`);
  console.log(
    table(
      ['phase', 'seconds', 'MB written'],
      [...phases.map((p) => [p.name, p.seconds, p.bytes / MB]), ['full, total', fullTotal.seconds, fullTotal.bytes / MB], ['incremental, total', incTotal.seconds, incTotal.bytes / MB]],
    ),
  );
  console.log(`incremental/full: time ${ratio(incTotal.seconds, fullTotal.seconds)}, bytes written ${ratio(incTotal.bytes, fullTotal.bytes)}; snapshot calls alone: ${ratio(incSnap.seconds, fullSnap.seconds)} (both only seal a map: O(entries) plus a fixed HTTP/job cost)`);
  const timeShare = incTotal.seconds / fullTotal.seconds;
  const byteShare = incTotal.bytes / fullTotal.bytes;
  judge(`snapshot with ${(o.changedShare * 100).toFixed(0)}% changed (${gib} GiB): time vs full`, `${(timeShare * 100).toFixed(2)}%`, '<= 3%', timeShare <= 0.03);
  judge(`snapshot with ${(o.changedShare * 100).toFixed(0)}% changed (${gib} GiB): bytes written vs full`, `${(byteShare * 100).toFixed(2)}%`, '<= 3%', byteShare <= 0.03);
}
