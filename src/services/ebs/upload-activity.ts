// What this process knows about uploads in flight: writes running per snapshot (so completion
// and the idle timeout wait for them), snapshots being completed (no more writes), and when each
// snapshot was last written. The last write time and progress are persisted at most once a
// second per snapshot, so the idle timeout survives restarts without a metadata write per block.
import type { SnapshotsRepo } from '../../store/repos/snapshots.js';

const PERSIST_EVERY_MS = 1000;

interface LastWrite {
  at: number;
  persistedAt: number;
}

export class UploadActivity {
  private readonly inflight = new Map<string, number>();
  private readonly closed = new Set<string>();
  private readonly idle = new Map<string, (() => void)[]>();
  private readonly writes = new Map<string, LastWrite>();

  constructor(
    private readonly snapshots: SnapshotsRepo,
    private readonly now: () => number = Date.now,
  ) {}

  /** Starts a write; false when the snapshot is being completed (or was, by this process). */
  begin(snapshotId: string): boolean {
    if (this.closed.has(snapshotId)) return false;
    this.inflight.set(snapshotId, (this.inflight.get(snapshotId) ?? 0) + 1);
    return true;
  }

  end(snapshotId: string): void {
    const n = (this.inflight.get(snapshotId) ?? 1) - 1;
    if (n > 0) {
      this.inflight.set(snapshotId, n);
      return;
    }
    this.inflight.delete(snapshotId);
    for (const wake of this.idle.get(snapshotId) ?? []) wake();
    this.idle.delete(snapshotId);
  }

  /** Refuses new writes and waits for running ones; false when already closed. */
  async close(snapshotId: string): Promise<boolean> {
    if (this.closed.has(snapshotId)) return false;
    this.closed.add(snapshotId);
    if (this.inflight.has(snapshotId)) {
      await new Promise<void>((resolve) => this.idle.set(snapshotId, [...(this.idle.get(snapshotId) ?? []), resolve]));
    }
    return true;
  }

  /** Accepts writes again (a completion that failed its checks). */
  reopen(snapshotId: string): void {
    this.closed.delete(snapshotId);
  }

  /** Writes are running, or a completion is. */
  busy(snapshotId: string): boolean {
    return this.inflight.has(snapshotId) || this.closed.has(snapshotId);
  }

  /** Records a committed write (and the client's progress, 0-100), persisting now and then. */
  async written(snapshotId: string, progress?: number): Promise<void> {
    const at = this.now();
    const last = this.writes.get(snapshotId);
    const due = !last || at - last.persistedAt >= PERSIST_EVERY_MS || progress === 100;
    this.writes.set(snapshotId, { at, persistedAt: due ? at : last.persistedAt });
    if (due) await this.snapshots.update(snapshotId, { last_write_at: new Date(at).toISOString(), ...(progress !== undefined ? { progress } : {}) });
  }

  /** The last write this process saw (ms), if any. */
  lastWrite(snapshotId: string): number | undefined {
    return this.writes.get(snapshotId)?.at;
  }

  /** Drops what is kept about a snapshot that is done (completed or failed). */
  forget(snapshotId: string): void {
    this.writes.delete(snapshotId);
  }
}
