// Prometheus metrics for operators, served at GET /_imago/metrics (text exposition format, by
// prom-client). Readable without credentials: no label carries an account id, a resource id or
// anything a client chose (see docs/metrics.md for the metrics and the reasons).
//
// Cheap on the request path: a request costs one histogram observation (and a counter increment
// when it fails or is refused). prom-client itself is loaded at the first request or scrape, not
// at start-up (issue 15): what happens before is queued and recorded once it is there. What needs
// the database, the chunk store or the VMs is computed when Prometheus scrapes, and kept a few
// seconds (the block store scan: minutes) so that several scrapers or a short scrape interval
// never load the server.
import { readFileSync } from 'node:fs';
import type { Counter, Gauge, Histogram, Registry } from 'prom-client';
import { sql } from 'kysely';
import type { ServiceDefinition } from '../protocol/dispatch.js';
import type { Store } from '../store/store.js';
import type { BlockStorage } from '../blocks/block-storage.js';
import type { GcResult } from '../blocks/maintenance/gc.js';
import type { FsckReport } from '../blocks/maintenance/fsck.js';
import type { JobTraceEvent } from '../jobs/job-runner.js';
import type { LocalVm } from '../compute/instance-driver.js';
import type { VmCounters } from '../compute/vm-counters.js';
import { blockStoreUsage, type BlockStoreUsage } from './block-store-usage.js';

/** Request latency buckets, seconds: from a cached read (~1 ms) to a slow import call. */
const LATENCY_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/**
 * The action label of a request whose action is not one the service's model names, or was never
 * determined (refused by authentication or a body limit, or naming no action at all).
 */
export const UNKNOWN_ACTION = 'unknown';

export interface OperatorMetricsDeps {
  store: Store;
  blocks: BlockStorage;
  /** the API's services (their models bound the action label); asked at the first request */
  services: () => Iterable<ServiceDefinition>;
  /** the admin endpoints' paths (the action label of service "admin") */
  adminPaths: () => Iterable<string>;
  /** open connections of the NBD server, when it runs */
  nbdConnections?: () => number;
  /** the VMs this node runs, and their counters */
  vms?: { list(): LocalVm[]; counters(instanceId: string): Promise<VmCounters | undefined>; memoryBudgetMiB?: number };
  /** how long database-backed values are kept (default 5 s) */
  cacheMs?: number;
  /** how long the block store scan is kept (default 5 min) */
  blockScanMs?: number;
  /** how long a scrape waits for a block store scan in progress before answering without it (default 2 s) */
  blockScanWaitMs?: number;
  now?: () => number;
}

/** Imago's own endpoints next to the AWS services: the operator endpoints and the web console's files. */
const OWN_SERVICES = new Set(['admin', 'console']);

type MaintenanceKind = 'gc' | 'fsck';

/** prom-client's text exposition format (its Registry.PROMETHEUS_CONTENT_TYPE): known before prom-client is loaded. */
const CONTENT_TYPE = 'text/plain; version=0.0.4; charset=utf-8';

/**
 * prom-client writes a NaN value as `Nan`; the text format spells it `NaN`, and strict parsers
 * refuse the other (the event loop's lag mean is NaN until its histogram has a sample).
 */
export function exposition(text: string): string {
  return text.replace(/ Nan$/gm, ' NaN');
}

/** The metrics proper: made once prom-client is loaded. */
class Instruments {
  readonly registry: Registry;
  readonly requests: Histogram<'service' | 'action' | 'code'>;
  readonly errors: Counter<'service' | 'error'>;
  readonly authFailures: Counter<'service' | 'reason'>;
  readonly jobRuns: Counter<'kind' | 'outcome'>;
  readonly jobs: Gauge<'kind' | 'state'>;
  readonly jobsFailing: Gauge<'kind'>;
  readonly instances: Gauge<'state'>;
  readonly vmCpu: Counter;
  readonly maintenanceRuns: Counter<'operation' | 'outcome'>;
  readonly maintenanceLast: Gauge<'operation'>;
  readonly maintenanceDuration: Gauge<'operation'>;
  readonly gcLast: Gauge<'figure'>;
  readonly fsckLast: Gauge<'figure'>;
  readonly block: Gauge<'kind'>;
  readonly blockChunks: Gauge;
  readonly collectionErrors: Counter<'part'>;
  readonly blockScanAt: Gauge;
  readonly blockScanSeconds: Gauge;

  constructor({ Counter, Gauge, Histogram, Registry, collectDefaultMetrics }: typeof import('prom-client'), deps: OperatorMetricsDeps) {
    this.registry = new Registry();
    const registers = [this.registry];
    collectDefaultMetrics({ register: this.registry });

    this.requests = new Histogram({
      name: 'imago_request_duration_seconds',
      help: 'API and admin requests by service, action and HTTP status code, and how long they took to answer',
      labelNames: ['service', 'action', 'code'],
      buckets: LATENCY_BUCKETS,
      registers,
    });
    this.errors = new Counter({ name: 'imago_request_errors_total', help: 'Requests answered with an error, by service and AWS error code', labelNames: ['service', 'error'], registers });
    this.authFailures = new Counter({ name: 'imago_auth_failures_total', help: 'Requests refused by authentication, by service and reason', labelNames: ['service', 'reason'], registers });

    this.jobRuns = new Counter({ name: 'imago_job_runs_total', help: "This node's runs of durable jobs, by kind and outcome (done, again, failed, lost)", labelNames: ['kind', 'outcome'], registers });
    this.jobs = new Gauge({ name: 'imago_jobs', help: 'Durable jobs in the queue (all nodes), by kind and state (running, due, scheduled)', labelNames: ['kind', 'state'], registers });
    this.jobsFailing = new Gauge({ name: 'imago_jobs_failing', help: 'Durable jobs whose last run failed (they are retried with back-off), by kind', labelNames: ['kind'], registers });

    this.instances = new Gauge({ name: 'imago_instances', help: 'EC2 instances (all nodes), by state', labelNames: ['state'], registers });
    const vms = deps.vms;
    new Gauge({ name: 'imago_vms_running', help: 'VMs running on this node', registers, collect() { this.set(vms ? vms.list().length : 0); } });
    new Gauge({ name: 'imago_vm_vcpus', help: 'vCPUs of the VMs running on this node', registers, collect() { this.set(sum(vms?.list(), (v) => v.vcpus)); } });
    new Gauge({ name: 'imago_vm_memory_bytes', help: 'Memory given to the VMs running on this node (their instance types)', registers, collect() { this.set(sum(vms?.list(), (v) => v.memoryMiB) * 1024 * 1024); } });
    new Gauge({ name: 'imago_vm_resident_memory_bytes', help: "Resident memory of this node's VM processes (QEMU's RSS)", registers, collect() { this.set(sum(vms?.list(), (v) => residentBytes(v.pid))); } });
    new Gauge({ name: 'imago_vm_memory_budget_bytes', help: 'Memory this node may give to VMs (--compute-memory-mib)', registers, collect() { this.set((vms?.memoryBudgetMiB ?? 0) * 1024 * 1024); } });
    this.vmCpu = new Counter({ name: 'imago_vm_cpu_seconds_total', help: "CPU time the VMs on this node's vCPUs used", registers });
    const nbdConnections = deps.nbdConnections;
    new Gauge({ name: 'imago_nbd_connections', help: 'Open connections to the NBD server (each has one export open)', registers, collect() { this.set(nbdConnections?.() ?? 0); } });

    this.maintenanceRuns = new Counter({ name: 'imago_maintenance_runs_total', help: 'Garbage collection and fsck runs of this process, by outcome (gc: ok, dry-run, error; fsck: clean, issues, error)', labelNames: ['operation', 'outcome'], registers });
    this.maintenanceLast = new Gauge({ name: 'imago_maintenance_last_run_timestamp_seconds', help: 'When the last garbage collection or fsck run of this process ended', labelNames: ['operation'], registers });
    this.maintenanceDuration = new Gauge({ name: 'imago_maintenance_last_duration_seconds', help: 'How long the last garbage collection or fsck run took', labelNames: ['operation'], registers });
    this.gcLast = new Gauge({ name: 'imago_gc_last', help: "The last garbage collection's figures (deleted_maps, deleted_chunks, reclaimed_bytes)", labelNames: ['figure'], registers });
    this.fsckLast = new Gauge({ name: 'imago_fsck_last', help: "The last fsck's figures (maps, chunks, bytes_verified, issues, ok: 1 or 0)", labelNames: ['figure'], registers });

    this.block = new Gauge({
      name: 'imago_blockstore_bytes',
      help: 'Block store bytes: logical (non-zero blocks of every snapshot and volume), deduplicated (distinct chunks they reference), stored (encoded chunks in the chunk store: compressed and encrypted, garbage included)',
      labelNames: ['kind'],
      registers,
    });
    this.collectionErrors = new Counter({ name: 'imago_metrics_collection_errors_total', help: 'Scrape-time figures that could not be computed (their last values are shown), by part (queries, blockstore)', labelNames: ['part'], registers });
    this.blockChunks = new Gauge({ name: 'imago_blockstore_chunks', help: 'Chunks in the chunk store', registers });
    this.blockScanAt = new Gauge({ name: 'imago_blockstore_scan_timestamp_seconds', help: 'When the block store figures were computed', registers });
    this.blockScanSeconds = new Gauge({ name: 'imago_blockstore_scan_duration_seconds', help: 'How long computing the block store figures took', registers });
  }
}

export class OperatorMetrics {
  readonly #deps: OperatorMetricsDeps;
  readonly #now: () => number;
  #actionSets: Map<string, Set<string>> | undefined;
  /** the metrics, once prom-client is loaded; until then, what to record on them */
  #m: Instruments | undefined;
  #loading: Promise<Instruments> | undefined;
  #pending: ((m: Instruments) => void)[] = [];
  /** per VM, the CPU seconds last seen (the counter adds each VM's increase only) */
  readonly #vmCpuSeen = new Map<string, number>();
  #fresh: { at: number; run: Promise<void> } | undefined;
  #scan: { at: number; run: Promise<BlockStoreUsage | undefined>; done?: BlockStoreUsage } | undefined;
  readonly #seenJobKinds = new Set<string>();

  constructor(deps: OperatorMetricsDeps) {
    this.#deps = deps;
    this.#now = deps.now ?? Date.now;
    // once start-up is over, unless a request or a scrape came first
    setTimeout(() => void this.#instruments(), 1000).unref();
  }

  /** The metrics, prom-client loaded on the first call; what was queued meanwhile recorded first. */
  #instruments(): Promise<Instruments> {
    return (this.#loading ??= import('prom-client').then((module) => {
      // a CommonJS package: its exports are the namespace's default (the build's chunk has no other)
      const m = new Instruments(module.default ?? module, this.#deps);
      for (const record of this.#pending) record(m);
      this.#pending = [];
      this.#m = m;
      // the event loop delay histogram (default metrics) needs a few of its 10 ms samples before a scrape
      return new Promise<Instruments>((resolve) => setTimeout(() => resolve(m), 50));
    }));
  }

  /** Records on the metrics now, or as soon as they are made. */
  #record(fn: (m: Instruments) => void): void {
    if (this.#m) return fn(this.#m);
    this.#pending.push(fn);
    void this.#instruments();
  }

  /** each service's operations (served or not): a client's action is one of them or "unknown" */
  get #actions(): Map<string, Set<string>> {
    if (!this.#actionSets) {
      this.#actionSets = new Map();
      for (const def of this.#deps.services()) this.#actionSets.set(def.id, new Set([...Object.keys(def.handlers), ...def.model.allOperations]));
    }
    return this.#actionSets;
  }

  get contentType(): string {
    return CONTENT_TYPE;
  }

  // ---- the request path: constant work per call ----

  /** One answered request. `action` is collapsed to the service model's operations (the client chooses it). */
  request(service: string, action: string | undefined, status: number, seconds: number, error?: string): void {
    const known = this.#actions.get(service);
    let label: string;
    if (action === undefined) label = UNKNOWN_ACTION;
    else if (known) label = known.has(action) ? action : UNKNOWN_ACTION;
    else if (service === 'admin') label = this.#adminAction(action);
    else if (service === 'console') label = 'asset';
    else label = UNKNOWN_ACTION;
    const svc = known || OWN_SERVICES.has(service) ? service : 'unknown';
    this.#record((m) => {
      m.requests.observe({ service: svc, action: label, code: status }, seconds);
      // error codes are the server's own (ServiceError codes), never the client's text
      if (error !== undefined && status >= 400) m.errors.inc({ service: svc, error });
    });
  }

  authFailure(service: string, reason: string): void {
    const svc = this.#actions.has(service) || OWN_SERVICES.has(service) ? service : 'unknown';
    this.#record((m) => m.authFailures.inc({ service: svc, reason }));
  }

  #adminAction(path: string): string {
    for (const p of this.#deps.adminPaths()) if (p === path) return path;
    return UNKNOWN_ACTION;
  }

  /** The job runner's trace (JobRunnerOptions.trace): each run's outcome. */
  readonly jobEvent = (event: JobTraceEvent): void => {
    if (event.event === 'start') return;
    this.#seenJobKinds.add(event.kind);
    this.#record((m) => m.jobRuns.inc({ kind: event.kind, outcome: event.event }));
  };

  /** Wraps a garbage collection or fsck run, recording its outcome. */
  async maintenance<T extends GcResult | FsckReport>(operation: MaintenanceKind, run: () => Promise<T>): Promise<T> {
    const started = this.#now();
    const m = await this.#instruments();
    const ended = () => {
      const now = this.#now();
      m.maintenanceLast.set({ operation }, now / 1000);
      m.maintenanceDuration.set({ operation }, (now - started) / 1000);
    };
    let result: T;
    try {
      result = await run();
    } catch (e) {
      ended();
      m.maintenanceRuns.inc({ operation, outcome: 'error' });
      throw e;
    }
    ended();
    if ('reclaimedBytes' in result) {
      m.maintenanceRuns.inc({ operation, outcome: result.dryRun ? 'dry-run' : 'ok' });
      if (!result.dryRun) {
        m.gcLast.set({ figure: 'deleted_maps' }, result.deletedMaps);
        m.gcLast.set({ figure: 'deleted_chunks' }, result.deletedChunks);
        m.gcLast.set({ figure: 'reclaimed_bytes' }, result.reclaimedBytes);
        this.#scan = undefined; // the stored bytes changed
      }
    } else {
      m.maintenanceRuns.inc({ operation, outcome: result.ok ? 'clean' : 'issues' });
      m.fsckLast.set({ figure: 'maps' }, result.maps);
      m.fsckLast.set({ figure: 'chunks' }, result.chunks);
      m.fsckLast.set({ figure: 'bytes_verified' }, result.bytesVerified);
      m.fsckLast.set({ figure: 'issues' }, result.issues.length);
      m.fsckLast.set({ figure: 'ok' }, result.ok ? 1 : 0);
    }
    return result;
  }

  // ---- the scrape ----

  /** The exposition text; values that need queries are refreshed first if older than the cache. */
  async scrape(): Promise<string> {
    const m = await this.#instruments();
    // a part that fails keeps its last values (and counts the failure): the rest is still served
    await Promise.all([
      this.#refresh(m).catch(() => m.collectionErrors.inc({ part: 'queries' })),
      this.#blockFigures(m).catch(() => m.collectionErrors.inc({ part: 'blockstore' })),
    ]);
    return exposition(await m.registry.metrics());
  }

  #refresh(m: Instruments): Promise<void> {
    const now = this.#now();
    if (this.#fresh && now - this.#fresh.at < (this.#deps.cacheMs ?? 5000)) return this.#fresh.run;
    const run = Promise.all([this.#queryJobs(m), this.#queryInstances(m), this.#sampleVms(m)]).then(() => undefined);
    this.#fresh = { at: now, run };
    // a failed query is tried again at the next scrape, not kept for the cache's time
    run.catch(() => {
      if (this.#fresh?.run === run) this.#fresh = undefined;
    });
    return run;
  }

  async #queryJobs(m: Instruments): Promise<void> {
    const now = new Date(this.#now()).toISOString();
    const rows = await this.#deps.store.db
      .selectFrom('jobs')
      .select((eb) => [
        'kind',
        sql<string>`case when ${eb.ref('lease_owner')} is not null and ${eb.ref('run_at')} > ${now} then 'running' when ${eb.ref('run_at')} <= ${now} then 'due' else 'scheduled' end`.as('state'),
        sql<number>`sum(case when ${eb.ref('last_error')} is not null then 1 else 0 end)`.as('failing'),
        eb.fn.countAll<number>().as('n'),
      ])
      .groupBy(['kind', 'state'])
      .execute();
    m.jobs.reset();
    m.jobsFailing.reset();
    const kinds = new Set(this.#seenJobKinds);
    for (const r of rows) kinds.add(r.kind);
    for (const kind of kinds) {
      for (const state of ['running', 'due', 'scheduled']) m.jobs.set({ kind, state }, 0);
      m.jobsFailing.set({ kind }, 0);
    }
    for (const r of rows) {
      m.jobs.set({ kind: r.kind, state: r.state }, Number(r.n));
      m.jobsFailing.inc({ kind: r.kind }, Number(r.failing));
    }
  }

  async #queryInstances(m: Instruments): Promise<void> {
    const rows = await this.#deps.store.db
      .selectFrom('instances')
      .select((eb) => ['state', eb.fn.countAll<number>().as('n')])
      .groupBy('state')
      .execute();
    m.instances.reset();
    for (const state of ['pending', 'running', 'stopping', 'stopped', 'shutting-down', 'terminated']) m.instances.set({ state }, 0);
    for (const r of rows) m.instances.set({ state: r.state }, Number(r.n));
  }

  /** Adds each local VM's CPU time since the last look to the counter (a VM that restarted counts from zero). */
  async #sampleVms(m: Instruments): Promise<void> {
    const vms = this.#deps.vms;
    if (!vms) return;
    const live = new Set<string>();
    for (const vm of vms.list()) {
      const seconds = (await vms.counters(vm.instanceId).catch(() => undefined))?.cpuSeconds;
      if (seconds === undefined) continue;
      live.add(vm.instanceId);
      const before = this.#vmCpuSeen.get(vm.instanceId) ?? 0;
      m.vmCpu.inc(seconds >= before ? seconds - before : seconds);
      this.#vmCpuSeen.set(vm.instanceId, seconds);
    }
    for (const id of [...this.#vmCpuSeen.keys()]) if (!live.has(id)) this.#vmCpuSeen.delete(id);
  }

  /** The block store figures: kept for minutes; a scrape waits briefly for a scan under way. */
  async #blockFigures(m: Instruments): Promise<void> {
    const now = this.#now();
    if (!this.#scan || now - this.#scan.at >= (this.#deps.blockScanMs ?? 300_000)) {
      const previous = this.#scan?.done;
      const run = blockStoreUsage(this.#deps).then(
        (usage) => {
          if (this.#scan?.run === run) this.#scan.done = usage;
          return usage;
        },
        () => {
          m.collectionErrors.inc({ part: 'blockstore' });
          // tried again at the next scrape; the last figures stay meanwhile
          if (this.#scan?.run === run) this.#scan = previous ? { at: 0, run: Promise.resolve(previous), done: previous } : undefined;
          return undefined;
        },
      );
      this.#scan = { at: now, run, done: previous };
    }
    const scan = this.#scan;
    const usage = scan.done ?? (await Promise.race([scan.run, delay(this.#deps.blockScanWaitMs ?? 2000)]));
    if (!usage) return;
    m.block.set({ kind: 'logical' }, usage.logicalBytes);
    m.block.set({ kind: 'deduplicated' }, usage.deduplicatedBytes);
    if (usage.storedBytes !== undefined) m.block.set({ kind: 'stored' }, usage.storedBytes);
    if (usage.storedChunks !== undefined) m.blockChunks.set(usage.storedChunks);
    m.blockScanAt.set(usage.at / 1000);
    m.blockScanSeconds.set(usage.seconds);
  }
}

function sum<T>(items: readonly T[] | undefined, f: (item: T) => number): number {
  let n = 0;
  for (const item of items ?? []) n += f(item);
  return n;
}

/** A process's resident memory (VmRSS of /proc/PID/status), 0 when unknown. */
function residentBytes(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const m = /^VmRSS:\s+(\d+)\s+kB/m.exec(readFileSync(`/proc/${pid}/status`, 'latin1'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}
