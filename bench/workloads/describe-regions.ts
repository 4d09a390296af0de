// Signed DescribeRegions at 1, 8 and 64 connections against Imago (SigV4 verified on every
// request), moto_server and a trivial node:http handler, all in one run. Targets (issues #2 and
// #15): >= 20x moto and, at 8 connections, >= 40% of the trivial handler's rate.
import { exchange, runLoad, type LoadResult } from '../lib/http-load.js';
import { signedRawRequest } from '../lib/signed-request.js';
import { startImago, startMoto, startTrivial, type Peer } from '../lib/peers.js';
import { ratio, table } from '../lib/report.js';
import { judge } from '../lib/targets.js';

const BODY = 'Action=DescribeRegions&Version=2016-11-15';

export async function describeRegions(options: { seconds: number; connections: number[] }): Promise<void> {
  const imago = await startImago();
  const moto = await startMoto();
  // the trivial handler answers with Imago's own response body, so bytes on the wire match
  const sample = await exchange(imago.port, await signedRawRequest(imago.port, 'ec2', 'us-east-1', BODY));
  const trivial = await startTrivial(sample);
  const peers: Peer[] = [imago, ...(moto ? [moto] : []), trivial];
  const results = new Map<string, LoadResult>();
  try {
    for (const peer of peers) {
      const request = await signedRawRequest(peer.port, 'ec2', 'us-east-1', BODY);
      for (const c of options.connections) {
        const r = await runLoad(peer.port, request, c, options.seconds);
        if (r.statuses[200] !== r.requests) console.warn(`  ! ${peer.name} @${c}: statuses ${JSON.stringify(r.statuses)}`);
        results.set(`${peer.name}@${c}`, r);
      }
    }
  } finally {
    await Promise.all(peers.map((p) => p.stop()));
  }
  console.log(`\nDescribeRegions, signed (Imago verifies SigV4), ${options.seconds}s per point${moto ? '' : ' — moto_server not installed'}`);
  const rows = options.connections.map((c) => {
    const i = results.get(`imago@${c}`)!;
    const m = results.get(`moto@${c}`);
    const t = results.get(`node:http@${c}`)!;
    return [c, i.rps, i.p50ms, i.p99ms, m?.rps ?? NaN, m?.p50ms ?? NaN, t.rps, t.p50ms, ratio(i.rps, m?.rps), `${((i.rps / t.rps) * 100).toFixed(0)}%`];
  });
  console.log(
    table(['conns', 'imago req/s', 'p50 ms', 'p99 ms', 'moto req/s', 'moto p50', 'node:http req/s', 'http p50', 'imago/moto', 'imago/http'], rows),
  );
  console.log('targets: imago/moto >= 20x, imago/http >= 40% (at 8 connections)');
  const at8 = options.connections.includes(8) ? 8 : options.connections[0];
  const i8 = results.get(`imago@${at8}`)!;
  const t8 = results.get(`node:http@${at8}`)!;
  const share = i8.rps / t8.rps;
  judge(`signed DescribeRegions at ${at8} connections vs node:http`, `${i8.rps.toFixed(0)} of ${t8.rps.toFixed(0)} req/s = ${(share * 100).toFixed(0)}%`, '>= 40%', share >= 0.4);
  const m8 = results.get(`moto@${at8}`);
  if (m8) judge(`signed DescribeRegions at ${at8} connections vs moto_server`, `${ratio(i8.rps, m8.rps)}`, '>= 20x', i8.rps >= 20 * m8.rps);
}
