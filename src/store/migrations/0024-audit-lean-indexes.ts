// The audit trail's write cost (issue 11 §6: "no measurable drop in RunInstances x1"): every
// index is another b-tree page each round dirties and the WAL sync writes. Dropped: ReadOnly and
// EventSource lookups (two and a handful of values: a filter over audit_events_time, newest
// first, finds a page of them after a short scan, as EXPLAIN QUERY PLAN shows: SEARCH
// audit_events USING INDEX audit_events_time), and the resources' age index (retention deletes
// resources by event_id, their primary key's first column; nothing else reads it).
import type { Kysely } from 'kysely';

export async function up(db: Kysely<unknown>): Promise<void> {
  for (const name of ['audit_events_read_only', 'audit_events_source', 'audit_event_resources_age']) await db.schema.dropIndex(name).ifExists().execute();
}
