import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { InstanceDriver } from '../../../compute/instance-driver.js';
import type { VmCounters } from '../../../compute/vm-counters.js';
import type { InstanceRow } from '../../../store/repos/instances.js';
import type { Store } from '../../../store/store.js';
import type { MetricDatum } from '../../cloudwatch/metrics/metric-store.js';
import { InstanceMetrics } from './instance-metrics.js';

const PERIOD_MS = 60_000;
// a boundary that is not a fifth period's (basic monitoring's sets are not due)
const B = 1000 * 5 * PERIOD_MS + PERIOD_MS;

function fleet(n: number): InstanceRow[] {
  return Array.from({ length: n }, (_, i) => ({
    seq: i + 1,
    instance_id: `i-${String(i).padStart(17, '0')}`,
    image_id: 'ami-00000000000000001',
    instance_type: 't3.micro',
    account_id: i % 2 ? '111111111111' : '222222222222',
    region: 'us-east-1',
    node_id: i % 4 === 3 ? 'n2' : 'n1',
    state: 'running',
    spec: JSON.stringify({ monitoring: i % 3 === 0 }),
  })) as unknown as InstanceRow[];
}

function harness(rows: InstanceRow[], deps: { node?: string; isAlive?: (id: string) => boolean } = {}) {
  const puts: { accountId: string; data: MetricDatum[] }[] = [];
  const read: { node?: string; afterSeq: number; limit: number }[] = [];
  const store = {
    instances: {
      allRunning: async (node: string | undefined, page: { afterSeq: number; limit: number }) => {
        read.push({ node, ...page });
        return rows.filter((r) => (node === undefined || r.node_id === node) && r.seq > page.afterSeq).slice(0, page.limit);
      },
    },
    autoscalingInstances: { list: async () => [] },
  } as unknown as Store;
  let cpu = 0;
  const driver = { counters: async (): Promise<VmCounters> => ({ at: (cpu += 1000), vcpus: 1, cpuSeconds: cpu / 2000, disks: {} }) } as unknown as InstanceDriver;
  const metrics = new InstanceMetrics({
    store,
    driver,
    metrics: { put: async (scope, data) => void puts.push({ accountId: scope.accountId, data }) },
    periodSeconds: 60,
    health: async (list) => new Map(list.map((r) => [r.instance_id, { instance: 'ok', system: 'ok' }])),
    ...deps,
  });
  return { metrics, puts, read };
}

const of = (puts: { data: MetricDatum[] }[], metricName: string) =>
  puts.flatMap((p) => p.data).filter((d) => d.metricName === metricName && d.dimensions[0]?.name === 'InstanceId').map((d) => d.dimensions[0].value);

test('a tick reads, samples and puts the running instances a page at a time, each once, with the same datapoints', async () => {
  const rows = fleet(600);
  const h = harness(rows);
  await h.metrics.tick(B);
  // pages of 250 after the last seq seen
  assert.deepEqual(h.read.map((r) => r.afterSeq), [-1, 250, 500]);
  // per page and account: no put holds more than a page
  assert.ok(h.puts.length >= 6);
  // first tick: status checks only, under every dimension set (detailed: InstanceId, ImageId, InstanceType, all)
  const data = h.puts.flatMap((p) => p.data);
  const detailed = rows.filter((_, i) => i % 3 === 0).length;
  assert.equal(data.length, 4 * (rows.length + 3 * detailed));
  assert.ok(data.every((d) => d.timestamp.getTime() === B - PERIOD_MS && d.storageResolution === 60));
  assert.deepEqual(of(h.puts, 'StatusCheckFailed').sort(), rows.map((r) => r.instance_id).sort());
  for (const p of h.puts) assert.ok(p.data.every((d) => d.dimensions[0]?.name !== 'InstanceId' || rows.find((r) => r.instance_id === d.dimensions[0].value)!.account_id === p.accountId));
  // second tick: detailed monitoring's CPUUtilization for the detailed ones (the previous sample kept across pages)
  h.puts.length = 0;
  await h.metrics.tick(B + PERIOD_MS);
  assert.deepEqual(of(h.puts, 'CPUUtilization').sort(), rows.filter((_, i) => i % 3 === 0).map((r) => r.instance_id).sort());
});

test('an instance not running at a tick is forgotten: back later, it publishes status checks only at first', async () => {
  const rows = fleet(300);
  const h = harness(rows);
  await h.metrics.tick(B);
  await h.metrics.tick(B + PERIOD_MS);
  const gone = rows.splice(0, 3); // i % 3 === 0 at index 0: a detailed one, and two more
  await h.metrics.tick(B + 2 * PERIOD_MS);
  assert.ok(!of(h.puts.slice(-4), 'StatusCheckFailed').includes(gone[0].instance_id));
  rows.unshift(...gone);
  h.puts.length = 0;
  await h.metrics.tick(B + 3 * PERIOD_MS);
  const cpu = of(h.puts, 'CPUUtilization');
  assert.ok(!cpu.includes(gone[0].instance_id));
  assert.ok(cpu.includes(rows[3].instance_id));
  assert.ok(of(h.puts, 'StatusCheckFailed').includes(gone[0].instance_id));
});

test('on a node: its own instances, then, leading, those of no live node', async () => {
  const rows = fleet(40).map((r, i) => ({ ...r, node_id: i < 10 ? 'n1' : i < 20 ? 'n2' : i < 30 ? 'dead' : null })) as InstanceRow[];
  const h = harness(rows, { node: 'n1', isAlive: (id) => id !== 'dead' });
  await h.metrics.tick(B);
  const published = new Set(of(h.puts, 'StatusCheckFailed'));
  assert.deepEqual([...published].sort(), rows.filter((r) => r.node_id !== 'n2').map((r) => r.instance_id).sort());
  assert.deepEqual(h.read.map((r) => r.node), ['n1', undefined]);
});
