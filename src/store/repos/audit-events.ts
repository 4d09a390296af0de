// The audit trail's rows: written in batches (one transaction for every event a group commit
// gathered), looked up per account and region newest first (LookupEvents), tailed in write
// order (`imago audit`), and pruned oldest first in bounded batches (retention).
import type { Insertable, Kysely, SelectQueryBuilder } from 'kysely';
import type { AuditEventResourcesTable, AuditEventsTable, Database } from '../schema.js';
import { insertRows } from '../insert-rows.js';

export type AuditEventRow = Omit<AuditEventsTable, 'seq'>;
export type StoredAuditEvent = AuditEventRow & { seq: number };
export type AuditResourceRow = AuditEventResourcesTable;

/** One LookupEvents attribute, as a column condition. */
export type AuditAttribute =
  | { column: 'event_id' | 'event_name' | 'event_source' | 'username' | 'access_key_id'; value: string }
  | { column: 'read_only'; value: number }
  | { column: 'resource_type' | 'resource_name'; value: string };

export interface AuditLookup {
  accountId: string;
  region: string;
  attribute?: AuditAttribute;
  /** ms, inclusive */
  start?: number;
  end?: number;
  /** continue after this (event_time, seq), newest first */
  after?: { time: number; seq: number };
  limit: number;
}

export interface AuditTail {
  accountId?: string;
  region?: string;
  eventName?: string;
  /** matches the principal's ARN, its user name, or the access key id */
  principal?: string;
  since?: number;
  /** rows written after this seq (a follower's position) */
  afterSeq?: number;
  limit: number;
}

export class AuditEventsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /**
   * One batch: every event and its resources in one transaction (the group commit), as
   * multi-row inserts of 1, 2, 4 … 64 rows (a handful of statement texts, each prepared once,
   * whatever a round's size). A round of one statement (one event naming no resource) needs no
   * transaction of its own.
   */
  async insertBatch(events: readonly AuditEventRow[], resources: readonly AuditResourceRow[]): Promise<void> {
    if (events.length === 0) return;
    const write = async (db: Kysely<Database>) => {
      await insertInChunks(db, 'audit_events', events);
      await insertInChunks(db, 'audit_event_resources', resources);
    };
    if (events.length === 1 && resources.length === 0) await write(this.db);
    else await this.db.transaction().execute(write);
  }

  /** LookupEvents: management events of one account and region, newest first. */
  async lookup(q: AuditLookup): Promise<StoredAuditEvent[]> {
    let query = this.db.selectFrom('audit_events').selectAll().where('account_id', '=', q.accountId).where('region', '=', q.region).where('management', '=', 1);
    const a = q.attribute;
    if (a && (a.column === 'resource_type' || a.column === 'resource_name')) {
      const column = a.column;
      query = query.where('event_id', 'in', (eb) =>
        eb.selectFrom('audit_event_resources').select('event_id').where('account_id', '=', q.accountId).where('region', '=', q.region).where('management', '=', 1).where(column, '=', a.value),
      );
    } else if (a) {
      query = query.where(a.column as Exclude<AuditAttribute['column'], 'resource_type' | 'resource_name'>, '=', a.value as never);
    }
    if (q.start !== undefined) query = query.where('event_time', '>=', q.start);
    if (q.end !== undefined) query = query.where('event_time', '<=', q.end);
    if (q.after) {
      const { time, seq } = q.after;
      query = query.where((eb) => eb.or([eb('event_time', '<', time), eb.and([eb('event_time', '=', time), eb('seq', '<', seq)])]));
    }
    return query.orderBy('event_time', 'desc').orderBy('seq', 'desc').limit(q.limit).execute();
  }

  /** `imago audit`: the newest `limit` matching rows (or those after `afterSeq`), in write order. */
  async tail(q: AuditTail): Promise<StoredAuditEvent[]> {
    let query: SelectQueryBuilder<Database, 'audit_events', StoredAuditEvent> = this.db.selectFrom('audit_events').selectAll();
    if (q.accountId) query = query.where('account_id', '=', q.accountId);
    if (q.region) query = query.where('region', '=', q.region);
    if (q.eventName) query = query.where('event_name', '=', q.eventName);
    if (q.principal) {
      const p = q.principal;
      query = query.where((eb) => eb.or([eb('principal_arn', '=', p), eb('username', '=', p), eb('access_key_id', '=', p)]));
    }
    if (q.since !== undefined) query = query.where('event_time', '>=', q.since);
    if (q.afterSeq !== undefined) return query.where('seq', '>', q.afterSeq).orderBy('seq', 'asc').limit(q.limit).execute();
    const newest = await query.orderBy('seq', 'desc').limit(q.limit).execute();
    return newest.reverse();
  }

  /** The newest seq written (where a follower with nothing to show starts). */
  async lastSeq(): Promise<number> {
    const row = await this.db.selectFrom('audit_events').select((eb) => eb.fn.max('seq').as('seq')).executeTakeFirst();
    return Number(row?.seq ?? 0);
  }

  /** Deletes up to `limit` of the oldest events written before `before` (ms), with their resources; how many went. */
  async pruneBefore(before: number, limit: number): Promise<number> {
    return this.db.transaction().execute(async (trx) => {
      const ids = (await trx.selectFrom('audit_events').select('event_id').where('event_time', '<', before).orderBy('event_time').limit(limit).execute()).map((r) => r.event_id);
      if (ids.length === 0) return 0;
      await trx.deleteFrom('audit_event_resources').where('event_id', 'in', ids).execute();
      await trx.deleteFrom('audit_events').where('event_id', 'in', ids).execute();
      return ids.length;
    });
  }
}

const MAX_CHUNK = 64;

/** `rows` as inserts of power-of-two sizes (at most MAX_CHUNK), largest first. */
async function insertInChunks<T extends 'audit_events' | 'audit_event_resources'>(db: Kysely<Database>, table: T, rows: readonly Insertable<Database[T]>[]): Promise<void> {
  for (let start = 0; start < rows.length; ) {
    let size = MAX_CHUNK;
    while (size > rows.length - start) size >>= 1;
    await insertRows(db, table, rows.slice(start, start + size));
    start += size;
  }
}
