// Block data through an S3-compatible store (issue 10 §3): PutSnapshotBlock and GetSnapshotBlock
// over HTTP (Imago's own client, as `imago import` uses) against a server whose blocks live in
// Ceph RGW (`--blocks s3://…`; without and with the read cache; with --durability normal, where
// a block is answered once in the local spool and in the bucket by CompleteSnapshot), next to
// the fs store, and next to RGW's own PUT and GET rate measured in the same run with the same
// S3 client (512 KiB objects — one per block, the layout packs replace — and pack-sized ones).
// Judged: S3-backed ingest at the default durability (each block in the bucket before it is
// answered) >= 0.70x of RGW's raw PUT rate of 512 KiB objects at the same concurrency. Data:
// random blocks (incompressible: the bucket receives every byte). A fresh RGW (bluestore) is
// started unless IMAGO_BENCH_S3_ENDPOINT/_ACCESS_KEY/_SECRET_KEY name one. Client, Imago and all
// of RGW share this machine's cores.
import { randomBytes } from 'node:crypto';
import { GetObjectCommand, PutObjectCommand } from '@aws-sdk/client-s3';
import { BLOCK_SIZE } from '../../src/blocks/block-size.js';
import { EbsClient } from '../../src/cli/ebs-client.js';
import { BENCH_KEY, startImago, type Peer } from '../lib/peers.js';
import { ratio, table } from '../lib/report.js';
import { createBucket, s3Client, startRgw, type S3Server } from '../lib/rgw.js';
import { judge } from '../lib/targets.js';

export interface S3BlocksOptions {
  /** blocks per measured point (256 = 128 MiB) */
  blocks: number;
  concurrency: number[];
  /** pack-sized objects for the raw figure, bytes */
  packBytes: number;
}

const BUCKET = 'imago-bench';

/** MB/s of `op` over `n` items with `c` in flight. */
async function drive(n: number, bytesEach: number, c: number, op: (i: number) => Promise<void>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: c }, async () => {
      for (let i = next++; i < n; i = next++) await op(i);
    }),
  );
  return (n * bytesEach) / 1e6 / ((performance.now() - started) / 1000);
}

interface RawPoint {
  objectBytes: number;
  concurrency: number;
  put: number;
  get: number;
}

async function raw(s3: S3Server, o: S3BlocksOptions): Promise<RawPoint[]> {
  const client = s3Client(s3);
  const points: RawPoint[] = [];
  let seq = 0;
  for (const size of [BLOCK_SIZE, o.packBytes]) {
    const body = randomBytes(size);
    const n = Math.max(8, Math.round((o.blocks * BLOCK_SIZE) / size));
    for (const c of o.concurrency) {
      const keys = Array.from({ length: n }, () => `raw/${seq++}`);
      const put = await drive(n, size, c, (i) => client.send(new PutObjectCommand({ Bucket: BUCKET, Key: keys[i], Body: body })).then(() => undefined));
      const get = await drive(n, size, c, async (i) => {
        const out = await client.send(new GetObjectCommand({ Bucket: BUCKET, Key: keys[i] }));
        await out.Body!.transformToByteArray();
      });
      points.push({ objectBytes: size, concurrency: c, put, get });
    }
  }
  client.destroy();
  return points;
}

interface IngestPoint {
  store: string;
  concurrency: number;
  put: number;
  getCold: number;
  getWarm?: number;
}

async function ingest(store: string, server: Peer, o: S3BlocksOptions, warm: boolean): Promise<IngestPoint[]> {
  const client = new EbsClient({ endpoint: `http://127.0.0.1:${server.port}`, region: 'us-east-1', accessKeyId: BENCH_KEY.accessKeyId, secretAccessKey: BENCH_KEY.secretAccessKey });
  // warm up the server's codec workers
  const w = await client.startSnapshot({ VolumeSize: 1 });
  await drive(16, BLOCK_SIZE, 4, (i) => client.putBlock(w.SnapshotId, i, randomBytes(BLOCK_SIZE)));
  const points: IngestPoint[] = [];
  for (const c of o.concurrency) {
    const blocks = Array.from({ length: o.blocks }, () => randomBytes(BLOCK_SIZE));
    const s = await client.startSnapshot({ VolumeSize: 1024 });
    const put = await drive(blocks.length, BLOCK_SIZE, c, (i) => client.putBlock(s.SnapshotId, i, blocks[i]));
    await client.completeSnapshot(s.SnapshotId, blocks.length);
    let tokens: Map<number, string> = new Map();
    for (let i = 0; i < 200 && tokens.size < blocks.length; i++) {
      try {
        tokens = (await client.listBlocks(s.SnapshotId)).blocks;
      } catch {
        await new Promise((r) => setTimeout(r, 50)); // not completed yet
      }
    }
    const read = () =>
      drive(blocks.length, BLOCK_SIZE, c, async (i) => {
        const data = await client.getBlock(s.SnapshotId, i, tokens.get(i)!);
        if (!data.equals(blocks[i])) throw new Error(`block ${i} read back differs`);
      });
    const getCold = await read();
    points.push({ store, concurrency: c, put, getCold, getWarm: warm ? await read() : undefined });
  }
  return points;
}

export async function s3Blocks(o: S3BlocksOptions): Promise<void> {
  const s3 = startRgw();
  let rawPoints: RawPoint[] = [];
  const points: IngestPoint[] = [];
  try {
    await createBucket(s3, BUCKET);
    rawPoints = await raw(s3, o);
    // [label, server args, read twice (the second from the read cache)]
    const runs: [string, string[], boolean][] = [
      ['fs', [], false],
      ['s3', ['--blocks-cache-mib', '0'], false],
      ['s3, read cache', [], true],
      ['s3, durability normal', ['--durability', 'normal', '--blocks-cache-mib', '0'], false],
    ];
    for (const [label, args, warm] of runs) {
      const blocks = label === 'fs' ? [] : ['--blocks', `s3://${BUCKET}/run-${Date.now().toString(36)}/`];
      const server = await startImago(['--settle-ms', '0', ...blocks, ...args], s3.env);
      try {
        points.push(...(await ingest(label, server, o, warm)));
      } finally {
        await server.stop();
      }
    }
  } finally {
    s3.stop();
  }

  console.log(`\n${o.blocks} random 512 KiB blocks per point; RGW 16.2 (bluestore, one OSD) on this machine`);
  console.log('\nRGW raw, same S3 client (MB/s)');
  console.log(table(['object', 'in flight', 'PUT', 'GET'], rawPoints.map((r) => [`${r.objectBytes / 1024} KiB`, r.concurrency, r.put, r.get])));
  const rawAt = (c: number, size: number) => rawPoints.find((r) => r.concurrency === c && r.objectBytes === size)!;
  console.log('\nPutSnapshotBlock / GetSnapshotBlock over HTTP (MB/s); ratios to RGW raw with 512 KiB objects at the same concurrency');
  console.log(
    table(
      ['store', 'uploads', 'Put', 'of raw PUT', 'Get', 'of raw GET', 'Get again (cached)'],
      points.map((p) => {
        const r = rawAt(p.concurrency, BLOCK_SIZE);
        const s3 = p.store !== 'fs';
        return [p.store, p.concurrency, p.put, s3 ? ratio(p.put, r.put) : '-', p.getCold, s3 ? ratio(p.getCold, r.get) : '-', p.getWarm ?? '-'];
      }),
    ),
  );
  for (const c of o.concurrency) {
    const at = (store: string) => points.find((p) => p.store === store && p.concurrency === c)!.put;
    const r = rawAt(c, BLOCK_SIZE).put;
    judge(
      `S3-backed PutSnapshotBlock (default durability), ${c} uploads, vs RGW raw PUT (512 KiB objects, ${c} in flight)`,
      `${at('s3').toFixed(0)} MB/s = ${ratio(at('s3'), r)} of ${r.toFixed(0)} MB/s (fs ${at('fs').toFixed(0)}; durability normal ${at('s3, durability normal').toFixed(0)} = ${ratio(at('s3, durability normal'), r)})`,
      '>= 0.70x',
      at('s3') >= 0.7 * r,
    );
  }
}
