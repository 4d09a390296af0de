// Several nodes on one PostgreSQL (issue 10): 1, 2 and 3 `imago serve` processes sharing one
// database (a fresh one per node count) and one key-encryption key (--kek-file), each with its
// own data dir, --node-id and --advertise-url; blocks stay in each node's fs store (the mix is
// metadata only: nodes sharing a database over fs blocks warn, nothing more). The same fixed mix
// is driven by C clients through the AWS SDK, every call sent to the next node round-robin:
// DescribeImages (a tag filter matching a fixed set of images), RegisterImage, CreateTags on the
// new image, RunInstances MaxCount=1 and TerminateInstances of that instance (--compute none).
// Every node set is up at once (the idle ones cost their heartbeats), each node count measured
// for --seconds in two halves, in the order 1 2 3 3 2 1 (so that a drift in the machine's other
// load falls on each alike), each half after a 0.5 s warm-up: calls/s (and the ratio to one
// node), latency p50/p99 per call, and the CPU ms per call spent by the nodes, by PostgreSQL and
// by the client. The nodes, PostgreSQL and the client share this machine's cores: on a machine with few
// cores (2 here) more nodes cannot add capacity, so the figures show what running several nodes
// costs (heartbeats, job claiming, cross-node coordination), not how they scale.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTagsCommand, DescribeImagesCommand, EC2Client, RunInstancesCommand, TerminateInstancesCommand } from '@aws-sdk/client-ec2';
import { emptySnapshot, registerImage } from '../lib/ec2-fixtures.js';
import { imageAvailable } from '../lib/ec2-waits.js';
import { BENCH_KEY, startImago, type Peer } from '../lib/peers.js';
import { startPostgres, type PostgresCluster } from '../lib/postgres.js';
import { cpuSeconds } from '../lib/process-io.js';
import { fmt, ratio, table } from '../lib/report.js';
import { percentile, spread } from '../lib/sdk-timing.js';

export interface NodesOptions {
  /** node counts to measure, e.g. [1, 2, 3] */
  counts: number[];
  /** concurrent clients (the same for every node count) */
  clients: number;
  /** images the DescribeImages of the mix lists */
  listed: number;
  seconds: number;
}

const CALLS = ['DescribeImages tag:set=listed', 'RegisterImage', 'CreateTags', 'RunInstances MaxCount=1', 'TerminateInstances'] as const;
type Call = (typeof CALLS)[number];

interface Result {
  nodes: number;
  seconds: number;
  latencies: Map<Call, number[]>;
  errors: Map<string, number>;
  /** CPU seconds over the measured window */
  cpu: { nodes: number; postgres: number | undefined; client: number };
}

const clientCpu = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
};

/** `count` nodes on a fresh database of `pg`, sharing `kek`; node 0 started first (it migrates and seeds), then the others. */
async function startNodes(pg: PostgresCluster, kek: string, count: number): Promise<Peer[]> {
  const database = await pg.createDatabase();
  const nodes: Peer[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const args = (port: number) => ['--database', database, '--kek-file', kek, '--node-id', `bench-n${i}`, '--advertise-url', `http://127.0.0.1:${port}`, '--settle-ms', '0', '--log-level', 'error'];
      nodes.push(await startImago(args));
    }
    return nodes;
  } catch (e) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw e;
  }
}

interface NodeSet {
  nodes: Peer[];
  clients: EC2Client[];
  /** the next call's node */
  turn: number;
  snapshot: string;
  /** the image RunInstances launches from */
  launchFrom: string;
  result: Result;
}

/** Clients for `nodes` and the fixture, made through the nodes in turn too: one snapshot, `listed` images tagged set=listed. */
async function prepare(nodes: Peer[], o: NodesOptions): Promise<NodeSet> {
  const clients = nodes.map((n) => new EC2Client({ endpoint: `http://127.0.0.1:${n.port}`, region: 'us-east-1', credentials: BENCH_KEY, maxAttempts: 1 }));
  const set: NodeSet = { nodes, clients, turn: 0, snapshot: '', launchFrom: '', result: { nodes: nodes.length, seconds: 0, latencies: new Map(CALLS.map((c) => [c, []])), errors: new Map(), cpu: { nodes: 0, postgres: 0, client: 0 } } };
  set.snapshot = await emptySnapshot(next(set));
  const listed: string[] = [];
  for (let i = 0; i < o.listed; i++) listed.push((await next(set).send(registerImage(`listed-${i}`, set.snapshot))).ImageId!);
  await next(set).send(new CreateTagsCommand({ Resources: listed, Tags: [{ Key: 'set', Value: 'listed' }] }));
  for (const id of listed) await imageAvailable(next(set), id);
  set.launchFrom = listed[0];
  return set;
}

const next = (set: NodeSet) => set.clients[set.turn++ % set.clients.length];

/** Drives the mix against `set` for a warm-up and then `seconds`, adding what was measured to its result. */
async function window(set: NodeSet, pg: PostgresCluster, o: NodesOptions, seconds: number, warmupMs: number): Promise<void> {
  const { latencies, errors, cpu } = set.result;
  const started = performance.now();
  const measureFrom = started + warmupMs;
  const deadline = measureFrom + seconds * 1000;
  const sample = () => ({ nodes: set.nodes.reduce((sum, n) => sum + (cpuSeconds(n.pid) ?? 0), 0), postgres: pg.cpuSeconds(), client: clientCpu() });
  let before: ReturnType<typeof sample> | undefined;
  const warmedUp = setTimeout(() => (before = sample()), warmupMs);
  /** one call to the next node; undefined once the window is over or when the call failed */
  const call = async <T>(name: Call, send: (ec2: EC2Client) => Promise<T>): Promise<T | undefined> => {
    const t = performance.now();
    if (t >= deadline) return undefined;
    try {
      const out = await send(next(set));
      if (t >= measureFrom) latencies.get(name)!.push(performance.now() - t);
      return out;
    } catch (e) {
      const key = `${name}: ${(e as { name?: string }).name ?? String(e)}`;
      errors.set(key, (errors.get(key) ?? 0) + 1);
      return undefined;
    }
  };
  const client = async () => {
    while (performance.now() < deadline) {
      const listing = await call(CALLS[0], (ec2) => ec2.send(new DescribeImagesCommand({ Owners: ['self'], Filters: [{ Name: 'tag:set', Values: ['listed'] }] })));
      if (listing && listing.Images?.length !== o.listed) throw new Error(`DescribeImages listed ${listing.Images?.length} of ${o.listed}`);
      const image = await call(CALLS[1], (ec2) => ec2.send(registerImage(`mix-${randomBytes(6).toString('hex')}`, set.snapshot)));
      if (image) await call(CALLS[2], (ec2) => ec2.send(new CreateTagsCommand({ Resources: [image.ImageId!], Tags: [{ Key: 'mix', Value: 'yes' }] })));
      const run = await call(CALLS[3], (ec2) => ec2.send(new RunInstancesCommand({ ImageId: set.launchFrom, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' })));
      const instance = run?.Instances?.[0]?.InstanceId;
      if (instance) await call(CALLS[4], (ec2) => ec2.send(new TerminateInstancesCommand({ InstanceIds: [instance] })));
    }
  };
  await Promise.all(Array.from({ length: o.clients }, client));
  clearTimeout(warmedUp);
  const after = sample();
  const b = before ?? after;
  set.result.seconds += (Math.max(performance.now(), deadline) - measureFrom) / 1000;
  cpu.nodes += after.nodes - b.nodes;
  cpu.postgres = after.postgres === undefined || cpu.postgres === undefined ? undefined : cpu.postgres + after.postgres - (b.postgres ?? 0);
  cpu.client += after.client - b.client;
}

export async function nodesOnOnePostgres(o: NodesOptions): Promise<void> {
  const pg = await startPostgres();
  const dir = mkdtempSync(join(tmpdir(), 'imago-bench-nodes-'));
  const kek = join(dir, 'kek');
  writeFileSync(kek, `${randomBytes(32).toString('base64')}\n`, { mode: 0o600 });
  const sets: NodeSet[] = [];
  const running: Peer[] = [];
  try {
    for (const count of o.counts) {
      const nodes = await startNodes(pg, kek, count);
      running.push(...nodes);
      sets.push(await prepare(nodes, o));
    }
    // each node count measured in two halves, in the order 1 2 3 3 2 1: a drift in the machine's other load falls on each alike
    for (const set of [...sets, ...[...sets].reverse()]) await window(set, pg, o, o.seconds / 2, 500);
  } finally {
    for (const set of sets) for (const c of set.clients) c.destroy();
    await Promise.all(running.map((n) => n.stop()));
    await pg.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  report(
    sets.map((set) => set.result),
    o,
    pg,
  );
}

function report(results: Result[], o: NodesOptions, pg: PostgresCluster): void {
  const cores = availableParallelism();
  const total = (r: Result) => [...r.latencies.values()].reduce((n, l) => n + l.length, 0);
  const rps = (r: Result) => total(r) / r.seconds;
  const perCall = (r: Result, s: number | undefined) => (s === undefined ? NaN : (s * 1000) / total(r));
  const base = results[0];
  console.log(`\nnodes on one PostgreSQL (${pg.settings}); each node its own data dir, --node-id, --advertise-url; shared --database and --kek-file; --settle-ms 0, --compute none`);
  console.log(`${o.clients} clients through the AWS SDK, each call to the next node round-robin; the mix: ${CALLS.join(', ')} (DescribeImages lists ${o.listed} images)`);
  console.log(`${fmt(o.seconds)} s measured per node count, in two halves (order ${[...o.counts, ...[...o.counts].reverse()].join(' ')}), each after a 0.5 s warm-up; every node set up all along\n`);
  console.log(
    table(
      ['nodes', 'calls', 'calls/s', `vs ${base.nodes} node`, 'mixes/s', 'p50 ms', 'p99 ms', 'errors', 'nodes CPU ms/call', 'PG CPU ms/call', 'client CPU ms/call'],
      results.map((r) => {
        const all = [...r.latencies.values()].flat();
        const errors = [...r.errors.values()].reduce((a, b) => a + b, 0);
        return [String(r.nodes), String(total(r)), rps(r), ratio(rps(r), rps(base)), r.latencies.get('TerminateInstances')!.length / r.seconds, percentile(all, 50), percentile(all, 99), String(errors), perCall(r, r.cpu.nodes), perCall(r, r.cpu.postgres), perCall(r, r.cpu.client)];
      }),
    ),
  );
  console.log('\nLatency per call, ms p50 / p99 / mean');
  console.log(
    table(
      ['call', ...results.map((r) => `${r.nodes} node${r.nodes > 1 ? 's' : ''}`)],
      CALLS.map((c) => [c, ...results.map((r) => spread(r.latencies.get(c)!))]),
    ),
  );
  for (const r of results) for (const [what, n] of r.errors) console.log(`  ! ${r.nodes} node(s): ${n} x ${what}`);
  const note =
    cores < Math.max(...o.counts) + 2
      ? `this machine has ${cores} cores, shared by every node, PostgreSQL and the client: more nodes cannot add capacity here, so the ratios show the overhead of running several nodes, not scaling`
      : `this machine has ${cores} cores, shared by the nodes, PostgreSQL and the client: the ratios are what several nodes give on one machine, not on several`;
  console.log(`\nNote: ${note}.`);
}
