// Ingest of block data, next to the per-core limits of its stages measured in the same run
// (SHA-256, zstd-1, AES-256-GCM, sequential write+fsync; bench/lib/stage-limits.ts). Issue 15's
// target: over HTTP and through `imago import`, >= 60% of the slowest required stage (zstd-1 or
// SHA-256 on one core), which is measured right before and after each point (the machine is
// shared: a limit measured minutes earlier says little about the load during the point):
//   in-process   PutSnapshotBlock through the EBS domain (no HTTP), N uploads at once
//   HTTP         PutSnapshotBlock to a server process, N uploads at once from Imago's own client
//                (the one `imago import` uses: SigV4, UNSIGNED-PAYLOAD, a SHA-256 checksum each)
//   import       `imago import` of a generated raw image with ~30% zero blocks, as a process
//   zero skip    `imago import` of a sparse image that is all holes but one block
// Every upload is durable when answered (fsync'd data, committed map entry). Data: distinct
// blocks of this machine's /usr binaries (~2x compressible), so nothing deduplicates. Client,
// server and codec workers share this machine's cores.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BLOCK_SIZE } from '../../src/blocks/block-size.js';
import { EbsClient } from '../../src/cli/ebs-client.js';
import { loadCorpus, distinctBlock, type Corpus } from '../lib/corpus.js';
import { writeImage, zeroRuns } from '../lib/disk-images.js';
import { openInProcessEbs } from '../lib/in-process-ebs.js';
import { BENCH_KEY, ROOT, startImago } from '../lib/peers.js';
import { cpuSeconds } from '../lib/process-io.js';
import { ratio, table } from '../lib/report.js';
import { judgeShare, measureStageLimits, printStageLimits, withRequiredStage, zstdCpuMsPerMB } from '../lib/stage-limits.js';
import { judge } from '../lib/targets.js';

const CALLER = { accountId: BENCH_KEY.accountId, region: 'us-east-1' };

export interface IngestOptions {
  /** blocks per measured point (512 = 256 MiB) */
  blocks: number;
  concurrency: number[];
  /** size of the generated image for `imago import` */
  importMiB: number;
  /** size of the all-holes image for the zero-skip figure */
  zeroGiB: number;
}

interface Upload {
  data: Buffer;
  checksum: string;
}

let stamp = 1;

/** Distinct blocks (never seen before in this run) with their checksums, made before timing. */
function uploads(corpus: Corpus, n: number): Upload[] {
  return Array.from({ length: n }, () => {
    const data = distinctBlock(corpus, stamp++ * 7919);
    return { data, checksum: createHash('sha256').update(data).digest('base64') };
  });
}

/** MB/s of `put` over every upload with `concurrency` in flight. */
async function drive(items: Upload[], concurrency: number, put: (index: number, u: Upload) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      for (let i = next++; i < items.length; i = next++) await put(i, items[i]);
    }),
  );
  return (items.length * BLOCK_SIZE) / 1e6 / ((performance.now() - started) / 1000);
}

interface Point {
  path: string;
  encrypted: boolean;
  concurrency: number;
  mbps: number;
  /** the slowest required stage around this point */
  limit: { name: string; mbps: number };
  /** CPU time per MB of the server and the client (HTTP points), ms */
  cpuMsPerMB?: number;
}

async function inProcess(corpus: Corpus, o: IngestOptions): Promise<Point[]> {
  const ebs = await openInProcessEbs();
  const points: Point[] = [];
  try {
    await ebs.blocks.codec.warmUp(); // a server's pool is warm; the first blocks would run inline
    for (const encrypted of [false, true]) {
      for (const c of o.concurrency) {
        const items = uploads(corpus, o.blocks);
        const s = await ebs.writes.start(CALLER, { volumeSizeGib: 1024, tags: [], encrypted: encrypted || undefined });
        const { result: mbps, limit } = await withRequiredStage(corpus.blocks, () =>
          drive(items, c, (index, u) => ebs.writes.putBlock(CALLER, { snapshotId: s.snapshotId, index, data: u.data, dataLength: BLOCK_SIZE, checksum: u.checksum })),
        );
        await ebs.writes.complete(CALLER, { snapshotId: s.snapshotId, changedBlocksCount: items.length });
        points.push({ path: 'in-process', encrypted, concurrency: c, mbps, limit });
      }
    }
  } finally {
    await ebs.close();
  }
  return points;
}

async function overHttp(corpus: Corpus, o: IngestOptions, endpoint: string, serverPid: number | undefined): Promise<Point[]> {
  const client = new EbsClient({ endpoint, region: 'us-east-1', accessKeyId: BENCH_KEY.accessKeyId, secretAccessKey: BENCH_KEY.secretAccessKey });
  // warm the server: its codec workers start on first use
  const warm = await client.startSnapshot({ VolumeSize: 1 });
  await drive(uploads(corpus, 32), 4, (i, u) => client.putBlock(warm.SnapshotId, i, u.data));
  const points: Point[] = [];
  for (const encrypted of [false, true]) {
    for (const c of o.concurrency) {
      const items = uploads(corpus, o.blocks);
      const s = await client.startSnapshot({ VolumeSize: 1024, Encrypted: encrypted || undefined });
      let cpu = 0;
      const { result: mbps, limit } = await withRequiredStage(corpus.blocks, async () => {
        const server = cpuSeconds(serverPid) ?? NaN;
        const self = process.cpuUsage();
        const rate = await drive(items, c, (index, u) => client.putBlock(s.SnapshotId, index, u.data));
        const mine = process.cpuUsage(self);
        cpu = (cpuSeconds(serverPid) ?? NaN) - server + (mine.user + mine.system) / 1e6;
        return rate;
      });
      await client.completeSnapshot(s.SnapshotId, items.length);
      points.push({ path: 'HTTP', encrypted, concurrency: c, mbps, limit, cpuMsPerMB: (cpu * 1000) / ((items.length * BLOCK_SIZE) / 1e6) });
    }
  }
  return points;
}

interface ImportRun {
  label: string;
  concurrency: number;
  dataMB: number;
  bytes: number;
  seconds: number;
  wallSeconds: number;
  limit: { name: string; mbps: number };
  /** CPU time per MB of data of the server and the importer, ms */
  cpuMsPerMB: number;
}

/** CPU seconds of this process's reaped children (an import that ran to its end). */
const childrenCpu = (): number => (cpuSeconds(process.pid, true) ?? NaN) - (cpuSeconds(process.pid) ?? NaN);

function runImport(file: string, endpoint: string, concurrency?: number): { result: { blocksWritten: number; zeroBlocksSkipped: number; seconds: number; bytesRead: number }; wall: number } {
  const started = performance.now();
  const out = execFileSync(process.execPath, ['bin/imago.mjs', 'import', file, '--endpoint', endpoint, '--no-progress', ...(concurrency ? ['--concurrency', String(concurrency)] : [])], {
    cwd: ROOT,
    env: { ...process.env, AWS_ACCESS_KEY_ID: BENCH_KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: BENCH_KEY.secretAccessKey },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return { result: JSON.parse(out), wall: (performance.now() - started) / 1000 };
}

async function imports(corpus: Corpus, o: IngestOptions, endpoint: string, dir: string, serverPid: number | undefined): Promise<ImportRun[]> {
  const runs: ImportRun[] = [];
  for (const [n, c] of [undefined, 4, 16].entries()) {
    // a new image each run (other blocks), so no run deduplicates against an earlier one
    const image = writeImage(join(dir, 'disk.raw'), o.importMiB * 2 ** 20, corpus, zeroRuns(0.3), (n + 1) * 1e7);
    const server = cpuSeconds(serverPid) ?? NaN;
    const importer = childrenCpu();
    const {
      result: { result, wall },
      limit,
    } = await withRequiredStage(corpus.blocks, async () => runImport(image.path, endpoint, c));
    const cpu = (cpuSeconds(serverPid) ?? NaN) - server + childrenCpu() - importer;
    const zeroShare = Math.round((image.zeroBlocks / (image.zeroBlocks + image.dataBlocks)) * 100);
    runs.push({ label: `${o.importMiB} MiB, ${zeroShare}% zero`, concurrency: c ?? 0, dataMB: (result.blocksWritten * BLOCK_SIZE) / 1e6, bytes: result.bytesRead, seconds: result.seconds, wallSeconds: wall, limit, cpuMsPerMB: (cpu * 1000) / ((result.blocksWritten * BLOCK_SIZE) / 1e6) });
    rmSync(image.path);
  }
  const holes = writeImage(join(dir, 'holes.raw'), o.zeroGiB * 2 ** 30, corpus, (i) => i === o.zeroGiB * 2048 - 1, 9e7);
  const { result, wall } = runImport(holes.path, endpoint);
  runs.push({ label: `${o.zeroGiB} GiB of holes, 1 data block`, concurrency: 0, dataMB: (result.blocksWritten * BLOCK_SIZE) / 1e6, bytes: result.bytesRead, seconds: result.seconds, wallSeconds: wall, limit: { name: '-', mbps: NaN }, cpuMsPerMB: NaN });
  rmSync(holes.path);
  return runs;
}

export async function blocksIngest(o: IngestOptions): Promise<void> {
  const corpus = loadCorpus(64);
  const dir = mkdtempSync(join(tmpdir(), 'imago-bench-ingest-'));
  const limits = measureStageLimits(corpus.blocks, dir);
  const zstdCpu = zstdCpuMsPerMB(corpus.blocks);
  const points = await inProcess(corpus, o);
  const imago = await startImago();
  const endpoint = `http://127.0.0.1:${imago.port}`;
  let importRuns: ImportRun[] = [];
  try {
    points.push(...(await overHttp(corpus, o, endpoint, imago.pid)));
    importRuns = await imports(corpus, o, endpoint, dir, imago.pid);
  } finally {
    await imago.stop();
    rmSync(dir, { recursive: true, force: true });
  }

  console.log(`\ndata: ${corpus.source}; ${o.blocks} distinct blocks per point, durable on answer`);
  printStageLimits(limits, 'the same data');
  console.log(
    `\nCPU ms/MB: the server's and the client's CPU time per MB of data, all threads (load-independent); zstd-1 alone takes ${zstdCpu.toFixed(2)} ms/MB.` +
      `\nidle 2-core bound: 2 cores' worth of that CPU against one core's zstd-1 — the share of it reachable here if the machine were otherwise idle`,
  );
  console.log('\nPutSnapshotBlock (MB/s of non-zero data)');
  console.log(
    table(
      ['path', 'encrypted', 'uploads', 'MB/s', 'required stage around it', 'of it', 'CPU ms/MB', 'idle 2-core bound'],
      points.map((p) => [p.path, p.encrypted ? 'yes' : 'no', p.concurrency, p.mbps, `${p.limit.name} ${p.limit.mbps.toFixed(0)}`, ratio(p.mbps, p.limit.mbps), p.cpuMsPerMB ?? '-', p.cpuMsPerMB ? `${((2 * zstdCpu) / p.cpuMsPerMB).toFixed(2)}x` : '-']),
    ),
  );
  console.log('\nimago import (its own timing; wall includes starting node)');
  console.log(
    table(
      ['image', 'concurrency', 'data MB', 'seconds', 'data MB/s', 'required stage', 'of it', 'CPU ms/MB', 'idle 2-core bound', 'image GB/s', 'wall s'],
      importRuns.map((r) => [r.label, r.concurrency || 'default', r.dataMB, r.seconds, r.dataMB / r.seconds, `${r.limit.name} ${r.limit.mbps.toFixed(0)}`, ratio(r.dataMB / r.seconds, r.limit.mbps), r.cpuMsPerMB, Number.isFinite(r.cpuMsPerMB) ? `${((2 * zstdCpu) / r.cpuMsPerMB).toFixed(2)}x` : '-', r.bytes / 1e9 / r.seconds, r.wallSeconds]),
    ),
  );

  for (const path of ['in-process', 'HTTP']) {
    for (const encrypted of [false, true]) {
      const best = points.filter((p) => p.path === path && p.encrypted === encrypted).sort((a, b) => b.mbps / b.limit.mbps - a.mbps / a.limit.mbps)[0];
      judgeShare(`PutSnapshotBlock ${path}${encrypted ? ', encrypted' : ''} (best of ${o.concurrency.join('/')} uploads)`, best.mbps, best.limit);
    }
  }
  const def = importRuns.find((r) => r.concurrency === 0 && r.dataMB > 1)!;
  judgeShare('imago import, ~30% zero blocks (default concurrency)', def.dataMB / def.seconds, def.limit);
  const holes = importRuns[importRuns.length - 1];
  const zeroRate = holes.bytes / 1e9 / holes.seconds;
  judge('imago import, zero blocks skipped', `${zeroRate.toFixed(2)} GB/s`, '>= 1 GB/s', zeroRate >= 1);
}

