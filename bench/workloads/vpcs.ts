// The VPC family at scale (issue 12), the same boto3 workload (bench/vpcs_workload.py) against
// Imago and moto_server in one run: 1000 VPCs with a subnet and a route table each, then
// DescribeVpcs / DescribeSubnets (pages of 1000) and DescribeRouteTables (pages of 100), p50
// wall time per page over 5 passes; RunInstances MaxCount=100 into a custom subnet and into the
// default VPC. Targets: ≥ 10× moto on the describes; RunInstances ×100 into a custom subnet no
// slower than into the default VPC (today's figure).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { BENCH_KEY, ROOT, startImago, startMoto, type Peer } from '../lib/peers.js';
import { table } from '../lib/report.js';
import { judge } from '../lib/targets.js';

interface VpcResult {
  count: number;
  createVpc: number[];
  describeVpcs: number[];
  describeSubnets: number[];
  describeRouteTables: number[];
  runCustomSubnet: number;
  runDefaultVpc: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

function run(peer: Peer, count: number): VpcResult {
  const r = spawnSync('python3', [join(ROOT, 'bench/vpcs_workload.py'), '--endpoint', `http://127.0.0.1:${peer.port}`, '--count', String(count)], {
    encoding: 'utf8',
    env: { ...process.env, AWS_ACCESS_KEY_ID: BENCH_KEY.accessKeyId, AWS_SECRET_ACCESS_KEY: BENCH_KEY.secretAccessKey },
    maxBuffer: 64 << 20,
  });
  if (r.status !== 0) throw new Error(`vpcs_workload.py against ${peer.name} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as VpcResult;
}

export async function vpcsVsMoto(options: { count: number }): Promise<void> {
  const results = new Map<string, VpcResult>();
  for (const start of [() => startImago(['--settle-ms', '0', '--log-level', 'warn']), startMoto]) {
    const peer = await start();
    if (!peer) continue;
    try {
      results.set(peer.name, run(peer, options.count));
    } finally {
      await peer.stop();
    }
  }
  const i = results.get('imago')!;
  const m = results.get('moto');
  const rows: (string | number)[][] = [];
  for (const [label, key] of [['CreateVpc', 'createVpc'], ['DescribeVpcs page (1000)', 'describeVpcs'], ['DescribeSubnets page (1000)', 'describeSubnets'], ['DescribeRouteTables page (100)', 'describeRouteTables']] as const) {
    const im = median(i[key]);
    const mm = m ? median(m[key]) : NaN;
    rows.push([label, im.toFixed(1), mm.toFixed(1), m ? `${(mm / im).toFixed(1)}x` : '-']);
    if (m && key !== 'createVpc') judge(`${label} at ${options.count} VPCs vs moto`, `${(mm / im).toFixed(1)}x`, '≥ 10x', mm / im >= 10);
  }
  rows.push(['RunInstances ×100, custom subnet', i.runCustomSubnet.toFixed(0), m ? m.runCustomSubnet.toFixed(0) : '-', m ? `${(m.runCustomSubnet / i.runCustomSubnet).toFixed(1)}x` : '-']);
  rows.push(['RunInstances ×100, default VPC', i.runDefaultVpc.toFixed(0), m ? m.runDefaultVpc.toFixed(0) : '-', m ? `${(m.runDefaultVpc / i.runDefaultVpc).toFixed(1)}x` : '-']);
  judge('RunInstances ×100 into a custom subnet vs the default VPC', `${(i.runCustomSubnet / i.runDefaultVpc).toFixed(2)}x the time`, '≤ 1.1x', i.runCustomSubnet <= i.runDefaultVpc * 1.1);
  console.log(`\nVPCs: ${options.count} VPCs with a subnet and a route table each; boto3 wall time, ms (p50)${m ? '' : ' — moto_server not installed'}`);
  console.log(table(['call', 'imago ms', 'moto ms', 'moto/imago'], rows));
}
