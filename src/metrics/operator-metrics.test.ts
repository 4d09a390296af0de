// OperatorMetrics over a real metadata store (SQLite in a temp dir), a memory chunk store and a
// fake node's VMs: job states from the queue, the scrape-time cache, the VM CPU counter across a
// VM's restart and stop, the action label's bound, GC and fsck outcomes, a failing query.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store/store.js';
import { BlockStorage } from '../blocks/block-storage.js';
import { MemoryChunkStore } from '../blocks/backends/memory.js';
import type { ServiceDefinition } from '../protocol/dispatch.js';
import type { LocalVm } from '../compute/instance-driver.js';
import type { VmCounters } from '../compute/vm-counters.js';
import type { GcResult } from '../blocks/maintenance/gc.js';
import { Gauge, Registry } from 'prom-client';
import { exposition, OperatorMetrics } from './operator-metrics.js';

const ec2 = { id: 'ec2', handlers: { DescribeRegions: async () => ({}) }, model: { allOperations: ['DescribeRegions', 'DescribeFleets'] } } as unknown as ServiceDefinition;

/** `name{labels} value` lines of the exposition, as a map. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (!line || line.startsWith('#')) continue;
    const at = line.lastIndexOf(' ');
    out.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return out;
}

describe('OperatorMetrics', () => {
  let dir: string;
  let store: Store;
  let now = Date.parse('2026-12-06T10:00:00Z');
  const vms: LocalVm[] = [];
  const cpu = new Map<string, number>();
  let metrics: OperatorMetrics;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imago-metrics-'));
    store = await Store.open({ dataDir: dir, durability: 'normal' });
    metrics = new OperatorMetrics({
      store,
      blocks: new BlockStorage(new MemoryChunkStore(), store.blockMaps),
      services: () => [ec2],
      adminPaths: () => ['/_imago/health', '/_imago/metrics'],
      vms: {
        list: () => vms,
        counters: async (id) => (cpu.has(id) ? ({ at: 0, vcpus: 1, cpuSeconds: cpu.get(id), disks: {} } satisfies VmCounters) : undefined),
        memoryBudgetMiB: 4096,
      },
      now: () => now,
    });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('actions are bounded by the model; admin paths by the endpoints; other services collapse', async () => {
    metrics.request('ec2', 'DescribeRegions', 200, 0.002);
    metrics.request('ec2', 'DescribeFleets', 400, 0.001, 'UnsupportedOperation'); // in the model, not served
    metrics.request('ec2', 'Made-Up-1', 400, 0.001, 'InvalidAction');
    metrics.request('ec2', 'Made-Up-2', 400, 0.001, 'InvalidAction');
    metrics.request('ec2', undefined, 401, 0.001, 'AuthFailure');
    metrics.request('admin', '/_imago/metrics', 200, 0.01);
    metrics.request('admin', '/_imago/whatever', 404, 0.001);
    metrics.request('nonsense', 'X', 400, 0.001);
    metrics.authFailure('ec2', 'bad-signature');
    const s = samples(await metrics.scrape());
    assert.equal(s.get('imago_request_duration_seconds_count{service="ec2",action="DescribeRegions",code="200"}'), 1);
    assert.equal(s.get('imago_request_duration_seconds_count{service="ec2",action="DescribeFleets",code="400"}'), 1);
    assert.equal(s.get('imago_request_duration_seconds_count{service="ec2",action="unknown",code="400"}'), 2);
    assert.equal(s.get('imago_request_duration_seconds_count{service="ec2",action="unknown",code="401"}'), 1);
    assert.equal(s.get('imago_request_duration_seconds_count{service="admin",action="unknown",code="404"}'), 1);
    assert.equal(s.get('imago_request_duration_seconds_count{service="unknown",action="unknown",code="400"}'), 1);
    assert.equal(s.get('imago_request_duration_seconds_bucket{le="0.0025",service="ec2",action="DescribeRegions",code="200"}'), 1);
    assert.equal(s.get('imago_request_duration_seconds_bucket{le="0.001",service="ec2",action="DescribeRegions",code="200"}'), 0);
    assert.equal(s.get('imago_request_errors_total{service="ec2",error="InvalidAction"}'), 2);
    assert.equal(s.get('imago_auth_failures_total{service="ec2",reason="bad-signature"}'), 1);
  });

  test('jobs by state from the queue, refreshed only once the cache expires', async () => {
    now += 60_000;
    const iso = (ms: number) => new Date(ms).toISOString();
    await store.jobs.insert({ job_id: 'j1', kind: 'snapshot.complete', payload: '{}', run_at: iso(now - 1000) });
    await store.jobs.insert({ job_id: 'j2', kind: 'snapshot.complete', payload: '{}', run_at: iso(now + 60_000) });
    await store.jobs.insert({ job_id: 'j3', kind: 'image.settle', payload: '{}', run_at: iso(now - 1000) });
    await store.jobs.claim('node-a', new Date(now), 30_000, 10, 'image.settle');
    await store.db.updateTable('jobs').set({ last_error: 'boom', attempts: 1 }).where('job_id', '=', 'j2').execute();
    let s = samples(await metrics.scrape());
    assert.equal(s.get('imago_jobs{kind="snapshot.complete",state="due"}'), 1);
    assert.equal(s.get('imago_jobs{kind="snapshot.complete",state="scheduled"}'), 1);
    assert.equal(s.get('imago_jobs{kind="snapshot.complete",state="running"}'), 0);
    assert.equal(s.get('imago_jobs{kind="image.settle",state="running"}'), 1);
    assert.equal(s.get('imago_jobs_failing{kind="snapshot.complete"}'), 1);
    assert.equal(s.get('imago_jobs_failing{kind="image.settle"}'), 0);

    await store.jobs.insert({ job_id: 'j4', kind: 'snapshot.complete', payload: '{}', run_at: iso(now - 1000) });
    now += 1000; // within the cache: the same figures
    s = samples(await metrics.scrape());
    assert.equal(s.get('imago_jobs{kind="snapshot.complete",state="due"}'), 1);
    now += 5000;
    s = samples(await metrics.scrape());
    assert.equal(s.get('imago_jobs{kind="snapshot.complete",state="due"}'), 2);

    metrics.jobEvent({ at: iso(now), owner: 'o', job: 'j1', kind: 'snapshot.complete', event: 'start' });
    metrics.jobEvent({ at: iso(now), owner: 'o', job: 'j1', kind: 'snapshot.complete', event: 'done' });
    s = samples(await metrics.scrape());
    assert.equal(s.get('imago_job_runs_total{kind="snapshot.complete",outcome="done"}'), 1);
    assert.equal(s.has('imago_job_runs_total{kind="snapshot.complete",outcome="start"}'), false);
  });

  test("the VMs' CPU time only grows: a restarted VM counts from zero, a stopped one keeps its time", async () => {
    vms.push({ instanceId: 'i-a', vcpus: 2, memoryMiB: 1024 }, { instanceId: 'i-b', vcpus: 1, memoryMiB: 512 });
    cpu.set('i-a', 10).set('i-b', 4);
    now += 10_000;
    let s = samples(await metrics.scrape());
    assert.equal(s.get('imago_vm_cpu_seconds_total'), 14);
    assert.equal(s.get('imago_vms_running'), 2);
    assert.equal(s.get('imago_vm_vcpus'), 3);
    assert.equal(s.get('imago_vm_memory_bytes'), 1536 * 1024 * 1024);
    assert.equal(s.get('imago_vm_memory_budget_bytes'), 4096 * 1024 * 1024);

    cpu.set('i-a', 12).set('i-b', 1); // i-b restarted: 1 s since
    now += 10_000;
    s = samples(await metrics.scrape());
    assert.equal(s.get('imago_vm_cpu_seconds_total'), 17);

    vms.splice(1, 1); // i-b stopped
    cpu.delete('i-b');
    cpu.set('i-a', 13);
    now += 10_000;
    s = samples(await metrics.scrape());
    assert.equal(s.get('imago_vm_cpu_seconds_total'), 18);
    assert.equal(s.get('imago_vms_running'), 1);
    assert.equal(s.has('imago_vm_cpu_seconds_total{instance_id="i-a"}'), false);
  });

  test('GC and fsck outcomes; a failed run is counted and rethrown', async () => {
    const gc = { dryRun: false, deletedMaps: 2, deletedChunks: 7, reclaimedBytes: 7 * 524288 } as GcResult;
    await metrics.maintenance('gc', async () => gc);
    await metrics.maintenance('gc', async () => ({ ...gc, dryRun: true, deletedChunks: 0 }));
    await metrics.maintenance('fsck', async () => ({ maps: 3, chunks: 9, bytesVerified: 100, issues: [{ kind: 'missing-chunk', detail: 'x' }], ok: false }));
    await assert.rejects(metrics.maintenance('fsck', async () => Promise.reject(new Error('disk gone'))), /disk gone/);
    const s = samples(await metrics.scrape());
    assert.equal(s.get('imago_maintenance_runs_total{operation="gc",outcome="ok"}'), 1);
    assert.equal(s.get('imago_maintenance_runs_total{operation="gc",outcome="dry-run"}'), 1);
    assert.equal(s.get('imago_maintenance_runs_total{operation="fsck",outcome="issues"}'), 1);
    assert.equal(s.get('imago_maintenance_runs_total{operation="fsck",outcome="error"}'), 1);
    assert.equal(s.get('imago_gc_last{figure="deleted_chunks"}'), 7, 'a dry run leaves the last real figures');
    assert.equal(s.get('imago_fsck_last{figure="issues"}'), 1);
    assert.equal(s.get('imago_fsck_last{figure="ok"}'), 0);
    assert.equal(s.get('imago_maintenance_last_run_timestamp_seconds{operation="fsck"}'), now / 1000);
  });

  test('a failing query keeps the last figures and is counted; the scrape still answers', async () => {
    const broken = new OperatorMetrics({
      store: { db: { selectFrom: () => { throw new Error('database down'); } } } as unknown as Store,
      blocks: new BlockStorage(new MemoryChunkStore(), store.blockMaps),
      services: () => [ec2],
      adminPaths: () => [],
    });
    const s = samples(await broken.scrape());
    assert.equal(s.get('imago_metrics_collection_errors_total{part="queries"}'), 1);
    assert.ok((s.get('process_cpu_seconds_total') ?? 0) > 0);
  });

  test('a NaN value is written NaN, as the text format spells it (prom-client writes Nan)', async () => {
    const registry = new Registry();
    new Gauge({ name: 'lag_mean_seconds', help: 'no sample yet', registers: [registry] }).set(NaN);
    new Gauge({ name: 'Nan_named', help: 'a name is not a value', labelNames: ['v'], registers: [registry] }).set({ v: 'Nan' }, 1);
    const text = exposition(await registry.metrics());
    assert.match(text, /^lag_mean_seconds NaN$/m);
    assert.match(text, /^Nan_named\{v="Nan"\} 1$/m);
    assert.doesNotMatch(text, / Nan$/m);
  });
});
