// CloudTrail event history (LookupEvents) over the audit trail: the caller's own account and
// region, management events only, newest first, one lookup attribute at most, a time range, and
// pages of up to 50 whose NextToken (services/page-tokens.ts: MACed, bound to the query) carries
// the last event's (time, seq). Domain types here; the wire mapping is in handlers.ts.
import type { Scope } from '../../store/scope.js';
import type { AuditAttribute, AuditEventsRepo } from '../../store/repos/audit-events.js';
import { decodePageToken, encodePageToken } from '../page-tokens.js';
import { invalidLookupValue, invalidMaxResults, invalidNextToken, invalidTimeRange, tooManyLookupAttributes } from './cloudtrail-errors.js';

export type LookupKey = 'EventId' | 'EventName' | 'ReadOnly' | 'Username' | 'ResourceType' | 'ResourceName' | 'EventSource' | 'AccessKeyId';

export interface LookupQuery {
  attributes?: { key: LookupKey; value: string }[];
  start?: Date;
  end?: Date;
  /** 'insight': Insights events, which Imago does not produce */
  category?: string;
  maxResults?: number;
  nextToken?: string;
}

export interface HistoryEvent {
  eventId: string;
  eventName: string;
  readOnly: string;
  accessKeyId: string;
  eventTime: Date;
  eventSource: string;
  username: string;
  resources: { type: string; name: string }[];
  /** the CloudTrail record, JSON */
  cloudTrailEvent: string;
}

const DEFAULT_MAX = 50;

const COLUMNS: Record<Exclude<LookupKey, 'ReadOnly'>, AuditAttribute['column']> = {
  EventId: 'event_id',
  EventName: 'event_name',
  Username: 'username',
  ResourceType: 'resource_type',
  ResourceName: 'resource_name',
  EventSource: 'event_source',
  AccessKeyId: 'access_key_id',
};

export class EventHistory {
  constructor(
    private readonly repo: AuditEventsRepo,
    /** writes the events still queued (reads are written in the background): a caller finds the calls it just made */
    private readonly pending?: () => Promise<void>,
  ) {}

  async lookup(caller: Scope, q: LookupQuery): Promise<{ events: HistoryEvent[]; nextToken?: string }> {
    const attribute = attributeOf(q.attributes ?? []);
    if (q.start && q.end && q.start.getTime() > q.end.getTime()) throw invalidTimeRange();
    const limit = q.maxResults ?? DEFAULT_MAX;
    if (!Number.isInteger(limit) || limit < 1 || limit > DEFAULT_MAX) throw invalidMaxResults();
    const binding = { op: 'LookupEvents', account: caller.accountId, region: caller.region, attribute, start: q.start?.getTime(), end: q.end?.getTime(), category: q.category ?? null };
    let after: { time: number; seq: number } | undefined;
    if (q.nextToken !== undefined) {
      const position = decodePageToken(binding, q.nextToken);
      const m = position === undefined ? null : /^(\d+):(\d+)$/.exec(position);
      if (!m) throw invalidNextToken();
      after = { time: Number(m[1]), seq: Number(m[2]) };
    }
    if (q.category === 'insight') return { events: [] };
    await this.pending?.();
    const rows = await this.repo.lookup({ accountId: caller.accountId, region: caller.region, attribute, start: q.start?.getTime(), end: q.end?.getTime(), after, limit: limit + 1 });
    const page = rows.slice(0, limit);
    const last = page.at(-1);
    return {
      events: page.map((r) => ({
        eventId: r.event_id,
        eventName: r.event_name,
        readOnly: r.read_only ? 'true' : 'false',
        accessKeyId: r.access_key_id,
        eventTime: new Date(r.event_time),
        eventSource: r.event_source,
        username: r.username,
        resources: JSON.parse(r.resources) as { type: string; name: string }[],
        cloudTrailEvent: r.event,
      })),
      nextToken: rows.length > limit && last ? encodePageToken(binding, `${last.event_time}:${last.seq}`) : undefined,
    };
  }
}

function attributeOf(attributes: { key: LookupKey; value: string }[]): AuditAttribute | undefined {
  if (attributes.length > 1) throw tooManyLookupAttributes();
  const a = attributes[0];
  if (!a) return undefined;
  if (a.value.length < 1 || a.value.length > 2000) throw invalidLookupValue(a.key, 'it must be 1 to 2000 characters long.');
  if (a.key === 'ReadOnly') {
    if (a.value !== 'true' && a.value !== 'false') throw invalidLookupValue(a.key, "it must be 'true' or 'false'.");
    return { column: 'read_only', value: a.value === 'true' ? 1 : 0 };
  }
  return { column: COLUMNS[a.key], value: a.value } as AuditAttribute;
}
