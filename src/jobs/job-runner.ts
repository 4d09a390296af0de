// Runs durable jobs: anything that must finish even if the process restarts in between
// (snapshot and image pending -> available, copies, imports). Jobs live in the metadata store;
// a job handler returns 'done', or asks to run again later (with a new payload for progress).
// Handlers must be idempotent: a crash after the work but before the delete runs them again.
// Several nodes may share one queue: a runner leases the jobs it claims (store/repos/jobs.ts),
// renews the leases while their handlers run, and a dead node's jobs fall due for the others.
import { randomUUID } from 'node:crypto';
import type { JobsRepo, JobRow, Placement } from '../store/repos/jobs.js';
import type { Logger } from '../logger.js';

/** jobs claimed at once by a runner */
const CLAIM_BATCH = 50;

export type JobResult = 'done' | { retryInMs: number; payload?: unknown };
export type JobHandler = (payload: unknown, job: JobRow) => Promise<JobResult>;

export interface JobRunnerOptions {
  /** how often to look for due jobs scheduled by other nodes (default 1 s) */
  pollMs?: number;
  /** who holds the leases this runner takes (default: a fresh id per process) */
  owner?: string;
  /** how long a claimed job stays this runner's without renewal (default 30 s) */
  leaseMs?: number;
  /** jobs pinned to a node: which this runner may take (its node's, and dead nodes'); default any */
  placement?: () => Placement;
  /**
   * the lease-owner prefix of this node's earlier processes (`<node id>/`): their leases are
   * released when this runner starts, so a node restarted after a kill -9 resumes its jobs at
   * once instead of after the lease time
   */
  predecessors?: string;
  /** told of each run's start and end (diagnostics; the multi-node test proves runs never overlap) */
  trace?: (event: JobTraceEvent) => void;
}

export interface JobTraceEvent {
  at: string;
  owner: string;
  job: string;
  kind: string;
  event: 'start' | 'done' | 'again' | 'failed' | 'lost';
}

export class JobRunner {
  private readonly handlers = new Map<string, JobHandler>();
  private timer: NodeJS.Timeout | undefined;
  /** when the pending timer fires; a later wake-up never replaces an earlier one */
  private timerAt = Infinity;
  /** the earliest wake-up asked for while a tick was running */
  private wakeAt: number | undefined;
  private running = false;
  private stopped = true;
  private active: Promise<void> = Promise.resolve();
  /** jobs this runner holds and runs now: their leases are renewed until they finish */
  private readonly held = new Set<string>();
  /** per job running here, the jobs its handler claimed for itself (`adopt`) */
  private readonly adopted = new Map<string, string[]>();
  private heartbeat: NodeJS.Timeout | undefined;
  readonly owner: string;
  readonly leaseMs: number;
  private readonly pollMs: number;
  private readonly placement: (() => Placement) | undefined;
  private readonly trace: ((event: JobTraceEvent) => void) | undefined;
  private readonly predecessors: string | undefined;

  constructor(
    private readonly jobs: JobsRepo,
    private readonly log: Logger,
    options: JobRunnerOptions = {},
  ) {
    this.pollMs = options.pollMs ?? 1000;
    this.owner = options.owner ?? randomUUID();
    this.leaseMs = options.leaseMs ?? 30_000;
    this.placement = options.placement;
    this.trace = options.trace;
    this.predecessors = options.predecessors;
  }

  private traced(job: JobRow, event: JobTraceEvent['event']): void {
    this.trace?.({ at: new Date().toISOString(), owner: this.owner, job: job.job_id, kind: job.kind, event });
  }

  /** Where jobs this runner claims may be pinned (undefined: anywhere). */
  placementNow(): Placement | undefined {
    return this.placement?.();
  }

  register(kind: string, handler: JobHandler): void {
    this.handlers.set(kind, handler);
  }

  /**
   * Jobs a handler claimed itself while it runs `job` (a lifecycle batch takes its kind's other
   * due jobs, store/repos/jobs.ts `claimKind`): their leases are renewed with the job's own
   * until it finishes, so a long batch does not lose them to another node. A no-op for a
   * handler called outside this runner.
   */
  adopt(job: JobRow, jobIds: readonly string[]): void {
    if (!this.held.has(job.job_id)) return;
    const ids = jobIds.filter((id) => !this.held.has(id));
    for (const id of ids) this.held.add(id);
    if (ids.length) this.adopted.set(job.job_id, [...(this.adopted.get(job.job_id) ?? []), ...ids]);
  }

  /** Schedules a job (only `node` may run it while that node lives); returns its id. */
  async schedule(kind: string, payload: unknown, delayMs = 0, node: string | null = null): Promise<string> {
    const jobId = randomUUID();
    await this.jobs.insert({ job_id: jobId, kind, payload: JSON.stringify(payload), run_at: new Date(Date.now() + delayMs).toISOString(), node_id: node });
    this.poke(delayMs);
    return jobId;
  }

  /** A job as a row, for inserting inside another transaction; call `notify` after its commit. */
  static row(kind: string, payload: unknown, delayMs = 0, node: string | null = null): JobRow {
    const now = Date.now();
    return { job_id: randomUUID(), kind, payload: JSON.stringify(payload), run_at: new Date(now + delayMs).toISOString(), attempts: 0, last_error: null, created_at: new Date(now).toISOString(), lease_owner: null, rerun: 0, node_id: node };
  }

  /** Tells the runner that a job inserted by someone else is due in `delayMs`. */
  notify(delayMs = 0): void {
    this.poke(delayMs);
  }

  /**
   * A keyed job (one per `jobId`, e.g. one per Auto Scaling group) made due now: created if
   * absent, else brought forward. If it is running at this moment (on any node) it runs again
   * right after.
   */
  async ensure(jobId: string, kind: string, payload: unknown): Promise<void> {
    await this.jobs.upsertDue({ job_id: jobId, kind, payload: JSON.stringify(payload), run_at: new Date().toISOString() });
    this.poke(0);
  }

  start(): void {
    this.stopped = false;
    this.heartbeat = setInterval(() => void this.renew(), Math.max(50, Math.floor(this.leaseMs / 3)));
    this.heartbeat.unref();
    if (this.predecessors === undefined) return this.poke(0);
    void this.jobs
      .releasePredecessors(this.predecessors, this.owner, new Date())
      .then((n) => n && this.log.info('took back the jobs an earlier process of this node held', { jobs: n }))
      .catch((e) => this.log.warn('could not release an earlier process\'s job leases', { err: String(e) }))
      .finally(() => this.poke(0));
  }

  /** Stops scheduling and waits for the jobs in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    await this.active;
    if (this.heartbeat) clearInterval(this.heartbeat);
    this.heartbeat = undefined;
  }

  /** Runs every due job now (tests and admin fast-forward). */
  async drain(): Promise<void> {
    await this.active;
    this.active = this.tick();
    await this.active;
  }

  /** Keeps the leases of the jobs running here; one lost (this node stalled past it) is logged. */
  private async renew(): Promise<void> {
    const ids = [...this.held];
    if (ids.length === 0) return;
    try {
      const kept = new Set(await this.jobs.renew(this.owner, ids, new Date(Date.now() + this.leaseMs)));
      for (const id of ids) if (!kept.has(id) && this.held.has(id)) this.log.warn('job lease lost; another node may run it', { job: id });
    } catch (e) {
      this.log.warn('job lease renewal failed', { err: String(e) });
    }
  }

  private poke(delayMs: number): void {
    if (this.stopped) return;
    const at = Date.now() + Math.max(0, delayMs);
    if (this.running) {
      this.wakeAt = Math.min(this.wakeAt ?? Infinity, at);
      return;
    }
    if (this.timer && this.timerAt <= at) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = at;
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.timerAt = Infinity;
      this.active = this.tick();
    }, at - Date.now());
    this.timer.unref();
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      // the earliest run_at first (a read): a wake-up with nothing due claims nothing and
      // takes no write lock; a claim of fewer than a batch took every job due at that moment
      // (one that fell due since is seen by the `next()` below)
      const first = await this.jobs.next(this.placement?.());
      if (first !== undefined && Date.parse(first) <= Date.now()) {
        for (;;) {
          const claimed = await this.jobs.claim(this.owner, new Date(), this.leaseMs, CLAIM_BATCH, undefined, this.placement?.());
          if (claimed.length === 0) break;
          await Promise.all(claimed.map((job) => this.runOne(job)));
          if (this.stopped) return;
          if (claimed.length < CLAIM_BATCH) break;
        }
      }
    } catch (e) {
      this.log.error('job runner failure', { err: String(e) });
    } finally {
      this.running = false;
    }
    const wakeAt = this.wakeAt;
    this.wakeAt = undefined;
    if (this.stopped) return;
    // only jobs this node may claim: another live node's pinned job would wake it for nothing
    // (one pinned to a node that dies becomes claimable within a poll interval)
    const next = await this.jobs.next(this.placement?.()).catch(() => undefined);
    let delay = next ? Math.min(this.pollMs, Math.max(0, Date.parse(next) - Date.now())) : this.pollMs;
    // a job scheduled far ahead during the tick must not push back one due sooner
    if (wakeAt !== undefined) delay = Math.min(delay, Math.max(0, wakeAt - Date.now()));
    this.poke(delay);
  }

  private async runOne(job: JobRow): Promise<void> {
    const handler = this.handlers.get(job.kind);
    if (!handler) {
      await this.jobs.reschedule(job.job_id, this.owner, new Date(Date.now() + 60_000), job.attempts + 1, `no handler for ${job.kind}`);
      return;
    }
    this.held.add(job.job_id);
    this.traced(job, 'start');
    try {
      const result = await handler(JSON.parse(job.payload), job);
      let kept: boolean;
      if (result === 'done') kept = await this.jobs.finish(job.job_id, this.owner, new Date());
      else {
        const payload = result.payload === undefined ? undefined : JSON.stringify(result.payload);
        kept = await this.jobs.reschedule(job.job_id, this.owner, new Date(Date.now() + result.retryInMs), job.attempts, null, payload);
      }
      this.traced(job, kept ? (result === 'done' ? 'done' : 'again') : 'lost');
    } catch (e) {
      const attempts = job.attempts + 1;
      const backoff = Math.min(60_000, 250 * 2 ** Math.min(attempts, 8));
      this.log.warn('job failed; will retry', { job: job.job_id, kind: job.kind, attempts, err: String(e) });
      await this.jobs.reschedule(job.job_id, this.owner, new Date(Date.now() + backoff), attempts, String(e)).catch(() => false);
      this.traced(job, 'failed');
    } finally {
      this.held.delete(job.job_id);
      for (const id of this.adopted.get(job.job_id) ?? []) this.held.delete(id);
      this.adopted.delete(job.job_id);
    }
  }
}
