// The metadata engines side by side (issue 10): the same calls through the AWS SDK against an
// Imago server with its metadata in SQLite and one with it in PostgreSQL, both at --durability
// full (the default: SQLite syncs its WAL before answering) and PostgreSQL durable too (fsync
// and synchronous_commit on: a throwaway cluster is started unless IMAGO_BENCH_PG_URL names one,
// then it is used as configured). Both servers run at once and the calls made one at a time
// alternate between them in blocks of 25, so a shared machine's noise falls on both alike.
// Per engine: RegisterImage x N over a snapshot-backed device mapping (half one at a time, half
// with C in flight), so the account holds N images; DescribeImages by one ImageId, Owners=self
// in one call and in pages of 500, and with a name-wildcard + tag filter; RunInstances
// MaxCount=1 x 100 one at a time and with C in flight, and MaxCount=100 (--compute none: the
// launch is metadata only).
// The filtered listing is measured twice: straight after the writes ("fresh": a new PostgreSQL
// database has no planner statistics until autovacuum analyzes it; not judged) and after an
// ANALYZE (what autovacuum gives within a minute or so), which the later calls and the verdicts use.
// Latency is p50/p99/mean of the wire (request sent to response read: the server's time; the
// SDK's XML parsing, the same for both, is left out) and the p50 of the whole SDK call;
// throughput is calls/s with C in flight, with the CPU the server (and PostgreSQL) spent per
// call. Judged: PostgreSQL's wire p50 <= 2x SQLite's per call. With `asyncCommit`, a third
// server on a PostgreSQL database with synchronous_commit off shows what the commit flush costs
// (not judged; off in `npm run bench`: on this machine's disk a flush is cheap).
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

interface Engine {
  label: string;
  ec2: EC2Client;
  /** CPU seconds its processes (Imago; PostgreSQL's when local) have used so far */
  cpu(): number;
  /** PostgreSQL: ANALYZE its database */
  analyze(): Promise<void>;
  steps: Steps;
  ids: string[];
  snapshot: string;
}

/**
 * Calls made one at a time go to one engine in blocks of this many, then to the other: short
 * enough that a shared machine's noise falls on both alike, long enough that the work an engine
 * leaves running after answering (jobs: an image made available, an instance settled) is mostly
 * charged to its own next calls, not to the other engine's.
 */
const BLOCK = 25;

/**
 * Runs the calls against every engine, both up at once: a step's calls one at a time in
 * alternating blocks (the order flipped every block), its calls with C in flight on one engine
 * after the other.
 */
async function measure(engines: Engine[], o: MetadataEnginesOptions): Promise<void> {
  const sequential = async <O>(name: string, n: number, call: (e: Engine, i: number) => Promise<Timed<O>>, check?: (e: Engine, out: O) => void) => {
    for (const e of engines) e.steps.set(name, { wire: [], call: [] });
    const block = Math.max(1, Math.min(BLOCK, Math.ceil(n / 4)));
    for (let first = 0, k = 0; first < n; first += block, k++) {
      for (const e of k % 2 ? [...engines].reverse() : engines) {
        for (let i = first; i < Math.min(n, first + block); i++) {
          const t = await call(e, i);
          check?.(e, t.output);
          e.steps.get(name)!.wire.push(t.wireMs);
          e.steps.get(name)!.call.push(t.ms);
        }
      }
    }
  };
  const concurrent = async (name: string, n: number, call: (e: Engine, i: number) => Promise<unknown>) => {
    for (const e of engines) {
      const before = e.cpu();
      const ms = await drive(n, o.concurrency, (i) => call(e, i));
      const step = e.steps.get(name)!;
      step.rps = n / (ms / 1000);
      step.cpuMsPerCall = ((e.cpu() - before) * 1000) / n;
    }
  };
  const name = (i: number) => `bench-${String(i).padStart(5, '0')}`;
  const half = o.images >> 1;
  const register = async (e: Engine, i: number) => {
    const t = await timedSend(e.ec2, registerImage(name(i), e.snapshot));
    e.ids[i] = t.output.ImageId!;
    return t;
  };
  await sequential(STEPS.register, half, register);
  await concurrent(STEPS.register, o.images - half, (e, i) => register(e, half + i));
  for (const e of engines) {
    // every other image team=red (not timed); then every image available (settled by jobs)
    const red = e.ids.filter((_, i) => i % 2 === 1);
    for (let k = 0; k < red.length; k += 500) await e.ec2.send(new CreateTagsCommand({ Resources: red.slice(k, k + 500), Tags: [{ Key: 'team', Value: 'red' }] }));
    const settled = async () => !(await e.ec2.send(new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'state', Values: ['pending'] }] }))).Images!.length;
    await until(`${e.label}: ${o.images} images available`, settled, 120_000, 50);
  }

  // bench-01*: names 1000..1999 when there are 2000; the red ones among them
  const filteredCount = Array.from({ length: o.images }, (_, i) => i).filter((i) => name(i).startsWith('bench-01') && i % 2 === 1).length;
  const filtered = (e: Engine) => timedSend(e.ec2, new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'name', Values: ['bench-01*'] }, { Name: 'tag:team', Values: ['red'] }] }));
  const expectFiltered = (e: Engine, out: { Images?: unknown[] }) => {
    if (out.Images?.length !== filteredCount) throw new Error(`${e.label}: filtered DescribeImages listed ${out.Images?.length} of ${filteredCount}`);
  };
  // straight after the writes: PostgreSQL plans without statistics until autovacuum's ANALYZE
  await sequential(STEPS.fresh, 50, filtered, expectFiltered);
  for (const e of engines) await e.analyze();

  // one image by id, a different one each call
  const byId = (e: Engine, i: number) => timedSend(e.ec2, new DescribeImagesCommand({ ImageIds: [e.ids[(i * 7919) % e.ids.length]] }));
  const expectOne = (e: Engine, out: { Images?: unknown[] }) => {
    if (out.Images?.length !== 1) throw new Error(`${e.label}: DescribeImages by id listed ${out.Images?.length}`);
  };
  await sequential(STEPS.byId, 300, byId, expectOne);
  await concurrent(STEPS.byId, 1000, byId);

  const listings = 15;
  const expectAll = (e: Engine, n: number | undefined) => {
    if (n !== o.images) throw new Error(`${e.label}: DescribeImages listed ${n} of ${o.images}`);
  };
  const all = (e: Engine) => timedSend(e.ec2, new DescribeImagesCommand({ Owners: ['self'] }));
  await sequential(STEPS.all, listings, all, (e, out) => expectAll(e, out.Images?.length));
  await concurrent(STEPS.all, listings, all);
  // a whole listing in pages: its time is the sum of its pages'
  const paged = async (e: Engine): Promise<Timed<number>> => {
    const t: Timed<number> = { output: 0, ms: 0, wireMs: 0 };
    let token: string | undefined;
    do {
      const page = await timedSend(e.ec2, new DescribeImagesCommand({ Owners: ['self'], MaxResults: 500, NextToken: token }));
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

  const run = (count: number, zone: string) => (e: Engine) =>
    timedSend(e.ec2, new RunInstancesCommand({ ImageId: e.ids[0], MinCount: count, MaxCount: count, InstanceType: 't3.micro', Placement: { AvailabilityZone: zone } }));
  const launched = (count: number) => (e: Engine, out: { Instances?: unknown[] }) => {
    if (out.Instances?.length !== count) throw new Error(`${e.label}: RunInstances launched ${out.Instances?.length} of ${count}`);
  };
  await sequential(STEPS.one, 100, run(1, 'us-east-1a'), launched(1));
  await concurrent(STEPS.one, 100, run(1, 'us-east-1b'));
  await sequential(STEPS.hundred, 3, (e, i) => run(100, `us-east-1${'cde'[i]}`)(e), launched(100));
}

export async function metadataEngines(o: MetadataEnginesOptions): Promise<void> {
  const pg = await startPostgres();
  const servers: Peer[] = [];
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
      servers.push(server);
      const ec2 = new EC2Client({ endpoint: `http://127.0.0.1:${server.port}`, region: 'us-east-1', credentials: BENCH_KEY, maxAttempts: 1 });
      engines.push({
        label,
        ec2,
        cpu: () => (cpuSeconds(server.pid) ?? 0) + ((database && pg.cpuSeconds()) || 0),
        analyze: async () => {
          if (database) await analyze(database);
        },
        steps: new Map(),
        ids: [],
        snapshot: await emptySnapshot(ec2),
      });
    }
    await measure(engines, o);
  } finally {
    for (const e of engines) e.ec2.destroy();
    await Promise.all(servers.map((s) => s.stop()));
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
  const cpuOf = !pg.local ? 'Imago only: PostgreSQL is not on this machine' : 'Imago, plus PostgreSQL\'s processes';
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
