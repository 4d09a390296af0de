// `imago audit`: the audit trail of a data dir, one line per event (time, account, principal,
// source, name, error), oldest first; `--follow` keeps printing new events as they are written.
// It reads the metadata database directly, read-only (SQLite opened with readonly, or the
// PostgreSQL database the data dir names), so it works on a stopped server's data dir and beside
// a running one, which goes on writing (SQLite's WAL lets a reader in without blocking it).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import BetterSqlite3 from 'better-sqlite3';
import { Kysely, SqliteDialect } from 'kysely';
import { DEFAULTS } from '../config/config.js';
import type { Database } from '../store/schema.js';
import { openPostgres } from '../store/dialects/postgres.js';
import { AuditEventsRepo, type AuditTail, type StoredAuditEvent } from '../store/repos/audit-events.js';

export const AUDIT_USAGE = `  audit     print the audit trail, one line per call: time, account, principal, source,
            name, error (management and data events, oldest first)
            --account ID  --region R  --principal ARN|USER|KEY  --event-name NAME
            --since TIME        an ISO time or a duration back from now (30s, 15m, 2h, 7d)
            --limit N           the newest N events (default 100; with --since: all since)
            --follow            then print new events as they are written (Ctrl-C stops)
            --json              one CloudTrail record (JSON) per line instead
            (read-only, on a data dir — --data-dir DIR, --database URL if it has one — whether
             its server is stopped or running)
`;

export class AuditUsageError extends Error {}

const POLL_MS = 500;

/** An ISO time, or a duration back from `now` (`30s`, `15m`, `2h`, `7d`); ms since the epoch. */
export function parseSince(value: string, now = Date.now()): number {
  const rel = /^(\d+)([smhd])$/.exec(value);
  if (rel) return now - Number(rel[1]) * { s: 1000, m: 60_000, h: 3600_000, d: 86_400_000 }[rel[2] as 's' | 'm' | 'h' | 'd'];
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw new AuditUsageError(`--since must be an ISO time or a duration like 15m, 2h, 7d; got ${value}`);
  return t;
}

export function formatEvent(e: StoredAuditEvent): string {
  const time = new Date(e.event_time).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return [time, e.account_id, e.principal_arn, e.event_source, e.event_name, e.error_code ?? '-'].join('  ');
}

async function openReadOnly(dataDir: string, databaseUrl: string | undefined): Promise<Kysely<Database>> {
  if (databaseUrl) return openPostgres(databaseUrl, { poolSize: 1 });
  if (existsSync(join(dataDir, 'database.json'))) throw new AuditUsageError(`the metadata of ${dataDir} is in PostgreSQL: pass --database postgres://… (or IMAGO_DATABASE_URL)`);
  const file = join(dataDir, 'metadata.sqlite');
  if (!existsSync(file)) throw new AuditUsageError(`${dataDir} has no metadata (metadata.sqlite): is it a data dir?`);
  const raw = new BetterSqlite3(file, { readonly: true, fileMustExist: true });
  raw.pragma('busy_timeout = 5000');
  return new Kysely<Database>({ dialect: new SqliteDialect({ database: raw }) });
}

export async function auditCommand(args: string[], out: (line: string) => void = (l) => process.stdout.write(`${l}\n`)): Promise<void> {
  const { values } = parseArgs({
    args,
    options: {
      'data-dir': { type: 'string' },
      database: { type: 'string' },
      account: { type: 'string' },
      region: { type: 'string' },
      principal: { type: 'string' },
      'event-name': { type: 'string' },
      since: { type: 'string' },
      limit: { type: 'string' },
      follow: { type: 'boolean' },
      json: { type: 'boolean' },
    },
    strict: true,
  });
  if (values.account !== undefined && !/^\d{12}$/.test(values.account)) throw new AuditUsageError('--account must be a 12-digit account id');
  if (values.limit !== undefined && !/^[1-9]\d*$/.test(values.limit)) throw new AuditUsageError('--limit must be a positive whole number');
  const since = values.since === undefined ? undefined : parseSince(values.since);
  const databaseUrl = values.database ?? (process.env.IMAGO_DATABASE_URL || undefined);
  const db = await openReadOnly(values['data-dir'] ?? DEFAULTS.dataDir, databaseUrl);
  const repo = new AuditEventsRepo(db);
  const filter: Omit<AuditTail, 'limit'> = { accountId: values.account, region: values.region, principal: values.principal, eventName: values['event-name'], since };
  const print = (e: StoredAuditEvent) => out(values.json ? e.event : formatEvent(e));
  try {
    const limit = values.limit !== undefined ? Number(values.limit) : since !== undefined ? Number.MAX_SAFE_INTEGER : 100;
    const first = await repo.tail({ ...filter, limit });
    first.forEach(print);
    if (!values.follow) return;
    let seq = first.at(-1)?.seq ?? (await repo.lastSeq());
    for (;;) {
      await new Promise((r) => setTimeout(r, POLL_MS));
      const more = await repo.tail({ ...filter, afterSeq: seq, limit: 1000 });
      more.forEach(print);
      if (more.length) seq = more.at(-1)!.seq;
    }
  } finally {
    await db.destroy();
  }
}
