// The client floor (issue 15): how fast each control-plane call could look to a real client, and
// how much of what the client waits for is Imago's. For boto3 (bench/floor_workload.py) and the
// JS SDK (below) the same steps run against, in order: Imago (boto3's run records Imago's
// response bytes per kind of request), a replay stub answering those bytes at once
// (bench/lib/replay-stub.mjs: node:http, no parsing, no signature check — the floor), and
// moto_server; each on a fresh server, Imago at --durability full. Per step, medians of the
// client-side time per call:
//   server time = total − floor (Imago's; moto's against the same floor — moto's bytes differ a
//   little in size, so its server time is approximate), ratio = moto's server time / Imago's.
// Judged (boto3): Imago's server time ≤ 1/20 of moto's on every step but DescribeRegions, and
// the total ≤ 1.3× the floor on the light calls (one item in, one out).
// `client-floor` runs 2000 images and 10,000 instances; `client-floor-quick` 200 and 1000.
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import {
  CopyImageCommand,
  CreateImageCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  CreateVolumeCommand,
  DescribeImagesCommand,
  DescribeInstancesCommand,
  DescribeRegionsCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  EC2Client,
  RegisterImageCommand,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { BENCH_KEY, ROOT, freePort, motoAvailable, startImago, startMoto, type Peer } from '../lib/peers.js';
import { fmt, table } from '../lib/report.js';
import { judge } from '../lib/targets.js';

export interface FloorOptions {
  images: number;
  instances: number;
  /** calls of each single-item step */
  singles: number;
  /** calls of each listing step */
  repeat: number;
}

interface Run {
  steps: Record<string, number[]>;
  notes: Record<string, string>;
}

/** Steps whose boto3 total is judged against 1.3x the floor. */
const LIGHT = new Set(['RegisterImage', 'CopyImage', 'DescribeImages by id', 'RunInstances x1', 'CreateImage', 'DescribeRegions']);

const median = (xs: number[] | undefined) => (xs?.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] : NaN);

function boto3Run(port: number, o: FloorOptions, record?: string): Run {
  const args = [join(ROOT, 'bench/floor_workload.py'), '--endpoint', `http://127.0.0.1:${port}`, '--images', String(o.images), '--instances', String(o.instances), '--singles', String(o.singles), '--repeat', String(o.repeat)];
  const r = spawnSync('python3', record ? [...args, '--record', record] : args, {
    encoding: 'utf8',
    env: { ...process.env, AWS_ACCESS_KEY_ID: BENCH_KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: BENCH_KEY.secretAccessKey },
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`floor_workload.py on port ${port} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Run;
}

/** The same steps as floor_workload.py through @aws-sdk/client-ec2. */
async function sdkRun(port: number, o: FloorOptions): Promise<Run> {
  const ec2 = new EC2Client({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: BENCH_KEY, maxAttempts: 1 });
  const run: Run = { steps: {}, notes: {} };
  const step = async (label: string, n: number, call: (i: number) => Promise<unknown>) => {
    const times: number[] = (run.steps[label] = []);
    try {
      for (let i = 0; i < n; i++) {
        const t = performance.now();
        await call(i);
        times.push(performance.now() - t);
      }
    } catch (e) {
      run.notes[label] = (e as { name?: string }).name ?? String(e);
    }
  };
  const wait = async (check: () => Promise<boolean>) => {
    for (let i = 0; i < 500 && !(await check()); i++) await new Promise((r) => setTimeout(r, 20));
  };
  try {
    const vol = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: 'us-east-1a', Size: 1 }))).VolumeId!;
    await wait(async () => (await ec2.send(new DescribeVolumesCommand({ VolumeIds: [vol] }))).Volumes![0].State === 'available');
    const snap = (await ec2.send(new CreateSnapshotCommand({ VolumeId: vol }))).SnapshotId!;
    await wait(async () => (await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [snap] }))).Snapshots![0].State === 'completed');
    const ids: string[] = [];
    await step('RegisterImage', o.images, async (i) => {
      const name = `bench-${String(i).padStart(5, '0')}`;
      ids.push((await ec2.send(new RegisterImageCommand({ Name: name, Architecture: 'x86_64', RootDeviceName: '/dev/xvda', VirtualizationType: 'hvm', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snap } }] }))).ImageId!);
    });
    const red = ids.filter((_, i) => i % 2 === 1);
    for (let k = 0; k < red.length; k += 500) await ec2.send(new CreateTagsCommand({ Resources: red.slice(k, k + 500), Tags: [{ Key: 'team', Value: 'red' }] }));
    const prefix = o.images > 1000 ? 'bench-01' : 'bench-000';
    await step(`DescribeImages all ${o.images}`, o.repeat, async () => {
      const got = (await ec2.send(new DescribeImagesCommand({ Owners: ['self'] }))).Images!.length;
      if (got !== o.images) throw new Error(`DescribeImages returned ${got} of ${o.images}`);
    });
    await step('DescribeImages filtered', o.repeat, () => ec2.send(new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: [`${prefix}*`] }, { Name: 'tag:team', Values: ['red'] }] })));
    await step('DescribeImages by id', o.singles, (i) => ec2.send(new DescribeImagesCommand({ ImageIds: [ids[(i * 7919) % ids.length]] })));
    await step('CopyImage', Math.max(10, Math.floor(o.singles / 10)), (i) => ec2.send(new CopyImageCommand({ SourceImageId: ids[i], SourceRegion: 'us-east-1', Name: `copy-${i}` })));
    const image = ids[0];
    const launched: string[] = [];
    await step('RunInstances x1', Math.floor(o.singles / 4), async () => {
      launched.push((await ec2.send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' }))).Instances![0].InstanceId!);
    });
    await step('RunInstances x100', o.repeat, () => ec2.send(new RunInstancesCommand({ ImageId: image, MinCount: 100, MaxCount: 100, InstanceType: 't3.micro' })));
    const source = launched[0] ?? (await ec2.send(new RunInstancesCommand({ ImageId: image, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' }))).Instances![0].InstanceId!;
    await wait(async () => (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [source] }))).Reservations![0].Instances![0].State!.Name === 'running');
    await step('CreateImage', Math.max(10, Math.floor(o.singles / 10)), (i) => ec2.send(new CreateImageCommand({ InstanceId: source, Name: `made-${i}`, NoReboot: true })));
    for (let have = launched.length + 100 * o.repeat; have < o.instances; ) {
      const n = Math.min(1000, o.instances - have);
      await ec2.send(new RunInstancesCommand({ ImageId: image, MinCount: n, MaxCount: n, InstanceType: 't3.micro' }));
      have += n;
    }
    await step(`DescribeInstances all ${o.instances}`, Math.max(2, Math.floor(o.repeat / 2)), async () => {
      const got = (await ec2.send(new DescribeInstancesCommand({}))).Reservations!.reduce((n, r) => n + r.Instances!.length, 0);
      if (got < o.instances) throw new Error(`DescribeInstances returned ${got} of ${o.instances}`);
    });
    await step('DescribeRegions', o.singles, () => ec2.send(new DescribeRegionsCommand({})));
  } finally {
    ec2.destroy();
  }
  return run;
}

/** The replay stub on a free port, answering the recordings in `file`. */
async function startStub(file: string): Promise<Peer> {
  const port = await freePort();
  const child = spawn(process.execPath, [join(ROOT, 'bench/lib/replay-stub.mjs'), String(port), file], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise<void>((resolve, reject) => {
    createInterface({ input: child.stdout! }).once('line', () => resolve());
    child.once('exit', (code) => reject(new Error(`replay stub exited with ${code}`)));
  });
  return {
    name: 'floor',
    port,
    rssMiB: () => undefined,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

async function against(start: () => Promise<Peer | undefined>, client: (port: number) => Promise<Run>): Promise<Run | undefined> {
  const peer = await start();
  if (!peer) return undefined;
  try {
    return await client(peer.port);
  } finally {
    await peer.stop();
  }
}

export async function clientFloor(o: FloorOptions): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'imago-bench-floor-'));
  const recordings = join(dir, 'imago-responses.json');
  const imago = () => startImago(['--settle-ms', '0', '--log-level', 'warn']);
  try {
    const clients: [string, (port: number, record?: string) => Promise<Run>][] = [
      ['boto3', async (port, record) => boto3Run(port, o, record)],
      ['JS SDK', (port) => sdkRun(port, o)],
    ];
    for (const [name, client] of clients) {
      const started = Date.now();
      const i = (await against(imago, (port) => client(port, name === 'boto3' ? recordings : undefined)))!;
      const f = (await against(() => startStub(recordings), (port) => client(port)))!;
      const m = await against(startMoto, (port) => client(port));
      report(name, o, f, i, m);
      console.log(`(${name}: ${((Date.now() - started) / 1000).toFixed(0)} s)`);
    }
    if (!motoAvailable()) console.log('moto_server not installed: no moto columns');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function report(client: string, o: FloorOptions, floor: Run, imago: Run, moto: Run | undefined): void {
  const rows: (string | number)[][] = [];
  for (const label of Object.keys(imago.steps)) {
    const [f, i, m] = [median(floor.steps[label]), median(imago.steps[label]), median(moto?.steps[label])];
    const [iServer, mServer] = [i - f, m - f];
    const speed = mServer / Math.max(iServer, 0.01);
    const bySpeed = label !== 'DescribeRegions';
    const light = LIGHT.has(label);
    const verdicts: string[] = [];
    if (bySpeed && Number.isFinite(m)) verdicts.push(speed >= 20 ? 'srv met' : 'srv MISSED');
    if (light) verdicts.push(i <= 1.3 * f ? 'floor met' : 'floor MISSED');
    const note = imago.notes[label] ?? moto?.notes[label];
    rows.push([
      label,
      imago.steps[label].length,
      f,
      i,
      m,
      iServer,
      mServer,
      !Number.isFinite(m) ? '-' : iServer <= 0 ? 'inf (imago srv ~0)' : `${fmt(speed)}x`,
      `${fmt(i / f)}x`,
      [bySpeed ? 'srv <= moto/20' : '', light ? 'total <= 1.3x floor' : ''].filter(Boolean).join('; '),
      verdicts.join(', ') + (note ? ` (${note})` : ''),
    ]);
    if (client !== 'boto3') continue;
    if (bySpeed && Number.isFinite(m)) judge(`boto3 ${label}: Imago server time <= 1/20 of moto's`, `${fmt(iServer)} vs ${fmt(mServer)} ms (${fmt(speed)}x)`, '>= 20x', speed >= 20);
    if (light) judge(`boto3 ${label}: total <= 1.3x the client floor`, `${fmt(i)} / ${fmt(f)} ms (${fmt(i / f)}x)`, '<= 1.3x', i <= 1.3 * f);
  }
  console.log(`\n${client}: ${o.images} images, ${o.instances} instances; median ms per call; floor = the same client against Imago's recorded bytes replayed at once; srv = total - floor`);
  console.log(table(['step', 'calls', 'floor', 'imago', 'moto', 'imago srv', 'moto srv', 'moto/imago srv', 'imago/floor', 'target', 'verdict'], rows));
}
