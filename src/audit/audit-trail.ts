// The audit trail: every call the gateway reports becomes one CloudTrail record, written by
// group commit and pruned after the retention period.
//
//   record(call)   builds the record at once (nothing of the request is kept: a block payload
//                  is never copied) and queues it; a call that reached no account (an unknown
//                  access key, an unsigned request) is only logged
//   group commit   one write at a time: the first queued record starts one at once, records
//                  queued while it runs go together in the next (one transaction, multi-row
//                  inserts) — a transaction per round, not per request
//   committed()    resolves when every record queued so far is written: the gateway awaits it,
//                  then the store's durability barrier, before it answers, so a call whose
//                  answer was seen is in the trail after a crash (kill -9, power loss)
//   retention      events older than `retentionDays` (0: kept forever) are deleted at start and
//                  then hourly, oldest first, `PRUNE_BATCH` per transaction, yielding between
//                  batches so requests are not held up
//
// A failed write rejects `committed()` for the calls in it (their answers become 500s, as when
// the durability barrier fails) and logs every record it held, so none is lost silently.
import { randomUUID } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { CallerIdentity } from '../iam/principal.js';
import type { AuditEventsRepo, AuditEventRow, AuditResourceRow } from '../store/repos/audit-events.js';
import type { AuditedCall, AuditSink } from './audit-sink.js';
import { buildEvent, rootIdentity } from './audit-record.js';

const DAY_MS = 86_400_000;
const PRUNE_BATCH = 1000;
const PRUNE_EVERY_MS = 3600_000;

export interface AuditTrailOptions {
  repo: AuditEventsRepo;
  log: Logger;
  /** days events are kept (CloudTrail's event history: 90); 0 keeps them forever */
  retentionDays: number;
  /** who an access key belongs to, for calls whose authentication failed (undefined: no account) */
  identityOf: (accessKeyId: string) => CallerIdentity | undefined;
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

export class AuditTrail implements AuditSink {
  private readonly now: () => number;
  private events: AuditEventRow[] = [];
  private resources: AuditResourceRow[] = [];
  /** the round the queued records will be written in */
  private next = round();
  /** the round being written, if any */
  private writing: Promise<void> | undefined;
  private pruneTimer: NodeJS.Timeout | undefined;
  private pruning: Promise<number> | undefined;
  private closed = false;

  constructor(private readonly options: AuditTrailOptions) {
    this.now = options.now ?? Date.now;
  }

  record(call: AuditedCall): void {
    try {
      // SWITCH(iam): the fallback is for callers without `identity` (gateway/auth.ts before IAM); drop it once every Caller has one
      const identity = call.caller ? (call.caller.identity ?? rootIdentity(call.caller.accountId, call.caller.accessKeyId)) : call.rejected && this.options.identityOf(call.rejected.accessKeyId);
      if (!identity) {
        this.options.log.warn('audit: call without an account', {
          requestId: call.requestId,
          service: call.def.id,
          accessKeyId: call.rejected?.accessKeyId,
          sourceIp: call.sourceIp,
          error: call.rejected?.error.code ?? call.result?.error?.code,
        });
        return;
      }
      const { row, resources } = buildEvent(call, identity, this.now(), randomUUID());
      this.events.push(row);
      for (const r of resources) this.resources.push(r);
      if (!this.writing) this.writing = this.flush();
    } catch (e) {
      this.options.log.error('audit: record not built', { requestId: call.requestId, err: e instanceof Error ? (e.stack ?? e.message) : String(e) });
    }
  }

  committed(): Promise<void> {
    if (this.events.length > 0) return this.next.promise;
    return this.writing ?? Promise.resolve();
  }

  private async flush(): Promise<void> {
    // let the records of requests finishing in this turn of the event loop join the first round
    await new Promise<void>((r) => setImmediate(r));
    while (this.events.length > 0) {
      const [events, resources, done] = [this.events, this.resources, this.next];
      [this.events, this.resources, this.next] = [[], [], round()];
      try {
        await this.options.repo.insertBatch(events, resources);
        done.resolve();
      } catch (e) {
        this.options.log.error('audit: events not written', { count: events.length, err: String(e), events: events.map((ev) => ev.event) });
        done.reject(e);
      }
    }
    this.writing = undefined;
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
  }
}
