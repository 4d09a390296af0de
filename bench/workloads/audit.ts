// Audit write cost (issue 11 §6): RunInstances MaxCount=1 as raw signed HTTP against two
// servers in the same run, one with the audit trail (`--audit on`, the default) and one with
// `--audit off`, both at --durability full. Rounds alternate between the two so the growing
// instance tables weigh on both alike; 1 and 8 connections (concurrent calls share the trail's
// group commit and the WAL sync). DescribeRegions too: a read writes its event, so it now pays
// the barrier's sync that reads skipped before. Target: no measurable drop in the RunInstances
// x1 rate (judged: audited >= 0.95x unaudited at 1 connection).
import { CreateSnapshotCommand, CreateVolumeCommand, DescribeSnapshotsCommand, DescribeVolumesCommand, EC2Client, RegisterImageCommand } from '@aws-sdk/client-ec2';
import { BENCH_KEY, startImago, type Peer } from '../lib/peers.js';
import { exchange, runLoad, type LoadResult } from '../lib/http-load.js';
import { signedRawRequest } from '../lib/signed-request.js';
import { fmt, table } from '../lib/report.js';
import { judge } from '../lib/targets.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Each run launches in a region of its own: a default subnet has ~4000 addresses, a run may launch thousands. */
const REGIONS = ['us-east-1', 'us-east-2', 'us-west-1', 'us-west-2', 'eu-west-1', 'eu-west-2', 'eu-west-3', 'eu-central-1', 'eu-north-1', 'ap-south-1', 'ap-northeast-1', 'ap-northeast-2', 'ap-southeast-1', 'ap-southeast-2', 'ca-central-1', 'sa-east-1'];

async function imageOn(peer: Peer, region: string): Promise<string> {
  const ec2 = new EC2Client({ endpoint: `http://127.0.0.1:${peer.port}`, region, credentials: BENCH_KEY, maxAttempts: 1 });
  const v = await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${region}a`, Size: 1 }));
  while ((await ec2.send(new DescribeVolumesCommand({ VolumeIds: [v.VolumeId!] }))).Volumes![0].State !== 'available') await sleep(20);
  const s = await ec2.send(new CreateSnapshotCommand({ VolumeId: v.VolumeId }));
  while ((await ec2.send(new DescribeSnapshotsCommand({ SnapshotIds: [s.SnapshotId!] }))).Snapshots![0].State !== 'completed') await sleep(20);
  const r = await ec2.send(new RegisterImageCommand({ Name: `audit-bench-${Date.now()}`, RootDeviceName: '/dev/xvda', Architecture: 'x86_64', VirtualizationType: 'hvm', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: s.SnapshotId } }] }));
  return r.ImageId!;
}

interface Case {
  label: string;
  connections: number;
  launches: boolean;
  request: (peer: Peer, region: string, image: string) => Promise<Buffer>;
}

const run = (p: Peer, region: string, image: string) => signedRawRequest(p.port, 'ec2', region, `Action=RunInstances&Version=2016-11-15&ImageId=${image}&MinCount=1&MaxCount=1&InstanceType=t3.micro`);
const regions = (p: Peer, region: string) => signedRawRequest(p.port, 'ec2', region, 'Action=DescribeRegions&Version=2016-11-15');
const CASES: Case[] = [
  { label: 'RunInstances x1', connections: 1, launches: true, request: run },
  { label: 'RunInstances x1', connections: 8, launches: true, request: run },
  { label: 'DescribeRegions', connections: 1, launches: false, request: regions },
  { label: 'DescribeRegions', connections: 8, launches: false, request: regions },
];

export async function auditCost(options: { seconds: number; rounds: number }): Promise<void> {
  const common = ['--settle-ms', '50', '--log-level', 'warn', '--durability', 'full'];
  const on = { ...(await startImago([...common, '--audit', 'on'])), name: 'audit on' };
  const off = { ...(await startImago([...common, '--audit', 'off'])), name: 'audit off' };
  try {
    const launchRuns = CASES.filter((c) => c.launches).length * options.rounds;
    if (launchRuns > REGIONS.length) throw new Error(`at most ${REGIONS.length} launching runs per server`);
    const images = new Map<string, string>();
    for (const peer of [on, off]) for (const region of REGIONS.slice(0, launchRuns)) images.set(`${peer.name} ${region}`, await imageOn(peer, region));
    let launchRun = 0;
    const rows: (string | number)[][] = [];
    for (const c of CASES) {
      const results = new Map<string, LoadResult[]>([
        [on.name, []],
        [off.name, []],
      ]);
      for (let r = 0; r < options.rounds; r++) {
        const region = c.launches ? REGIONS[launchRun++] : 'us-east-1';
        // alternate which goes first, so neither always meets the other's leftovers
        for (const peer of r % 2 ? [off, on] : [on, off]) {
          const request = await c.request(peer, region, images.get(`${peer.name} ${region}`) ?? '');
          const result = await runLoad(peer.port, request, c.connections, options.seconds, 0.5);
          if (result.errors) throw new Error(`${peer.name} ${c.label}: ${result.errors} errors ${JSON.stringify(result.statuses)}; now: ${(await exchange(peer.port, request)).slice(0, 300)}`);
          results.get(peer.name)!.push(result);
        }
      }
      const rate = (name: string) => results.get(name)!.reduce((n, x) => n + x.requests, 0) / results.get(name)!.reduce((n, x) => n + x.seconds, 0);
      const p50 = (name: string) => results.get(name)!.map((x) => x.p50ms).sort((a, b) => a - b)[Math.floor(options.rounds / 2)];
      const ratio = rate(on.name) / rate(off.name);
      rows.push([`${c.label}, ${c.connections} conn`, rate(on.name), rate(off.name), `${fmt(ratio)}x`, p50(on.name), p50(off.name)]);
      if (c.label === 'RunInstances x1' && c.connections === 1) {
        judge('audit: RunInstances x1 rate with the trail vs without (1 connection)', `${fmt(ratio)}x`, '>= 0.95x', ratio >= 0.95);
      }
    }
    console.log(`\nAudit write cost: calls/s with and without the trail (--durability full, ${options.rounds} alternating rounds of ${options.seconds} s)`);
    console.log(table(['case', 'audit on /s', 'audit off /s', 'on/off', 'on p50 ms', 'off p50 ms'], rows));
  } finally {
    await Promise.all([on.stop(), off.stop()]);
  }
}
