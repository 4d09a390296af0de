// test-servers: postgres
// The store's contract on PostgreSQL (a database of its own on the test cluster npm test starts:
// IMAGO_TEST_PG_URL), and what only PostgreSQL checks: the C collation, a clear refusal of a
// data dir whose metadata is in SQLite.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { createDatabase } from '../../test/helpers/test-database.js';
import { storeConformance } from './store.conformance.js';
import { Store } from './store.js';
import { DatabaseConfigError } from './dialects/postgres.js';

if (!process.env.IMAGO_TEST_PG_URL) throw new Error('this test needs PostgreSQL: IMAGO_TEST_PG_URL is not set (npm test starts one: scripts/test-servers/postgres.sh)');

storeConformance('postgres', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'imago-store-pg-'));
  const databaseUrl = await createDatabase();
  const open = () => Store.open({ dataDir: dir, durability: 'full', databaseUrl });
  return { open, reopen: open, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

test('postgres: a database without the C collation is refused with how to make one', async () => {
  const admin = process.env.IMAGO_TEST_PG_URL!;
  const name = `imago_collated_${process.pid}`;
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE ${name} TEMPLATE template0 LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' ENCODING 'UTF8'`).catch(() =>
      client.query(`CREATE DATABASE ${name} TEMPLATE template0 LC_COLLATE 'en_US.UTF-8' LC_CTYPE 'en_US.UTF-8' ENCODING 'UTF8'`),
    );
  } finally {
    await client.end();
  }
  const url = new URL(admin);
  url.pathname = `/${name}`;
  const dir = mkdtempSync(join(tmpdir(), 'imago-store-pg-'));
  try {
    await assert.rejects(Store.open({ dataDir: dir, durability: 'full', databaseUrl: url.toString() }), (e) => e instanceof DatabaseConfigError && /collation is .*C \(byte order\)/.test(e.message));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('postgres: a data dir keeps its engine; switching is refused, not silently empty', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'imago-store-pg-'));
  try {
    const databaseUrl = await createDatabase();
    await (await Store.open({ dataDir: dir, durability: 'full', databaseUrl })).close();
    await assert.rejects(Store.open({ dataDir: dir, durability: 'full' }), /is in PostgreSQL: pass --database/);
    const sqliteDir = mkdtempSync(join(tmpdir(), 'imago-store-sqlite-'));
    await (await Store.open({ dataDir: sqliteDir, durability: 'full' })).close();
    await assert.rejects(Store.open({ dataDir: sqliteDir, durability: 'full', databaseUrl }), /is in SQLite/);
    rmSync(sqliteDir, { recursive: true, force: true });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
