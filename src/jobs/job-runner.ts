// Runs durable jobs: anything that must finish even if the process restarts in between
// (snapshot and image pending -> available, copies, imports). Jobs live in the metadata store;
// a job handler returns 'done', or asks to run again later (with a new payload for progress).
// Handlers must be idempotent: a crash after the work but before the delete runs them again.
import { randomUUID } from 'node:crypto';
import type { JobsRepo, JobRow } from '../store/repos/jobs.js';
import type { Logger } from '../logger.js';

export type JobResult = 'done' | { retryInMs: number; payload?: unknown };
export type JobHandler = (payload: unknown, job: JobRow) => Promise<JobResult>;

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
  /** keyed jobs running now, and those asked to run again as soon as they finish */
  private readonly runningIds = new Set<string>();
  private readonly rerun = new Set<string>();

  constructor(
    private readonly jobs: JobsRepo,
    private readonly log: Logger,
    private readonly pollMs = 1000,
  ) {}

  register(kind: string, handler: JobHandler): void {
    this.handlers.set(kind, handler);
  }

  /** Schedules a job; returns its id. */
  async schedule(kind: string, payload: unknown, delayMs = 0): Promise<string> {
    const jobId = randomUUID();
    await this.jobs.insert({ job_id: jobId, kind, payload: JSON.stringify(payload), run_at: new Date(Date.now() + delayMs).toISOString() });
    this.poke(delayMs);
    return jobId;
  }

  /** A job as a row, for inserting inside another transaction; call `notify` after its commit. */
  static row(kind: string, payload: unknown, delayMs = 0): JobRow {
    const now = Date.now();
    return { job_id: randomUUID(), kind, payload: JSON.stringify(payload), run_at: new Date(now + delayMs).toISOString(), attempts: 0, last_error: null, created_at: new Date(now).toISOString() };
  }

  /** Tells the runner that a job inserted by someone else is due in `delayMs`. */
  notify(delayMs = 0): void {
    this.poke(delayMs);
  }

  /**
   * A keyed job (one per `jobId`, e.g. one per Auto Scaling group) made due now: created if
   * absent, else brought forward. If it is running at this moment it runs again right after.
   */
  async ensure(jobId: string, kind: string, payload: unknown): Promise<void> {
    if (this.runningIds.has(jobId)) this.rerun.add(jobId);
    await this.jobs.upsertDue({ job_id: jobId, kind, payload: JSON.stringify(payload), run_at: new Date().toISOString() });
    this.poke(0);
  }

  start(): void {
    this.stopped = false;
    this.poke(0);
  }

  /** Stops scheduling and waits for the jobs in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.timerAt = Infinity;
    await this.active;
  }

  /** Runs every due job now (tests and admin fast-forward). */
  async drain(): Promise<void> {
    await this.active;
    this.active = this.tick();
    await this.active;
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
      for (;;) {
        const due = await this.jobs.due(new Date(), 50);
        if (due.length === 0) break;
        await Promise.all(due.map((job) => this.runOne(job)));
        if (this.stopped) return;
      }
    } catch (e) {
      this.log.error('job runner failure', { err: String(e) });
    } finally {
      this.running = false;
    }
    const wakeAt = this.wakeAt;
    this.wakeAt = undefined;
    if (this.stopped) return;
    const next = await this.jobs.next().catch(() => undefined);
    let delay = next ? Math.min(this.pollMs, Math.max(0, Date.parse(next) - Date.now())) : this.pollMs;
    // a job scheduled far ahead during the tick must not push back one due sooner
    if (wakeAt !== undefined) delay = Math.min(delay, Math.max(0, wakeAt - Date.now()));
    this.poke(delay);
  }

  private async runOne(job: JobRow): Promise<void> {
    const handler = this.handlers.get(job.kind);
    if (!handler) {
      await this.jobs.reschedule(job.job_id, new Date(Date.now() + 60_000), job.attempts + 1, `no handler for ${job.kind}`);
      return;
    }
    this.runningIds.add(job.job_id);
    try {
      let result = await handler(JSON.parse(job.payload), job);
      if (this.rerun.delete(job.job_id)) result = { retryInMs: 0 };
      if (result === 'done') await this.jobs.delete(job.job_id);
      else {
        const payload = result.payload === undefined ? undefined : JSON.stringify(result.payload);
        await this.jobs.reschedule(job.job_id, new Date(Date.now() + result.retryInMs), job.attempts, null, payload);
      }
    } catch (e) {
      const attempts = job.attempts + 1;
      const backoff = Math.min(60_000, 250 * 2 ** Math.min(attempts, 8));
      this.log.warn('job failed; will retry', { job: job.job_id, kind: job.kind, attempts, err: String(e) });
      await this.jobs.reschedule(job.job_id, new Date(Date.now() + backoff), attempts, String(e));
    } finally {
      this.runningIds.delete(job.job_id);
    }
  }
}
