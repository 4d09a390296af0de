// Group commit for the metadata store. SQLite runs with synchronous=NORMAL: a commit appends to
// the WAL without an fsync (a crash of the process loses nothing, a power loss may lose the
// latest commits, never consistency). What a client is told is durable passes a barrier first:
// one fdatasync of the WAL makes every commit before it durable, so a request that committed
// five times pays one sync, concurrent requests share one, and the sync runs on libuv's pool
// instead of holding the event loop (with synchronous=FULL each commit fsynced on the main
// thread). Callers: the gateway before every response, NBD flushes, GC before deleting chunks.
//
// Audit rows are written the same way but counted apart (`asAudit`): a reader's barrier does
// not sync only because audit rows were committed since the last sync (a read-only call's event
// is not something its answer shows); `barrier({ audit: true })` covers them too (the event of
// a call that changed state, before its answer). One sync covers both kinds: the WAL is one file.
import { open, type FileHandle } from 'node:fs/promises';

export class WalBarrier {
  /** writes seen / writes known durable, as counters: a barrier waits for the count it saw */
  private written = 0;
  private synced = 0;
  /** `written` as of the last write that was not an audit row's */
  private dataWritten = 0;
  /** inside `asAudit`: writes noted are audit rows */
  private auditing = 0;
  private syncing: Promise<void> | undefined;
  private file: FileHandle | undefined;
  private closed = false;
  /** syncs made so far (for tests and figures) */
  syncCount = 0;

  /** `enabled: false` (--durability normal): barriers return at once. */
  constructor(
    private readonly walPath: string,
    private readonly enabled: boolean,
  ) {}

  /** Called before every statement that may write (cheap: a counter). */
  noteWrite(): void {
    this.written++;
    if (this.auditing === 0) this.dataWritten = this.written;
  }

  /**
   * Runs `fn`, whose writes are audit rows. The caller makes sure nothing else writes meanwhile
   * (it holds the store's only connection).
   */
  async asAudit<T>(fn: () => Promise<T>): Promise<T> {
    this.auditing++;
    try {
      return await fn();
    } finally {
      this.auditing--;
    }
  }

  /** Resolves once every write noted before the call (audit rows only with `audit: true`) is on stable storage. */
  async barrier(options?: { audit?: boolean }): Promise<void> {
    if (this.enabled) await this.sync(options);
  }

  /** The same, even when barriers are disabled. */
  async sync(options?: { audit?: boolean }): Promise<void> {
    const target = options?.audit ? this.written : this.dataWritten;
    while (this.synced < target && !this.closed) {
      this.syncing ??= this.syncOnce().finally(() => (this.syncing = undefined));
      await this.syncing;
    }
  }

  private async syncOnce(): Promise<void> {
    const upTo = this.written;
    this.file ??= await open(this.walPath, 'r');
    await this.file.datasync();
    this.syncCount++;
    this.synced = Math.max(this.synced, upTo);
  }

  /** Waits for a sync in progress; later barriers return at once (closing SQLite checkpoints and syncs). */
  async close(): Promise<void> {
    this.closed = true;
    await this.syncing?.catch(() => undefined);
    await this.file?.close();
    this.file = undefined;
  }
}
