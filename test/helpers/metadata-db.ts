// A test server's metadata as the tests inspect it, on either engine: the bytes it keeps at rest
// (SQLite's files in the data dir, or a pg_dump of its PostgreSQL database) and plain queries.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import BetterSqlite3 from 'better-sqlite3';
import pg from 'pg';

const MARK = '.test-database-url';

function databaseUrl(dataDir: string): string | undefined {
  const mark = join(dataDir, MARK);
  return existsSync(mark) ? readFileSync(mark, 'utf8') : undefined;
}

/** Where the metadata is and its bytes at rest: each SQLite file, or the database's dump. */
export function metadataAtRest(dataDir: string): { where: string; bytes: Buffer }[] {
  const url = databaseUrl(dataDir);
  if (!url) {
    return readdirSync(dataDir)
      .filter((n) => n.startsWith('metadata.sqlite'))
      .map((n) => ({ where: join(dataDir, n), bytes: readFileSync(join(dataDir, n)) }));
  }
  const bin = readdirSync('/usr/lib/postgresql').sort().at(-1);
  const dump = spawnSync(`/usr/lib/postgresql/${bin}/bin/pg_dump`, ['--data-only', url], { maxBuffer: 1 << 30 });
  if (dump.status !== 0) throw new Error(`pg_dump failed: ${dump.stderr}`);
  return [{ where: `pg_dump of ${new URL(url).pathname.slice(1)}`, bytes: dump.stdout }];
}

/** Rows of a query written with `?` placeholders, on the data dir's engine. */
export async function queryMetadata<T>(dataDir: string, text: string, params: unknown[] = []): Promise<T[]> {
  const url = databaseUrl(dataDir);
  if (!url) {
    const db = new BetterSqlite3(join(dataDir, 'metadata.sqlite'), { readonly: true });
    try {
      return db.prepare(text).all(...params) as T[];
    } finally {
      db.close();
    }
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let n = 0;
    return (await client.query(text.replace(/\?/g, () => `$${++n}`), params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Runs a statement written with `?` placeholders on a stopped server's database (tests that age rows). */
export async function execMetadata(dataDir: string, text: string, params: unknown[] = []): Promise<void> {
  const url = databaseUrl(dataDir);
  if (!url) {
    const db = new BetterSqlite3(join(dataDir, 'metadata.sqlite'));
    try {
      db.prepare(text).run(...params);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    let n = 0;
    await client.query(text.replace(/\?/g, () => `$${++n}`), params);
  } finally {
    await client.end();
  }
}
