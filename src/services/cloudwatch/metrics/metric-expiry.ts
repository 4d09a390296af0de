// The durable job that keeps AWS's retention (metric-tiers.ts): every few minutes it deletes each
// tier's periods older than the tier keeps, and metrics with no datum in 15 months. One keyed job
// (`cloudwatch/expiry`) per store; it reschedules itself, survives restarts, and is ensured again
// after an admin reset wiped the jobs table (at most once an interval, on a put).
import type { JobRunner } from '../../../jobs/job-runner.js';
import type { Logger } from '../../../logger.js';
import type { CwMetricsRepo } from '../../../store/repos/cw-metrics.js';
import { RETENTION_MS, TIERS } from './metric-tiers.js';

export const EXPIRY_JOB = 'cloudwatch.metric-expiry';
const EXPIRY_JOB_ID = 'cloudwatch/metric-expiry';
export const EXPIRY_INTERVAL_MS = 5 * 60_000;
const ENSURE_EVERY_MS = EXPIRY_INTERVAL_MS;

/** Deletes what is past retention at `now`; returns the periods deleted. */
export function expire(repo: CwMetricsRepo, now: number): Promise<number> {
  const cutoffs = new Map<number, number>(TIERS.map((t) => [t, now - RETENTION_MS[t]]));
  return repo.expire(cutoffs, now - RETENTION_MS[3600]);
}

export function metricExpiry(jobs: JobRunner, repo: () => CwMetricsRepo, log: Logger | undefined, clock: () => Date) {
  jobs.register(EXPIRY_JOB, async () => {
    const deleted = await expire(repo(), clock().getTime());
    if (deleted > 0) log?.info('metric periods expired', { deleted });
    return { retryInMs: EXPIRY_INTERVAL_MS };
  });
  let ensuredAt = -Infinity;
  return {
    /** schedules the job unless it exists (cheap to call often) */
    ensure(): void {
      const now = Date.now();
      if (now - ensuredAt < ENSURE_EVERY_MS) return;
      ensuredAt = now;
      jobs.ensure(EXPIRY_JOB_ID, EXPIRY_JOB, {}).catch((e: unknown) => {
        ensuredAt = -Infinity;
        log?.error('could not schedule metric expiry', { err: String(e) });
      });
    },
  };
}
