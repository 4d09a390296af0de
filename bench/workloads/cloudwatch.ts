// CloudWatch metrics (issue 13): PutMetricData's rate in datapoints/s (batches of 1000 through
// @aws-sdk/client-cloudwatch, 1 and 4 calls in flight, while it loads `series` metrics with a
// day of data each), then GetMetricData's latency over that data — one series' day at 5 minutes,
// and five series with a SUM of them — at one connection over HTTP, next to the same server's
// DescribeImages by id in the same run. Prints figures; asserts nothing.
import { CloudWatchClient, PutMetricDataCommand, type MetricDatum } from '@aws-sdk/client-cloudwatch';
import { EC2Client } from '@aws-sdk/client-ec2';
import { emptySnapshot, registerImage } from '../lib/ec2-fixtures.js';
import { imageAvailable } from '../lib/ec2-waits.js';
import { runLoad } from '../lib/http-load.js';
import { BENCH_KEY, startImago } from '../lib/peers.js';
import { table } from '../lib/report.js';
import { signedRawRequest } from '../lib/signed-request.js';

export interface CloudWatchOptions {
  seconds: number;
  /** distinct metrics (one dimension set each) */
  series: number;
  /** a datapoint per series every this many minutes over the last day */
  everyMinutes: number;
}

const DAY = 86_400_000;

export async function cloudwatchMetrics(o: CloudWatchOptions): Promise<void> {
  const imago = await startImago();
  const endpoint = `http://127.0.0.1:${imago.port}`;
  const config = { endpoint, region: 'us-east-1', credentials: BENCH_KEY, maxAttempts: 1 };
  const cw = new CloudWatchClient(config);
  const ec2 = new EC2Client(config);
  const rows: (string | number)[][] = [];
  try {
    // the load: every series gets a datum every `everyMinutes` of the last day, 1000 a call
    const end = Math.floor(Date.now() / 60_000) * 60_000 - 60_000;
    const start = end - DAY + 60_000;
    const batches: MetricDatum[][] = [];
    let batch: MetricDatum[] = [];
    for (let t = start; t <= end; t += o.everyMinutes * 60_000) {
      for (let s = 0; s < o.series; s++) {
        batch.push({ MetricName: 'CPUUtilization', Dimensions: [{ Name: 'InstanceId', Value: `i-${s.toString(16).padStart(17, '0')}` }], Timestamp: new Date(t), Value: (s * 7 + t / 60_000) % 100, Unit: 'Percent' });
        if (batch.length === 1000) batches.push(batch), (batch = []);
      }
    }
    if (batch.length) batches.push(batch);
    const put = (b: MetricDatum[]) => cw.send(new PutMetricDataCommand({ Namespace: 'Bench', MetricData: b }));
    let next = 0;
    const phase = async (inFlight: number, count: number) => {
      const until = Math.min(batches.length, next + count);
      const t = performance.now();
      let points = 0;
      await Promise.all(Array.from({ length: inFlight }, async () => {
        for (let i = next++; i < until; i = next++) {
          await put(batches[i]!);
          points += batches[i]!.length;
        }
      }));
      next = Math.min(next, until);
      return { points, s: (performance.now() - t) / 1000 };
    };
    const half = Math.floor(batches.length / 2);
    for (const [inFlight, count] of [[1, half], [4, batches.length - half]] as const) {
      const r = await phase(inFlight, count);
      rows.push([`PutMetricData, batches of 1000, ${inFlight} in flight`, `${(r.points / r.s).toFixed(0)} datapoints/s`, `${r.points} datapoints in ${r.s.toFixed(1)} s`]);
    }

    // the reads, raw signed requests replayed at one connection (the server's time + loopback)
    const id = (s: number) => `i-${s.toString(16).padStart(17, '0')}`;
    const stat = (q: string, s: number) => ({ Id: q, MetricStat: { Metric: { Namespace: 'Bench', MetricName: 'CPUUtilization', Dimensions: [{ Name: 'InstanceId', Value: id(s) }] }, Period: 300, Stat: 'Average' } });
    const body = (queries: object[]) => JSON.stringify({ StartTime: (end - DAY) / 1000, EndTime: (end + 60_000) / 1000, MetricDataQueries: queries });
    const json = { 'content-type': 'application/x-amz-json-1.0' };
    const one = await signedRawRequest(imago.port, 'monitoring', 'us-east-1', body([stat('m', Math.floor(o.series / 2))]), { ...json, 'x-amz-target': 'GraniteServiceVersion20100801.GetMetricData' });
    const five = await signedRawRequest(imago.port, 'monitoring', 'us-east-1', body([...[1, 2, 3, 4, 5].map((k) => ({ ...stat(`m${k}`, (k * 997) % o.series), ReturnData: false })), { Id: 'total', Expression: 'SUM(METRICS())' }]), { ...json, 'x-amz-target': 'GraniteServiceVersion20100801.GetMetricData' });
    const snapshot = await emptySnapshot(ec2);
    const imageId = (await ec2.send(registerImage('cloudwatch-bench', snapshot))).ImageId!;
    await imageAvailable(ec2, imageId);
    const describe = await signedRawRequest(imago.port, 'ec2', 'us-east-1', `Action=DescribeImages&Version=2016-11-15&ImageId.1=${imageId}`);
    const reads: [string, Buffer][] = [
      [`GetMetricData, 1 series × 1 day at 5 min (of ${o.series} series)`, one],
      ['GetMetricData, 5 series + SUM(METRICS())', five],
      ['DescribeImages by id (the same server)', describe],
    ];
    const results = new Map<string, { p50: number; p99: number; rps: number; errors: number }>();
    for (let round = 0; round < 2; round++) {
      for (const [label, request] of reads) {
        const r = await runLoad(imago.port, request, 1, o.seconds / 2);
        const prev = results.get(label);
        results.set(label, prev ? { p50: (prev.p50 + r.p50ms) / 2, p99: Math.max(prev.p99, r.p99ms), rps: (prev.rps + r.rps) / 2, errors: prev.errors + r.errors } : { p50: r.p50ms, p99: r.p99ms, rps: r.rps, errors: r.errors });
      }
    }
    const base = results.get('DescribeImages by id (the same server)')!.p50;
    console.log(table(['write', 'rate', ''], rows));
    console.log('\nreads over HTTP, 1 connection');
    console.log(table(['request', 'req/s', 'p50 ms', 'p99 ms', 'p50 vs DescribeImages'], [...results].map(([label, r]) => [label, r.rps.toFixed(0), r.p50.toFixed(3), r.p99.toFixed(3), `${(r.p50 / base).toFixed(2)}×`])));
  } finally {
    await imago.stop();
  }
}
