// StartSnapshot's Timeout: "the amount of time (in minutes) after which the snapshot is
// automatically cancelled if no blocks are written to the snapshot, or the snapshot is not
// completed after writing the last block" — a pending snapshot idle that long goes to `error`.
// A durable job per snapshot: due at the deadline, it re-schedules itself while writes keep
// moving the deadline, and keeps the upload's block map leased (GC) until then.
import type { BlockStorage } from '../../blocks/block-storage.js';
import type { JobResult, JobRunner } from '../../jobs/job-runner.js';
import type { SnapshotRow, SnapshotsRepo } from '../../store/repos/snapshots.js';
import type { UploadActivity } from './upload-activity.js';

export const TIMEOUT_JOB = 'ebs.snapshot-timeout';
export const DEFAULT_TIMEOUT_MINUTES = 60;
/** how long past its deadline an upload's map stays leased */
const LEASE_MARGIN_MS = 3600_000;

export interface TimeoutDeps {
  snapshots: SnapshotsRepo;
  blocks: BlockStorage;
  jobs: JobRunner;
  activity: UploadActivity;
  now?: () => number;
}

export class SnapshotTimeouts {
  private readonly now: () => number;

  constructor(private readonly deps: TimeoutDeps) {
    this.now = deps.now ?? Date.now;
    deps.jobs.register(TIMEOUT_JOB, (payload) => this.check((payload as { snapshotId: string }).snapshotId));
  }

  /** Arms the timeout of a snapshot just started. */
  async arm(row: SnapshotRow): Promise<void> {
    const ms = (row.timeout_minutes ?? DEFAULT_TIMEOUT_MINUTES) * 60_000;
    await this.deps.blocks.maps.setLease(row.map_id, new Date(this.now() + ms + LEASE_MARGIN_MS));
    await this.deps.jobs.schedule(TIMEOUT_JOB, { snapshotId: row.snapshot_id }, ms);
  }

  /** The job: cancel the snapshot when idle past its deadline, else look again at the deadline. */
  async check(snapshotId: string): Promise<JobResult> {
    const { snapshots, blocks, activity } = this.deps;
    const row = await snapshots.get(snapshotId);
    if (!row || row.state !== 'pending') return 'done';
    const map = await blocks.getMap(row.map_id);
    if (!map || map.sealed) return 'done'; // completed (the completion job finishes it)
    if (activity.busy(snapshotId)) return { retryInMs: 1000 };
    const lastWrite = Math.max(activity.lastWrite(snapshotId) ?? 0, Date.parse(row.last_write_at ?? row.start_time));
    const deadline = lastWrite + (row.timeout_minutes ?? DEFAULT_TIMEOUT_MINUTES) * 60_000;
    const now = this.now();
    if (now < deadline) {
      await blocks.maps.setLease(row.map_id, new Date(deadline + LEASE_MARGIN_MS));
      return { retryInMs: deadline - now };
    }
    await snapshots.update(snapshotId, {
      state: 'error',
      state_message: `The snapshot was cancelled: no block was written and it was not completed for ${row.timeout_minutes ?? DEFAULT_TIMEOUT_MINUTES} minutes (its Timeout).`,
    });
    activity.forget(snapshotId);
    return 'done';
  }
}
