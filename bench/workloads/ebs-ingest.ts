// PutSnapshotBlock throughput: MB/s of non-zero, distinct 512 KiB blocks written through the
// EBS direct APIs (the SDK's own client, SigV4 verified, checksums computed and verified) by N
// concurrent uploads into one snapshot, unencrypted and encrypted, with incompressible (random)
// and compressible (this machine's /usr binaries) data. Each point starts a fresh snapshot.
// Judged (issue 15): unencrypted binaries, best point, >= 60% of the slowest required stage
// (zstd-1 or SHA-256 on one core) measured right before and after that point.
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, openSync, readdirSync, readSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { CompleteSnapshotCommand, EBSClient, PutSnapshotBlockCommand, StartSnapshotCommand } from '@aws-sdk/client-ebs';
import { BENCH_KEY, startImago } from '../lib/peers.js';
import { ratio, table } from '../lib/report.js';
import { judgeShare, withRequiredStage } from '../lib/stage-limits.js';

const BLOCK = 524288;
const POOL = 128;

/** Up to POOL blocks of real binaries (compressible about 2x), else random ones. */
function binaryBlocks(): Buffer[] {
  const out: Buffer[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      if (out.length >= POOL) return;
      const path = join(dir, name);
      let st;
      try {
        st = statSync(path);
      } catch {
        continue;
      }
      if (st.isDirectory()) walk(path);
      else if (st.isFile() && st.size >= BLOCK) {
        const fd = openSync(path, 'r');
        try {
          for (let off = 0; off + BLOCK <= st.size && out.length < POOL; off += BLOCK) {
            const b = Buffer.alloc(BLOCK);
            readSync(fd, b, 0, BLOCK, off);
            if (b.some((x) => x !== 0)) out.push(b);
          }
        } finally {
          closeSync(fd);
        }
      }
    }
  };
  for (const dir of ['/usr/bin', '/usr/lib']) {
    try {
      walk(dir);
    } catch {
      /* not readable here */
    }
  }
  return out.length ? out : randomBlocks();
}

const randomBlocks = () => Array.from({ length: POOL }, () => randomBytes(BLOCK));

interface Point {
  data: string;
  encrypted: boolean;
  concurrency: number;
  mbps: number;
  blocksPerSec: number;
  p50ms: number;
  limit: { name: string; mbps: number };
}

async function ingest(client: EBSClient, pool: Buffer[], encrypted: boolean, concurrency: number, seconds: number): Promise<Omit<Point, 'data' | 'limit'>> {
  const s = await client.send(new StartSnapshotCommand({ VolumeSize: 1024, Encrypted: encrypted || undefined }));
  let next = 0;
  let written = 0;
  const latencies: number[] = [];
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  const worker = async () => {
    while (performance.now() < deadline) {
      const index = next++;
      // a distinct block each time (no deduplication), keeping the pool block's compressibility
      const block = Buffer.from(pool[index % pool.length]);
      block.writeUInt32LE(index, 0);
      block.writeUInt32LE(index ^ 0x5bd1e995, BLOCK - 4);
      const checksum = createHash('sha256').update(block).digest('base64');
      const t = performance.now();
      await client.send(new PutSnapshotBlockCommand({ SnapshotId: s.SnapshotId, BlockIndex: index, BlockData: block, DataLength: BLOCK, Checksum: checksum, ChecksumAlgorithm: 'SHA256' }));
      latencies.push(performance.now() - t);
      written++;
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const elapsed = (performance.now() - started) / 1000;
  await client.send(new CompleteSnapshotCommand({ SnapshotId: s.SnapshotId, ChangedBlocksCount: written }));
  latencies.sort((a, b) => a - b);
  return { encrypted, concurrency, mbps: (written * BLOCK) / 1e6 / elapsed, blocksPerSec: written / elapsed, p50ms: latencies[Math.floor(latencies.length / 2)] };
}

export async function ebsIngest(options: { seconds: number; concurrency: number[] }): Promise<void> {
  const imago = await startImago();
  const client = new EBSClient({
    endpoint: `http://127.0.0.1:${imago.port}`,
    region: 'us-east-1',
    credentials: BENCH_KEY,
    maxAttempts: 1,
  });
  const pools: [string, Buffer[]][] = [
    ['random', randomBlocks()],
    ['binaries', binaryBlocks()],
  ];
  const points: Point[] = [];
  try {
    for (const [data, pool] of pools) {
      for (const encrypted of [false, true]) {
        for (const c of options.concurrency) {
          const { result, limit } = await withRequiredStage(pools[1][1], () => ingest(client, pool, encrypted, c, options.seconds));
          points.push({ data, ...result, limit });
        }
      }
    }
  } finally {
    client.destroy();
    await imago.stop();
  }
  console.log(`\nPutSnapshotBlock, durable on answer (fsync), SigV4 verified, ${options.seconds}s per point; client and server on this machine`);
  console.log(
    table(
      ['data', 'encrypted', 'uploads', 'MB/s', 'blocks/s', 'p50 ms', 'required stage around it', 'of it'],
      points.map((p) => [p.data, p.encrypted ? 'yes' : 'no', p.concurrency, p.mbps, p.blocksPerSec, p.p50ms, `${p.limit.name} ${p.limit.mbps.toFixed(0)}`, ratio(p.mbps, p.limit.mbps)]),
    ),
  );
  console.log('required stages: zstd-1 and SHA-256 on one core, on the binaries, measured right before and after each point');
  const best = points.filter((p) => p.data === 'binaries' && !p.encrypted).sort((a, b) => b.mbps / b.limit.mbps - a.mbps / a.limit.mbps)[0];
  if (best) judgeShare(`PutSnapshotBlock over HTTP, AWS SDK client, binaries (best of ${options.concurrency.join('/')} uploads)`, best.mbps, best.limit);
}
