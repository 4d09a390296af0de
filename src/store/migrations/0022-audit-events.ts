// The audit trail (issue 11 §6): one row per API call that reached an account — the CloudTrail
// record as JSON (`event`) plus the columns LookupEvents and `imago audit` select on — and the
// resources each event names. Every lookup is per account and region, management events only
// (data events are recorded but not looked up), newest first: each index leads with
// (account_id, region, management), then the attribute, then event_time. `seq` orders the rows
// as they were written (the tail `imago audit --follow` reads; a tie-breaker for equal times).
import { sql, type Kysely } from 'kysely';
import { dialectOf, intType } from '../dialects/dialect.js';

export async function up(db: Kysely<unknown>): Promise<void> {
  const int = intType(db);
  const postgres = dialectOf(db) === 'postgres';
  await db.schema
    .createTable('audit_events')
    // SQLite: INTEGER PRIMARY KEY AUTOINCREMENT (never reused, even once pruned); PostgreSQL: bigserial
    .addColumn('seq', postgres ? 'bigserial' : 'integer', (c) => (postgres ? c.primaryKey() : c.primaryKey().autoIncrement()))
    .addColumn('event_id', 'text', (c) => c.notNull().unique())
    .addColumn('account_id', 'text', (c) => c.notNull())
    .addColumn('region', 'text', (c) => c.notNull())
    .addColumn('management', int, (c) => c.notNull())
    .addColumn('event_time', int, (c) => c.notNull())
    .addColumn('event_source', 'text', (c) => c.notNull())
    .addColumn('event_name', 'text', (c) => c.notNull())
    .addColumn('read_only', int, (c) => c.notNull())
    .addColumn('username', 'text', (c) => c.notNull())
    .addColumn('principal_arn', 'text', (c) => c.notNull())
    .addColumn('access_key_id', 'text', (c) => c.notNull())
    .addColumn('error_code', 'text')
    .addColumn('resources', 'text', (c) => c.notNull())
    .addColumn('event', 'text', (c) => c.notNull())
    .execute();
  const byTime = ['account_id', 'region', 'management'];
  await db.schema.createIndex('audit_events_time').on('audit_events').columns([...byTime, 'event_time', 'seq']).execute();
  for (const [name, column] of [
    ['name', 'event_name'],
    ['source', 'event_source'],
    ['read_only', 'read_only'],
    ['username', 'username'],
    ['access_key', 'access_key_id'],
  ]) {
    await db.schema.createIndex(`audit_events_${name}`).on('audit_events').columns([...byTime, column, 'event_time']).execute();
  }
  // retention: the oldest rows, whatever their account
  await db.schema.createIndex('audit_events_age').on('audit_events').column('event_time').execute();

  await sql`CREATE TABLE audit_event_resources (
    event_id TEXT NOT NULL,
    account_id TEXT NOT NULL,
    region TEXT NOT NULL,
    management ${sql.raw(int)} NOT NULL,
    resource_type TEXT NOT NULL,
    resource_name TEXT NOT NULL,
    event_time ${sql.raw(int)} NOT NULL,
    PRIMARY KEY (event_id, resource_type, resource_name)
  )`.execute(db);
  await db.schema.createIndex('audit_event_resources_type').on('audit_event_resources').columns([...byTime, 'resource_type', 'event_time']).execute();
  await db.schema.createIndex('audit_event_resources_name').on('audit_event_resources').columns([...byTime, 'resource_name', 'event_time']).execute();
  await db.schema.createIndex('audit_event_resources_age').on('audit_event_resources').column('event_time').execute();
}
