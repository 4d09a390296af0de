// The database of a test server: SQLite in its data dir, or — in the run over PostgreSQL
// (IMAGO_TEST_DATABASE=postgres, the cluster at IMAGO_TEST_PG_URL) — a PostgreSQL database made
// for that data dir and kept for its restarts (its URL in the data dir).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import pg from 'pg';

const MARK = '.test-database-url';

export function onPostgres(): boolean {
  return process.env.IMAGO_TEST_DATABASE === 'postgres';
}

/** A fresh database on the test cluster; its URL. */
export async function createDatabase(): Promise<string> {
  const admin = process.env.IMAGO_TEST_PG_URL;
  if (!admin) throw new Error('IMAGO_TEST_DATABASE=postgres needs IMAGO_TEST_PG_URL (npm test starts the cluster: scripts/test-servers/postgres.sh)');
  const name = `imago_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name} TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C' ENCODING 'UTF8'`);
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  return url.toString();
}

/** `--database URL` for a server on this data dir, when the run is over PostgreSQL. */
export async function databaseArgs(dataDir: string): Promise<string[]> {
  if (!onPostgres()) return [];
  mkdirSync(dataDir, { recursive: true });
  const mark = join(dataDir, MARK);
  let url = existsSync(mark) ? readFileSync(mark, 'utf8') : undefined;
  if (!url) writeFileSync(mark, (url = await createDatabase()));
  return ['--database', url];
}

/** The environment an operator command (`imago gc|fsck|images --data-dir`) needs to find the data dir's database. */
export function databaseEnv(dataDir: string): Record<string, string> {
  const mark = join(dataDir, MARK);
  return existsSync(mark) ? { IMAGO_DATABASE_URL: readFileSync(mark, 'utf8') } : {};
}

/** Makes `url` the data dir's database for the metadata helpers (metadataAtRest, queryMetadata, databaseEnv), as databaseArgs does. */
export function useDatabase(dataDir: string, url: string): void {
  mkdirSync(dataDir, { recursive: true });
  writeFileSync(join(dataDir, MARK), url);
}
