// Images, two ways.
//
// 1. The same boto3 workload (bench/images_workload.py) against Imago and moto_server in one
//    run: RegisterImage ×N, DescribeImages Owners=self (all N), a name-wildcard + tag filter,
//    one ImageId, CopyImage. Medians of client-side wall time (boto3's own ≈1.2 ms per call
//    included), ratios moto/Imago. Targets: ≥ 20× on the full and filtered listings, ≥ 3× on
//    single-item calls.
// 2. Imago alone at 100k images, inserted through the store directly, then measured over HTTP
//    with raw signed requests at one connection (p50 ≈ server time): one ImageId, a page of
//    1000 (Owners=self), ExecutableUsers=self (first page of 1000), and the server's RSS.
//    Targets: ≤ 1 ms, ≤ 30 ms, ≤ 30 ms, ≤ 200 MB.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exchange, runLoad } from '../lib/http-load.js';
import { BENCH_KEY, ROOT, startImago, startMoto, type Peer } from '../lib/peers.js';
import { fmt, table } from '../lib/report.js';
import { signedRawRequest } from '../lib/signed-request.js';
import { Store } from '../../src/store/store.js';
import type { CatalogRows } from '../../src/store/repos/catalog.js';
import { ImageService } from '../../src/services/ec2/images/image-service.js';

interface WorkloadResult {
  count: number;
  register: number[];
  describeAll: number[];
  describeFiltered: number[];
  describeOne: number[];
  copyImage: number[];
  copyNote: string | null;
  /** request sent -> whole response received (server time + loopback), per listing step */
  wire: { describeAll: number[]; describeFiltered: number[]; describeOne: number[] };
}

const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN);

function runWorkload(peer: Peer, count: number): WorkloadResult {
  const r = spawnSync('python3', [join(ROOT, 'bench/images_workload.py'), '--endpoint', `http://127.0.0.1:${peer.port}`, '--count', String(count)], {
    encoding: 'utf8',
    env: { ...process.env, AWS_ACCESS_KEY_ID: BENCH_KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: BENCH_KEY.secretAccessKey },
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`images_workload.py against ${peer.name} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as WorkloadResult;
}

export async function imagesVsMoto(options: { count: number }): Promise<void> {
  const results = new Map<string, WorkloadResult>();
  for (const start of [() => startImago(['--settle-ms', '0', '--log-level', 'warn']), startMoto]) {
    const peer = await start();
    if (!peer) continue;
    try {
      results.set(peer.name, runWorkload(peer, options.count));
    } finally {
      await peer.stop();
    }
  }
  const i = results.get('imago')!;
  const m = results.get('moto');
  console.log(`\nboto3 image workload, ${options.count} images, medians in ms: client = the boto3 call; wire = request sent to response read${m ? '' : ' — moto_server not installed'}`);
  const row = (step: string, pick: (r: WorkloadResult) => number[] | undefined, wire: (r: WorkloadResult) => number[] | undefined, target: string) => {
    const [a, b] = [median(pick(i) ?? []), m ? median(pick(m) ?? []) : NaN];
    const [wa, wb] = [median(wire(i) ?? []), m ? median(wire(m) ?? []) : NaN];
    return [step, a, b, m ? `${fmt(b / a)}x` : '-', wa, wb, m && wa ? `${fmt(wb / wa)}x` : '-', target];
  };
  const none = () => undefined;
  console.log(
    table(
      ['step', 'imago client', 'moto client', 'ratio', 'imago wire', 'moto wire', 'wire ratio', 'target'],
      [
        row('RegisterImage (each)', (r) => r.register, none, ''),
        row(`DescribeImages Owners=self (all ${options.count})`, (r) => r.describeAll, (r) => r.wire.describeAll, '>= 20x'),
        row('DescribeImages name=bench-01* + tag:team=red', (r) => r.describeFiltered, (r) => r.wire.describeFiltered, '>= 20x'),
        row('DescribeImages ImageId.1', (r) => r.describeOne, (r) => r.wire.describeOne, '>= 3x'),
        row('CopyImage (each)', (r) => r.copyImage, none, '>= 3x'),
      ],
    ),
  );
  for (const [name, r] of results) if (r.copyNote) console.log(`  ${name}: CopyImage answered ${r.copyNote}`);
}

// ---- 100k images ----------------------------------------------------------------------

const CALLER = BENCH_KEY.accountId;

/** Writes `total` images straight into a fresh data dir's store: the caller owns a fifth, 40 other accounts the rest; 1% of theirs is shared with the caller and 1% public. */
export async function populate(dataDir: string, total: number): Promise<{ ownId: string }> {
  const store = await Store.open({ dataDir, durability: 'normal' });
  const newRow = ImageService.prototype.newRow.bind(undefined as never);
  let ownId = '';
  try {
    for (let start = 0; start < total; start += 10_000) {
      const rows: CatalogRows = { snapshots: [], snapshotPermissions: [], images: [], blockDevices: [], launchPermissions: [], productCodes: [] };
      for (let n = start; n < Math.min(total, start + 10_000); n++) {
        const owner = n % 5 === 0 ? CALLER : String(200000000000 + (n % 40)).padStart(12, '0');
        const row = newRow({ accountId: owner, region: 'us-east-1' }, { name: `bulk-${String(n).padStart(6, '0')}`, state: 'available', architecture: 'x86_64' });
        if (owner === CALLER && !ownId && n > total / 2) ownId = row.image_id;
        const shared = owner !== CALLER && n % 100 === 1;
        const isPublic = owner !== CALLER && n % 100 === 3;
        rows.images.push({ ...row, public: isPublic ? 1 : 0 });
        rows.blockDevices.push({
          image_id: row.image_id,
          position: 0,
          device_name: '/dev/xvda',
          virtual_name: null,
          no_device: 0,
          snapshot_id: 'snap-0123456789abcdef0',
          volume_size: 8,
          volume_type: 'gp3',
          delete_on_termination: 1,
          encrypted: 0,
          iops: null,
          throughput: null,
          kms_key_id: null,
        });
        if (shared) rows.launchPermissions.push({ image_id: row.image_id, kind: 'user', principal: CALLER });
        if (isPublic) rows.launchPermissions.push({ image_id: row.image_id, kind: 'group', principal: 'all' });
      }
      await store.catalog.seed(rows);
    }
  } finally {
    await store.close();
  }
  return { ownId };
}

export async function images100k(options: { total: number; seconds: number }): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'imago-bench-100k-'));
  try {
    const started = Date.now();
    const { ownId } = await populate(join(dir, 'data'), options.total);
    console.log(`\n${options.total} images written through the store in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const imago = await startImago(['--data-dir', join(dir, 'data'), '--log-level', 'warn']);
    try {
      const request = (body: string) => signedRawRequest(imago.port, 'ec2', 'us-east-1', `Action=DescribeImages&Version=2016-11-15&${body}`);
      const points: [string, string, string][] = [
        ['DescribeImages ImageId.1 (own)', `ImageId.1=${ownId}`, '<= 1 ms'],
        ['DescribeImages Owner=self MaxResults=1000', 'Owner.1=self&MaxResults=1000', '<= 30 ms'],
        ['DescribeImages ExecutableBy=self MaxResults=1000', 'ExecutableBy.1=self&MaxResults=1000', '<= 30 ms'],
        ['DescribeImages ExecutableBy=self name=bulk-0999*', 'ExecutableBy.1=self&Filter.1.Name=name&Filter.1.Value.1=bulk-0999*', ''],
      ];
      const rows = [];
      for (const [label, body, target] of points) {
        const raw = await request(body);
        const sample = await exchange(imago.port, raw);
        const items = (sample.match(/<imageId>/g) ?? []).length;
        const r = await runLoad(imago.port, raw, 1, options.seconds);
        if (r.statuses[200] !== r.requests) console.warn(`  ! ${label}: statuses ${JSON.stringify(r.statuses)}`);
        rows.push([label, items, r.p50ms, r.p99ms, r.rps, target]);
      }
      console.log(`Imago at ${options.total} images, one connection, raw signed requests (server time + loopback)`);
      console.log(table(['request', 'images', 'p50 ms', 'p99 ms', 'req/s', 'target'], rows));
      console.log(`RSS after the runs: ${fmt(imago.rssMiB() ?? NaN)} MiB (target <= 200 MB)`);
    } finally {
      await imago.stop();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
