// The metadata engines side by side (issue 10): the same calls through the AWS SDK against an
// Imago server with its metadata in SQLite and one with it in PostgreSQL, both at --durability
// full (the default: SQLite syncs its WAL before answering) and PostgreSQL durable too (fsync
// and synchronous_commit on: a throwaway cluster is started unless IMAGO_BENCH_PG_URL names one,
// then it is used as configured). Per engine: RegisterImage x N over a snapshot-backed device
// mapping (half one at a time, half with C in flight), so the account holds N images;
// DescribeImages by one ImageId, Owners=self in one call and in pages of 500, and with a
// name-wildcard + tag filter; RunInstances MaxCount=1 x 100 one at a time and with C in flight,
// and MaxCount=100 (--compute none: the launch is metadata only).
// The filtered listing is measured twice on PostgreSQL: straight after the writes ("fresh": a
// new database has no planner statistics until autovacuum analyzes it) and after an ANALYZE
// (what autovacuum gives within a minute or so), which the later calls and the verdicts use.
// Latency is p50/p99/mean of the wire (request sent to response read: the server's time; the
// SDK's XML parsing, the same for both, is left out) and the p50 of the whole SDK call;
// throughput is calls/s with C in flight, with the CPU the server (and PostgreSQL) spent per
// call. Judged: PostgreSQL's wire p50 <= 2x SQLite's per call. Optionally a third server on a PostgreSQL database with
// synchronous_commit off, to show what the commit flush costs (not judged).
import { CreateTagsCommand, DescribeImagesCommand, EC2Client, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { emptySnapshot, registerImage } from '../lib/ec2-fixtures.js';
import { until } from '../lib/ec2-waits.js';
import { BENCH_KEY, startImago, type Peer } from '../lib/peers.js';
import { analyze, startPostgres, type PostgresCluster } from '../lib/postgres.js';
import { cpuSeconds } from '../lib/process-io.js';
import { fmt, ratio, table } from '../lib/report.js';
import { drive, mean, percentile, spread, timedSend, type Timed } from '../lib/sdk-timing.js';
import { judge } from '../lib/targets.js';

export interface MetadataEnginesOptions {
  /** images in the account (RegisterImage calls) */
  images: number;
  /** calls in flight for the throughput figures */
  concurrency: number;
  /** also measure PostgreSQL with synchronous_commit off */
  asyncCommit: boolean;
}

interface Step {
  /** wire and SDK times of the calls made one at a time */
  wire: number[];
  call: number[];
  /** with `concurrency` in flight: calls/s and server CPU ms per call */
  rps?: number;
  cpuMsPerCall?: number;
}

type Steps = Map<string, Step>;

const STEPS = {
  register: 'RegisterImage',
  byId: 'DescribeImages ImageIds=[one]',
  all: 'DescribeImages Owners=self, one call',
  paged: 'DescribeImages Owners=self, pages of 500',
  fresh: 'DescribeImages name=bench-01* + tag:team=red, fresh',
  filtered: 'DescribeImages name=bench-01* + tag:team=red',
  one: 'RunInstances MaxCount=1',
  hundred: 'RunInstances MaxCount=100',
} as const;

/** Runs the calls against one server; `cpu` reads the CPU seconds its processes have used. */
async function measure(peer: Peer, o: MetadataEnginesOptions, cpu: () => number, analyze: () => Promise<void>): Promise<Steps> {
  const ec2 = new EC2Client({ endpoint: `http://127.0.0.1:${peer.port}`, region: 'us-east-1', credentials: BENCH_KEY, maxAttempts: 1 });
  const steps: Steps = new Map();
  const sequential = async <O>(name: string, n: number, call: (i: number) => Promise<Timed<O>>, check?: (out: O) => void) => {
    const step: Step = { wire: [], call: [] };
    for (let i = 0; i < n; i++) {
      const t = await call(i);
      check?.(t.output);
      step.wire.push(t.wireMs);
      step.call.push(t.ms);
    }
    steps.set(name, step);
    return step;
  };
  const concurrent = async (name: string, n: number, call: (i: number) => Promise<unknown>) => {
    const before = cpu();
    const ms = await drive(n, o.concurrency, call);
    const step = steps.get(name)!;
    step.rps = n / (ms / 1000);
    step.cpuMsPerCall = ((cpu() - before) * 1000) / n;
  };
  try {
    const snapshot = await emptySnapshot(ec2);
    const name = (i: number) => `bench-${String(i).padStart(5, '0')}`;
    const half = o.images >> 1;
    const ids: string[] = [];
    const register = async (i: number) => {
      const t = await timedSend(ec2, registerImage(name(i), snapshot));
      ids[i] = t.output.ImageId!;
      return t;
    };
    await sequential(STEPS.register, half, register);
    await concurrent(STEPS.register, o.images - half, (i) => register(half + i));
    // every other image team=red (not timed); then every image available (settled by jobs)
    const red = ids.filter((_, i) => i % 2 === 1);
    for (let k = 0; k < red.length; k += 500) await ec2.send(new CreateTagsCommand({ Resources: red.slice(k, k + 500), Tags: [{ Key: 'team', Value: 'red' }] }));
    const settled = async () => !(await ec2.send(new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'state', Values: ['pending'] }] }))).Images!.length;
    await until(`${peer.name}: ${o.images} images available`, settled, 120_000, 50);

    // bench-01*: names 1000..1999 when there are 2000; the red ones among them
    const filteredCount = Array.from({ length: o.images }, (_, i) => i).filter((i) => name(i).startsWith('bench-01') && i % 2 === 1).length;
    const filtered = () => timedSend(ec2, new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: ['bench-01*'] }, { Name: 'tag:team', Values: ['red'] }] }));
    const expectFiltered = (out: { Images?: unknown[] }) => {
      if (out.Images?.length !== filteredCount) throw new Error(`${peer.name}: filtered DescribeImages listed ${out.Images?.length} of ${filteredCount}`);
    };
    // straight after the writes: PostgreSQL plans without statistics until autovacuum's ANALYZE
    await sequential(STEPS.fresh, 50, filtered, expectFiltered);
    await analyze();

    // one image by id, a different one each call
    const byId = (i: number) => timedSend(ec2, new DescribeImagesCommand({ ImageIds: [ids[(i * 7919) % ids.length]] }));
    const expectOne = (out: { Images?: unknown[] }) => {
      if (out.Images?.length !== 1) throw new Error(`${peer.name}: DescribeImages by id listed ${out.Images?.length}`);
    };
    await sequential(STEPS.byId, 300, byId, expectOne);
    await concurrent(STEPS.byId, 1000, byId);

    const listings = 15;
    const expectAll = (n: number | undefined) => {
      if (n !== o.images) throw new Error(`${peer.name}: DescribeImages listed ${n} of ${o.images}`);
    };
    const all = () => timedSend(ec2, new DescribeImagesCommand({ Owners: ['self'] }));
    await sequential(STEPS.all, listings, all, (out) => expectAll(out.Images?.length));
    await concurrent(STEPS.all, listings, all);
    // a whole listing in pages: its time is the sum of its pages'
    const paged = async (): Promise<Timed<number>> => {
      const t: Timed<number> = { output: 0, ms: 0, wireMs: 0 };
      let token: string | undefined;
      do {
        const page = await timedSend(ec2, new DescribeImagesCommand({ Owners: ['self'], MaxResults: 500, NextToken: token }));
        t.output += page.output.Images!.length;
        t.ms += page.ms;
        t.wireMs += page.wireMs;
        token = page.output.NextToken;
      } while (token);
      return t;
    };
    await sequential(STEPS.paged, listings, paged, expectAll);
    await concurrent(STEPS.paged, listings, paged);
    await sequential(STEPS.filtered, 200, filtered, expectFiltered);
    await concurrent(STEPS.filtered, 400, filtered);

    const imageId = ids[0];
    const run = (count: number, zone: string) => () => timedSend(ec2, new RunInstancesCommand({ ImageId: imageId, MinCount: count, MaxCount: count, InstanceType: 't3.micro', Placement: { AvailabilityZone: zone } }));
    const launched = (count: number) => (out: { Instances?: unknown[] }) => {
      if (out.Instances?.length !== count) throw new Error(`${peer.name}: RunInstances launched ${out.Instances?.length} of ${count}`);
    };
    await sequential(STEPS.one, 100, run(1, 'us-east-1a'), launched(1));
    await concurrent(STEPS.one, 100, run(1, 'us-east-1b'));
    await sequential(STEPS.hundred, 3, (i) => run(100, `us-east-1${'cde'[i]}`)(), launched(100));
  } finally {
    ec2.destroy();
  }
  return steps;
}

interface Engine {
  label: string;
  steps: Steps;
}

export async function metadataEngines(o: MetadataEnginesOptions): Promise<void> {
  const pg = await startPostgres();
  const engines: Engine[] = [];
  try {
    // [label, the database's per-database settings; none: SQLite]
    const runs: [string, Record<string, string> | undefined][] = [
      ['sqlite', undefined],
      ['postgres', {}],
      ...(o.asyncCommit ? [['postgres, synchronous_commit=off', { synchronous_commit: 'off' }] as [string, Record<string, string>]] : []),
    ];
    for (const [label, settings] of runs) {
      const database = settings && (await pg.createDatabase(settings));
      const server = await startImago(['--durability', 'full', '--settle-ms', '0', '--log-level', 'warn', ...(database ? ['--database', database] : [])]);
      const cpu = () => (cpuSeconds(server.pid) ?? 0) + ((database && pg.cpuSeconds()) || 0);
      const analyzed = async () => {
        if (database) await analyze(database);
      };
      try {
        engines.push({ label, steps: await measure(server, o, cpu, analyzed) });
      } finally {
        await server.stop();
      }
    }
  } finally {
    await pg.stop();
  }
  report(engines, o, pg);
}

function report(engines: Engine[], o: MetadataEnginesOptions, pg: PostgresCluster): void {
  const [sqlite, postgres] = engines;
  const extra = engines.slice(2);
  const names = Object.values(STEPS);
  const step = (e: Engine, name: string) => e.steps.get(name)!;
  const p50 = (e: Engine, name: string) => percentile(step(e, name).wire, 50);
  const avg = (e: Engine, name: string) => mean(step(e, name).wire);
  const latency = (e: Engine, name: string) => spread(step(e, name).wire);
  console.log(`\n${o.images} images in the account; Imago at --durability full (SQLite syncs its WAL before answering), --settle-ms 0, --compute none`);
  console.log(`PostgreSQL: ${pg.settings}; on this machine, sharing its cores with Imago and the client`);
  console.log('\nLatency, one call at a time, ms p50 / p99 / mean of the wire (request sent to response read: the server\'s time); SDK p50 = the whole call');
  console.log(
    table(
      ['call', 'n', 'sqlite', 'postgres', 'PG/SQLite p50', 'PG/SQLite mean', ...extra.map((e) => e.label), 'sqlite SDK p50', 'postgres SDK p50'],
      names.map((name) => [
        name,
        String(step(sqlite, name).wire.length),
        latency(sqlite, name),
        latency(postgres, name),
        ratio(p50(postgres, name), p50(sqlite, name)),
        ratio(avg(postgres, name), avg(sqlite, name)),
        ...extra.map((e) => latency(e, name)),
        percentile(step(sqlite, name).call, 50),
        percentile(step(postgres, name).call, 50),
      ]),
    ),
  );
  const cpuOf = pg.cpuSeconds() === undefined ? 'Imago only: PostgreSQL is not on this machine' : 'Imago, plus PostgreSQL\'s processes';
  console.log(`\nThroughput, ${o.concurrency} calls in flight through the SDK: calls/s, and the server's CPU ms per call (${cpuOf})`);
  const measured = names.filter((name) => step(sqlite, name).rps !== undefined);
  console.log(
    table(
      ['call', 'sqlite calls/s', 'postgres calls/s', 'PG/SQLite', ...extra.map((e) => `${e.label} calls/s`), 'sqlite CPU ms', 'postgres CPU ms', 'PG/SQLite CPU'],
      measured.map((name) => {
        const [s, g] = [step(sqlite, name), step(postgres, name)];
        return [name, s.rps!, g.rps!, ratio(g.rps, s.rps), ...extra.map((e) => step(e, name).rps!), s.cpuMsPerCall!, g.cpuMsPerCall!, ratio(g.cpuMsPerCall, s.cpuMsPerCall)];
      }),
    ),
  );
  const launches = engines.map((e) => `${e.label} ${fmt(100_000 / p50(e, STEPS.hundred))}`).join(', ');
  console.log(`${STEPS.hundred}, instances/s at the p50 call: ${launches}`);
  console.log(`"fresh": the first calls after the writes, before PostgreSQL has statistics (autovacuum's ANALYZE comes within a minute or so; not judged); every later call runs after an ANALYZE`);
  for (const name of names.filter((n) => n !== STEPS.fresh)) {
    const [s, g] = [p50(sqlite, name), p50(postgres, name)];
    judge(`PostgreSQL per-call cost, ${name} (wire p50)`, `${fmt(g)} ms = ${ratio(g, s)} SQLite's ${fmt(s)} ms`, '<= 2x', g <= 2 * s);
  }
}
