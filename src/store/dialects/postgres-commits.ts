// PostgreSQL's commits and the durability barrier: what SQLite's WAL barrier (wal-barrier.ts)
// is on the embedded engine. A unit of work (atomic(), Store.transaction) commits without
// waiting for its WAL flush (`SET LOCAL synchronous_commit = off`, sent with the COMMIT: no
// extra round trip) and `barrier()` makes it durable before anything is acknowledged. The WAL
// is one sequence, so a flush covers every commit before it: a synchronous commit that wrote
// (the audit trail's round, an autocommit write), started after an asynchronous commit
// returned, has flushed it too, and the barrier is then free; else the barrier flushes once
// (a transactional logical message, committed synchronously: one round trip, no table), shared
// by every caller waiting meanwhile.
//
//   unit of work:     begin … set local synchronous_commit = off; commit    written += 1
//   sync commit that wrote (rows affected > 0):  covers `written` as counted when it was sent
//   barrier():        flushed >= written (as counted at the call)? done : flush (grouped)
//
// A commit is visible before it is flushed: a reader on this node waits for the flush in its
// own barrier (anything written since the last flush); a reader on another node may see a
// unit of work a few ms before its flush (the writer's answer always waits for it).
import { CompiledQuery, PostgresDriver, type DatabaseConnection, type Driver, type QueryResult, type TransactionSettings } from 'kysely';

export class CommitTracker {
  /** asynchronous commits that returned */
  private written = 0;
  /** every asynchronous commit counted up to this is flushed */
  private flushed = 0;
  private inFlight: { covers: number; done: Promise<void> } | undefined;

  constructor(private readonly flush: () => Promise<void>) {}

  /** The count a synchronous commit sent now will cover. */
  mark(): number {
    return this.written;
  }

  asyncCommitted(): void {
    this.written++;
  }

  /** A synchronous commit that wrote, sent when `mark()` said `covers`, returned. */
  flushedUpTo(covers: number): void {
    if (covers > this.flushed) this.flushed = covers;
  }

  /** Resolves once every commit returned before the call is flushed. */
  async barrier(): Promise<void> {
    const target = this.written;
    while (this.flushed < target) {
      if (this.inFlight && this.inFlight.covers >= target) {
        await this.inFlight.done;
        continue;
      }
      if (this.inFlight) {
        await this.inFlight.done.catch(() => undefined);
        continue;
      }
      const covers = this.written;
      const done = this.flush().then(() => this.flushedUpTo(covers));
      const round = { covers, done };
      this.inFlight = round;
      try {
        await done;
      } finally {
        if (this.inFlight === round) this.inFlight = undefined;
      }
    }
  }
}

/** A synchronous commit's WAL flush, for the barrier (writes WAL whatever the tables hold). */
export const FLUSH_SQL = "SELECT pg_logical_emit_message(true, 'imago', 'barrier')";

const ASYNC_COMMIT = CompiledQuery.raw('set local synchronous_commit = off; commit');
const COMMIT = CompiledQuery.raw('commit');

/** A pooled connection, watching whether its transaction (or autocommit statement) wrote. */
class TrackedConnection implements DatabaseConnection {
  inTransaction = false;
  wrote = false;

  constructor(
    readonly inner: DatabaseConnection,
    private readonly tracker: CommitTracker,
  ) {}

  async executeQuery<R>(query: CompiledQuery): Promise<QueryResult<R>> {
    const covers = this.inTransaction ? 0 : this.tracker.mark();
    const result = await this.inner.executeQuery<R>(query);
    if (result.numAffectedRows !== undefined && result.numAffectedRows > 0n) {
      // rows changed: the statement wrote WAL, so its (synchronous) autocommit flushed it
      if (this.inTransaction) this.wrote = true;
      else this.tracker.flushedUpTo(covers);
    }
    return result;
  }

  streamQuery<R>(query: CompiledQuery, chunkSize?: number): AsyncIterableIterator<QueryResult<R>> {
    return this.inner.streamQuery<R>(query, chunkSize);
  }
}

/**
 * Kysely's PostgreSQL driver with tracked commits. `units`: this handle's transactions are
 * units of work and commit asynchronously; else they commit synchronously (and a write's
 * commit counts as a flush). Several drivers may share one inner driver: `owner` ends it.
 */
export class TrackedPostgresDriver implements Driver {
  private readonly wrapped = new WeakMap<DatabaseConnection, TrackedConnection>();

  private readonly inner: Driver & Required<Pick<Driver, 'savepoint' | 'rollbackToSavepoint' | 'releaseSavepoint'>>;

  constructor(
    inner: PostgresDriver,
    private readonly tracker: CommitTracker,
    private readonly options: { units: boolean; owner: boolean },
  ) {
    this.inner = inner as unknown as TrackedPostgresDriver['inner']; // its methods take any DatabaseConnection it handed out
  }

  init(): Promise<void> {
    return this.inner.init();
  }

  async acquireConnection(): Promise<DatabaseConnection> {
    const inner = await this.inner.acquireConnection();
    let c = this.wrapped.get(inner);
    if (!c) this.wrapped.set(inner, (c = new TrackedConnection(inner, this.tracker)));
    return c;
  }

  async beginTransaction(connection: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    const c = connection as TrackedConnection;
    await this.inner.beginTransaction(c.inner, settings);
    c.inTransaction = true;
    c.wrote = false;
  }

  async commitTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as TrackedConnection;
    c.inTransaction = false;
    if (this.options.units && c.wrote) {
      await c.inner.executeQuery(ASYNC_COMMIT);
      this.tracker.asyncCommitted();
    } else {
      const covers = this.tracker.mark();
      await c.inner.executeQuery(COMMIT);
      if (c.wrote) this.tracker.flushedUpTo(covers);
    }
  }

  async rollbackTransaction(connection: DatabaseConnection): Promise<void> {
    const c = connection as TrackedConnection;
    c.inTransaction = false;
    await this.inner.rollbackTransaction(c.inner);
  }

  savepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['savepoint']>>[2]): Promise<void> {
    return this.inner.savepoint((connection as TrackedConnection).inner, name, compile);
  }

  rollbackToSavepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['savepoint']>>[2]): Promise<void> {
    return this.inner.rollbackToSavepoint((connection as TrackedConnection).inner, name, compile);
  }

  releaseSavepoint(connection: DatabaseConnection, name: string, compile: Parameters<NonNullable<Driver['savepoint']>>[2]): Promise<void> {
    return this.inner.releaseSavepoint((connection as TrackedConnection).inner, name, compile);
  }

  releaseConnection(connection: DatabaseConnection): Promise<void> {
    const c = connection as TrackedConnection;
    c.inTransaction = false;
    return this.inner.releaseConnection(c.inner);
  }

  destroy(): Promise<void> {
    return this.options.owner ? this.inner.destroy() : Promise.resolve();
  }
}
