// RunInstances against Imago (full durability, SigV4 verified) and moto_server in the same run:
// MaxCount=100 launches and single launches as signed raw HTTP requests (the server's latency:
// the SDK's parsing of large responses, the same for both, is left out) and through the SDK,
// median latencies and ratios (targets: >= 20x moto for 100 at once, >= 3x for one). Then, on
// Imago alone: 1000 instances from one image holding 64 MiB of data (bytes written to the block
// store and metadata per instance — copy-on-write volumes should add no data at all), and
// DescribeInstances over 10,000 instances.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { createHash } from 'node:crypto';
import {
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  RegisterImageCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CompleteSnapshotCommand, EBSClient, PutSnapshotBlockCommand, StartSnapshotCommand } from '@aws-sdk/client-ebs';
import { BENCH_KEY, startImago, startMoto, type Peer } from '../lib/peers.js';
import { exchange } from '../lib/http-load.js';
import { signedRawRequest } from '../lib/signed-request.js';
import { ratio, table } from '../lib/report.js';

const BLOCK = 512 * 1024;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

const clientConfig = (peer: Peer) => ({ endpoint: `http://127.0.0.1:${peer.port}`, region: 'us-east-1', credentials: BENCH_KEY, maxAttempts: 1 });

async function poll(check: () => Promise<boolean>): Promise<void> {
  while (!(await check())) await sleep(50);
}

/** An image to launch: on Imago one registered over a snapshot of `dataMiB` of real data; on moto one of its own. */
async function imageOn(peer: Peer, ec2: EC2Client, dataMiB: number): Promise<string> {
  if (!peer.name.startsWith('imago')) return (await ec2.send(new DescribeImagesCommand({ Owners: ['amazon'] }))).Images![0].ImageId!;
  let snapshotId: string;
  if (dataMiB > 0) {
    const ebs = new EBSClient(clientConfig(peer));
    const s = await ebs.send(new StartSnapshotCommand({ VolumeSize: 1 }));
    const blocks = (dataMiB * 1024 * 1024) / BLOCK;
    for (let i = 0; i < blocks; i++) {
      const data = Buffer.alloc(BLOCK, i % 251);
      data.write(`block ${i}`);
      await ebs.send(new PutSnapshotBlockCommand({ SnapshotId: s.SnapshotId, BlockIndex: i, BlockData: data, DataLength: BLOCK, Checksum: createHash('sha256').update(data).digest('base64'), ChecksumAlgorithm: 'SHA256' }));
    }
    await ebs.send(new CompleteSnapshotCommand({ SnapshotId: s.SnapshotId, ChangedBlocksCount: blocks }));
    snapshotId = s.SnapshotId!;
  } else {
    const v = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1 }));
    await poll(async () => (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [v.VolumeId!] }))).Volumes![0].State === 'available');
    snapshotId = (await ec2.send(new CreateSnapshotCommand({ VolumeId: v.VolumeId }))).SnapshotId!;
  }
  await poll(async () => (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snapshotId] }))).Snapshots![0].State === 'completed');
  const r = await ec2.send(
    new RegisterImageCommand({ Name: `bench-${dataMiB}-${Date.now()}`, RootDeviceName: '/dev/xvda', Architecture: 'x86_64', VirtualizationType: 'hvm', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snapshotId } }] }),
  );
  return r.ImageId!;
}

interface Times {
  hundred: number[];
  one: number[];
  sdkHundred: number[];
  sdkOne: number[];
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

async function timed(f: () => Promise<unknown>): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

/** Bytes under a directory (files only). */
function bytesUnder(dir: string): number {
  let total = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    total += entry.isDirectory() ? bytesUnder(path) : statSync(path).size;
  }
  return total;
}

/** Bytes the process has written to storage so far (/proc/<pid>/io). */
function writtenBytes(pid: number): number {
  const m = /write_bytes: (\d+)/.exec(readFileSync(`/proc/${pid}/io`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

export async function runInstances(options: { batches: number; singles: number }): Promise<void> {
  const imago = await startImago(['--settle-ms', '50', '--log-level', 'warn']);
  // the same without an fsync per commit (survives a crash of the process, not of the machine)
  const relaxed = { ...(await startImago(['--settle-ms', '50', '--log-level', 'warn', '--durability', 'normal'])), name: 'imago-normal' };
  const moto = await startMoto();
  const peers = [imago, relaxed, ...(moto ? [moto] : [])];
  const results = new Map<string, Times>();
  try {
    for (const peer of peers) {
      const ec2 = new EC2Client(clientConfig(peer));
      const image = await imageOn(peer, ec2, 0);
      const zones = ['us-east-1a', 'us-east-1b', 'us-east-1c', 'us-east-1d'];
      const run = (count: number, zone?: string) =>
        signedRawRequest(peer.port, 'ec2', 'us-east-1', `Action=RunInstances&Version=2016-11-15&ImageId=${image}&MinCount=${count}&MaxCount=${count}&InstanceType=t3.micro${zone ? `&Placement.AvailabilityZone=${zone}` : ''}`);
      const raw = async (request: Buffer) => {
        const t = performance.now();
        const body = await exchange(peer.port, request);
        const ms = performance.now() - t;
        if (!body.includes('<instancesSet>')) throw new Error(`${peer.name}: RunInstances failed: ${body.slice(0, 300)}`);
        return ms;
      };
      const r: Times = { hundred: [], one: [], sdkHundred: [], sdkOne: [] };
      await raw(await run(1)); // warm-up
      for (let b = 0; b < options.batches; b++) r.hundred.push(await raw(await run(100, zones[b % zones.length])));
      for (let i = 0; i < options.singles; i++) r.one.push(await raw(await run(1)));
      for (let b = 0; b < options.batches; b++) {
        const Placement = { AvailabilityZone: zones[(b + 2) % zones.length] };
        r.sdkHundred.push(await timed(() => ec2.send(new RunInstancesCommand({ ImageId: image, MinCount: 100, MaxCount: 100, InstanceType: 't3.micro', Placement }))));
      }
      for (let i = 0; i < options.singles; i++) r.sdkOne.push(await timed(() => ec2.send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' }))));
      results.set(peer.name, r);
    }

    const i = results.get('imago')!;
    const n = results.get('imago-normal')!;
    const m = results.get('moto');
    const row = (label: string, pick: (t: Times) => number[], target: string) => [
      label,
      median(pick(i)),
      m ? median(pick(m)) : NaN,
      ratio(m && median(pick(m)), median(pick(i))),
      target,
      median(pick(n)),
      ratio(m && median(pick(m)), median(pick(n))),
    ];
    console.log(`\nRunInstances, median ms${moto ? '' : ' — moto_server not installed'} (Imago: one commit per launch; durability full fsyncs it)`);
    console.log(
      table(
        ['case', 'imago ms', 'moto ms', 'imago/moto speed', 'target', 'imago normal ms', 'normal/moto'],
        [
          row(`MaxCount=100, raw HTTP (x${options.batches})`, (t) => t.hundred, '>= 20x'),
          row(`MaxCount=1, raw HTTP (x${options.singles})`, (t) => t.one, '>= 3x'),
          row(`MaxCount=100, SDK (x${options.batches})`, (t) => t.sdkHundred, ''),
          row(`MaxCount=1, SDK (x${options.singles})`, (t) => t.sdkOne, ''),
        ],
      ),
    );

    // 1000 instances from one image with real data: what they cost in bytes
    const ec2 = new EC2Client(clientConfig(imago));
    const image = await imageOn(imago, ec2, 64);
    await sleep(500); // let the image's own writes settle before measuring
    const dataDir = imago.dataDir!;
    const blocksBefore = bytesUnder(join(dataDir, 'blocks'));
    const writtenBefore = writtenBytes(imago.pid!);
    const launch = await timed(async () => {
      for (let z = 0; z < 2; z++) {
        await ec2.send(new RunInstancesCommand({ ImageId: image, MinCount: 500, MaxCount: 500, InstanceType: 't3.micro', Placement: { AvailabilityZone: `us-east-1${'ef'[z]}` } }));
      }
    });
    await sleep(1000); // the launch jobs (volumes in-use, instances running)
    const blocksAfter = bytesUnder(join(dataDir, 'blocks'));
    const written = writtenBytes(imago.pid!) - writtenBefore;
    console.log('\n1000 instances from one image with 64 MiB of data (2 x MaxCount=500), launched and settled');
    console.log(
      table(
        ['launch ms', 'block store bytes added', 'bytes written (all files)', 'written per instance'],
        [[launch, blocksAfter - blocksBefore, written, written / 1000]],
      ),
    );
    console.log('(a copy per instance would write 64 MiB = 67108864 bytes each; what is written is metadata: rows and the SQLite WAL)');

    // DescribeInstances at 10,000 instances
    const existing = 1 + 2 * options.batches * 100 + 2 * options.singles + 1000;
    for (let n = existing, z = 0; n < 10_000; z++) {
      const count = Math.min(1000, 10_000 - n);
      await ec2.send(new RunInstancesCommand({ ImageId: image, MinCount: count, MaxCount: count, InstanceType: 't3.micro', Placement: { AvailabilityZone: `us-east-1${'abcdef'[z % 6]}` }, TagSpecifications: z === 0 ? [{ ResourceType: 'instance', Tags: [{ Key: 'batch', Value: 'first' }] }] : undefined }));
      n += count;
    }
    await sleep(2000);
    // raw signed requests: the server's work (the SDK spends about as long again parsing XML)
    const describe = async (params: string, follow: boolean): Promise<{ ms: number; pages: number; instances: number }> => {
      let token: string | undefined;
      let pages = 0;
      let instances = 0;
      const t = performance.now();
      do {
        const body = await exchange(imago.port, await signedRawRequest(imago.port, 'ec2', 'us-east-1', `Action=DescribeInstances&Version=2016-11-15${params}${token ? `&NextToken=${encodeURIComponent(token)}` : ''}`));
        instances += body.split('<amiLaunchIndex>').length - 1;
        token = follow ? /<nextToken>([^<]+)<\/nextToken>/.exec(body)?.[1] : undefined;
        pages++;
      } while (token);
      return { ms: performance.now() - t, pages, instances };
    };
    const oneId = (await ec2.send(new DescribeInstancesCommand({ MaxResults: 5 }))).Reservations![0].Instances![0].InstanceId;
    const cases: [string, string, boolean][] = [
      ['all, pages of 1000', '&MaxResults=1000', true],
      ['first page of 100', '&MaxResults=100', false],
      ['state filter, pages of 1000', '&MaxResults=1000&Filter.1.Name=instance-state-name&Filter.1.Value.1=running', true],
      ['tag filter (SQL)', '&Filter.1.Name=tag%3Abatch&Filter.1.Value.1=first', true],
      ['tag wildcard (in memory)', '&Filter.1.Name=tag%3Abatch&Filter.1.Value.1=fir%2A', true],
      ['one instance id', `&InstanceId.1=${oneId}`, false],
    ];
    const rows: (string | number)[][] = [];
    for (const [label, params, follow] of cases) {
      const r = await describe(params, follow);
      rows.push([label, r.pages, r.instances, r.ms]);
    }
    const sdk = await timed(async () => {
      let token: string | undefined;
      do {
        token = (await ec2.send(new DescribeInstancesCommand({ MaxResults: 1000, NextToken: token }))).NextToken;
      } while (token);
    });
    rows.push(['all, pages of 1000, through the SDK', '-', '-', sdk]);
    console.log('\nDescribeInstances over 10,000 instances (raw signed HTTP unless said)');
    console.log(table(['case', 'pages', 'instances', 'ms'], rows));
  } finally {
    await Promise.all(peers.map((p) => p.stop()));
  }
}
