// A PostgreSQL cluster for a benchmark: a throwaway one (scripts/test-servers/postgres.sh) made
// durable again — the script turns fsync and synchronous commit off for tests, a benchmark
// that compares with SQLite at --durability full wants every acknowledged commit flushed — or
// the one named by IMAGO_BENCH_PG_URL (a superuser's URL; used as it is configured). Each
// measured server gets a database of its own, dropped again by stop().
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { ROOT } from './peers.js';
import { childrenOf, cpuSeconds } from './process-io.js';

export interface PostgresCluster {
  /** the superuser's URL */
  url: string;
  /** how it commits, e.g. `fsync=on synchronous_commit=on (throwaway cluster, PostgreSQL 15.x)` */
  settings: string;
  /** a fresh database (C collation, as Imago requires), optionally with per-database settings */
  createDatabase(settings?: Record<string, string>): Promise<string>;
  /** the throwaway cluster, on this machine (its CPU time is known) */
  local: boolean;
  /** CPU seconds the cluster has used so far (postmaster, live and exited backends), when it is the throwaway one on this machine */
  cpuSeconds(): number | undefined;
  stop(): Promise<void>;
}

async function withClient<T>(url: string, fn: (c: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const show = (url: string, name: string) => withClient(url, async (c) => (await c.query<Record<string, string>>(`SHOW ${name}`)).rows[0][name]);

/** ANALYZE every table of a database, as autovacuum does once enough rows changed (by default within a minute). */
export async function analyze(databaseUrl: string): Promise<void> {
  await withClient(databaseUrl, (c) => c.query('ANALYZE'));
}

export async function startPostgres(): Promise<PostgresCluster> {
  const given = process.env.IMAGO_BENCH_PG_URL;
  let url: string;
  let stopCluster = async () => {};
  let pidFile: string | undefined;
  let origin: string;
  if (given) {
    url = given;
    origin = 'IMAGO_BENCH_PG_URL, as configured';
  } else {
    const dir = mkdtempSync(join(tmpdir(), 'imago-bench-pg-'));
    const script = join(ROOT, 'scripts/test-servers/postgres.sh');
    const stdout = execFileSync('bash', [script, 'start', dir], { encoding: 'utf8' });
    const found = /^DATABASE_URL=(.+)$/m.exec(stdout)?.[1];
    if (!found) throw new Error(`postgres.sh printed no DATABASE_URL:\n${stdout}`);
    url = found;
    pidFile = join(dir, 'data', 'postmaster.pid');
    stopCluster = async () => void execFileSync('bash', [script, 'stop', dir], { stdio: 'inherit' });
    origin = 'throwaway cluster, made durable';
    try {
      await withClient(url, async (c) => {
        for (const s of ['fsync = on', 'synchronous_commit = on', 'full_page_writes = on']) await c.query(`ALTER SYSTEM SET ${s}`);
        await c.query('SELECT pg_reload_conf()');
      });
      for (let i = 0; i < 100 && (await show(url, 'fsync')) !== 'on'; i++) await new Promise((r) => setTimeout(r, 50));
    } catch (e) {
      await stopCluster();
      throw e;
    }
  }
  const version = (await show(url, 'server_version')).split(' ')[0];
  const settings = `fsync=${await show(url, 'fsync')} synchronous_commit=${await show(url, 'synchronous_commit')} (${origin}, PostgreSQL ${version})`;
  const made: string[] = [];
  return {
    url,
    settings,
    local: !given,
    async createDatabase(dbSettings = {}) {
      const name = `imago_bench_${Date.now().toString(36)}_${made.length}`;
      await withClient(url, async (c) => {
        await c.query(`CREATE DATABASE ${name} TEMPLATE template0 LC_COLLATE 'C' LC_CTYPE 'C' ENCODING 'UTF8'`);
        for (const [k, v] of Object.entries(dbSettings)) await c.query(`ALTER DATABASE ${name} SET ${k} = ${v}`);
      });
      made.push(name);
      const u = new URL(url);
      u.pathname = `/${name}`;
      return u.toString();
    },
    cpuSeconds() {
      if (!pidFile || !existsSync(pidFile)) return undefined;
      const postmaster = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
      return childrenOf(postmaster).reduce((sum, pid) => sum + (cpuSeconds(pid) ?? 0), cpuSeconds(postmaster, true) ?? 0);
    },
    async stop() {
      if (given) {
        await withClient(url, async (c) => {
          for (const name of made) await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
        });
      }
      await stopCluster();
    },
  };
}
