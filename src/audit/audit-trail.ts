// The audit trail: every call the gateway reports becomes one CloudTrail record, written by
// group commit and pruned after the retention period.
//
//   record(call)   takes what the record needs (captureCall: nothing of a read's response, no
//                  block payload kept) and queues it; a call that reached no account (an unknown
//                  access key, an unsigned request) is only logged. Records are built after the
//                  answer went out (a read) or in the round that writes them (any other call).
//   group commit   one write at a time, taking everything queued (one transaction, multi-row
//                  inserts): a transaction per round, not per request
//   a call that    may have changed state (anything not Describe/Get/List/Lookup) starts a round
//                  at once, and its answer waits for that round and for `durable` (the store's
//                  barrier over audit rows: on SQLite the same WAL sync as the call's own
//                  writes), so a call whose answer was seen is in the trail after kill -9 and,
//                  with --durability full, after a power loss
//   a read         is answered at once; its event waits for the next round, at most
//                  `readDelayMs` (coalesced: one round for hundreds of reads), then a background
//                  `durable()` nobody waits for. A crash may lose the reads of the last
//                  `readDelayMs` (plus the sync in flight); never an answered mutating call's
//   retention      events older than `retentionDays` (0: kept forever) are deleted at start and
//                  then hourly, oldest first, `PRUNE_BATCH` per transaction, yielding between
//                  batches so requests are not held up
//
// A failed write rejects the answers of the mutating calls in it (500s, as when the durability
// barrier fails) and logs every record it held, so none is lost silently.
import type { Logger } from '../logger.js';
import type { CallerIdentity } from '../iam/principal.js';
import type { AuditEventsRepo, AuditEventRow, AuditResourceRow } from '../store/repos/audit-events.js';
import type { AuditedCall, AuditSink } from './audit-sink.js';
import { buildEvent, captureCall, eventIdAt, type CapturedCall } from './audit-record.js';

const DAY_MS = 86_400_000;
const PRUNE_BATCH = 1000;
const PRUNE_EVERY_MS = 3600_000;
/** the longest a read-only call's event waits for its round */
const READ_DELAY_MS = 100;
/** reads queued beyond this start a round without waiting */
const MAX_QUEUED_READS = 2000;

export interface AuditTrailOptions {
  repo: AuditEventsRepo;
  log: Logger;
  /** days events are kept (CloudTrail's event history: 90); 0 keeps them forever */
  retentionDays: number;
  /** who an access key belongs to, for calls whose authentication failed (undefined: no account) */
  identityOf: (accessKeyId: string) => CallerIdentity | undefined;
  /** runs a round's writes (Store.writeAudit); default: on `repo` */
  write?: (fn: (repo: AuditEventsRepo) => Promise<void>) => Promise<void>;
  /** makes every audit row committed so far durable (Store.barrier({ audit: true })); default: nothing to wait for */
  durable?: () => Promise<void>;
  readDelayMs?: number;
  now?: () => number;
}

interface Round {
  promise: Promise<void>;
  resolve: () => void;
  reject: (e: unknown) => void;
}

function round(): Round {
  let resolve!: () => void;
  let reject!: (e: unknown) => void;
  const promise = new Promise<void>((res, rej) => ([resolve, reject] = [res, rej]));
  promise.catch(() => undefined); // a round nobody awaits must not be an unhandled rejection
  return { promise, resolve, reject };
}

interface Queued {
  call: CapturedCall;
  identity: CallerIdentity;
  time: number;
}

export class AuditTrail implements AuditSink {
  private readonly now: () => number;
  private readonly write: (fn: (repo: AuditEventsRepo) => Promise<void>) => Promise<void>;
  private readonly durable: () => Promise<void>;
  private readonly readDelayMs: number;
  /** calls told, not built yet */
  private queued: Queued[] = [];
  /** built, waiting for their round */
  private events: AuditEventRow[] = [];
  private resources: AuditResourceRow[] = [];
  /** a call that may have changed state is waiting: the next round starts at once */
  private urgent = false;
  /** the round the waiting records will be written in */
  private next = round();
  /** the round being written, if any */
  private writing: Promise<void> | undefined;
  private building: NodeJS.Immediate | undefined;
  private readTimer: NodeJS.Timeout | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private pruning: Promise<number> | undefined;
  private closed = false;

  constructor(private readonly options: AuditTrailOptions) {
    this.now = options.now ?? Date.now;
    this.write = options.write ?? ((fn) => fn(options.repo));
    this.durable = options.durable ?? (() => Promise.resolve());
    this.readDelayMs = options.readDelayMs ?? READ_DELAY_MS;
  }

  record(call: AuditedCall): Promise<void> {
    try {
      const identity = call.caller ? call.caller.identity : call.rejected && this.options.identityOf(call.rejected.accessKeyId);
      if (!identity) {
        this.options.log.warn('audit: call without an account', {
          requestId: call.requestId,
          service: call.def.id,
          accessKeyId: call.rejected?.accessKeyId,
          sourceIp: call.sourceIp,
          error: call.rejected?.error.code ?? call.result?.error?.code,
        });
        return Promise.resolve();
      }
      const captured = captureCall(call);
      this.queued.push({ call: captured, identity, time: this.now() });
      if (!captured.readOnly) {
        this.urgent = true;
        this.startRound();
        return this.next.promise.then(this.durable);
      }
      // a read: built once its answer is out, written in the next round
      this.building ??= setImmediate(() => {
        this.building = undefined;
        this.build();
      });
      if (this.queued.length + this.events.length >= MAX_QUEUED_READS) this.startRound();
      else this.readTimer ??= setTimeout(() => this.startRound(), this.readDelayMs).unref();
      return Promise.resolve();
    } catch (e) {
      this.options.log.error('audit: record not built', { requestId: call.requestId, err: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      return Promise.resolve();
    }
  }

  /** Resolves once every call recorded so far is written (reads included: their round starts now). */
  committed(): Promise<void> {
    if (this.queued.length > 0 || this.events.length > 0) {
      this.urgent = true;
      this.startRound();
      return this.next.promise;
    }
    return this.writing ?? Promise.resolve();
  }

  private startRound(): void {
    if (this.readTimer) clearTimeout(this.readTimer);
    this.readTimer = undefined;
    this.writing ??= this.flush();
  }

  /** Builds the records of the calls told so far. */
  private build(): void {
    const queued = this.queued;
    this.queued = [];
    for (const q of queued) {
      try {
        const { row, resources } = buildEvent(q.call, q.identity, q.time, eventIdAt(q.time));
        this.events.push(row);
        for (const r of resources) this.resources.push(r);
      } catch (e) {
        this.options.log.error('audit: record not built', { requestId: q.call.requestId, err: e instanceof Error ? (e.stack ?? e.message) : String(e) });
      }
    }
  }

  private async flush(): Promise<void> {
    // let the records of requests finishing in this turn of the event loop join the round
    await new Promise<void>((r) => setImmediate(r));
    for (;;) {
      this.build();
      if (this.events.length === 0) break;
      const [events, resources, done, urgent] = [this.events, this.resources, this.next, this.urgent];
      [this.events, this.resources, this.next, this.urgent] = [[], [], round(), false];
      try {
        await this.write((repo) => repo.insertBatch(events, resources));
        done.resolve();
        // reads only: nobody waits for their sync, it runs in the background
        if (!urgent) void this.durable().catch((e: unknown) => this.options.log.error('audit: events not synced', { count: events.length, err: String(e) }));
      } catch (e) {
        this.options.log.error('audit: events not written', { count: events.length, err: String(e), events: events.map((ev) => ev.event) });
        done.reject(e);
      }
      // what came meanwhile: at once if a mutating call waits, else after the read delay
      if (!this.urgent && this.queued.length + this.events.length < MAX_QUEUED_READS) break;
    }
    this.writing = undefined;
    if (this.queued.length + this.events.length > 0) this.readTimer ??= setTimeout(() => this.startRound(), this.readDelayMs).unref();
  }

  /** Starts the retention job (at once, then hourly). */
  start(): void {
    if (this.options.retentionDays <= 0 || this.pruneTimer) return;
    const run = () => {
      void this.prune().catch((e: unknown) => this.options.log.error('audit: pruning failed', { err: String(e) }));
    };
    this.pruneTimer = setInterval(run, PRUNE_EVERY_MS).unref();
    run();
  }

  /** Deletes events older than the retention period, in batches; how many went. */
  prune(): Promise<number> {
    return (this.pruning ??= (async () => {
      let total = 0;
      try {
        const before = this.now() - this.options.retentionDays * DAY_MS;
        for (;;) {
          if (this.closed) break;
          const n = await this.options.repo.pruneBefore(before, PRUNE_BATCH);
          total += n;
          if (n < PRUNE_BATCH) break;
          await new Promise<void>((r) => setImmediate(r));
        }
        if (total > 0) this.options.log.info('audit: events past retention deleted', { count: total, retentionDays: this.options.retentionDays });
        return total;
      } finally {
        this.pruning = undefined;
      }
    })());
  }

  /** Writes what is queued and stops the retention job. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.pruneTimer) clearInterval(this.pruneTimer);
    await this.pruning?.catch(() => undefined);
    await this.committed().catch(() => undefined);
    await this.writing?.catch(() => undefined);
    await this.durable().catch(() => undefined);
  }
}
