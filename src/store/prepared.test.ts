import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DummyDriver, Kysely, PostgresAdapter, PostgresIntrospector, PostgresQueryCompiler, type CompiledQuery } from 'kysely';
import type { Database } from './schema.js';
import { prepared } from './prepared.js';
import { Store } from './store.js';

const claimLike = prepared((db, owner: string, until: string, at: string, limit: number) =>
  db
    .updateTable('jobs')
    .set({ lease_owner: owner, run_at: until, rerun: 0 })
    .where('job_id', 'in', db.selectFrom('jobs').select('job_id').where('run_at', '<=', at).orderBy('run_at').limit(limit))
    .where('run_at', '<=', at)
    .returningAll(),
);

test('prepared: each call binds its own values where the stand-ins were, constants of the statement kept (SQLite)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'imago-prepared-'));
  const store = await Store.open({ dataDir: dir, durability: 'normal' });
  try {
    const job = (id: string, runAt: string) => ({ job_id: id, kind: 'k', payload: '{}', run_at: runAt });
    await store.jobs.insert(job('a', '2026-01-01T00:00:00.000Z'));
    await store.jobs.insert(job('b', '2026-01-02T00:00:00.000Z'));
    await store.jobs.insert(job('c', '2026-01-03T00:00:00.000Z'));
    const first = await claimLike.all(store.db, 'one', '2030-01-01T00:00:00.000Z', '2026-01-01T12:00:00.000Z', 10);
    assert.deepEqual(first.map((j) => [j.job_id, j.lease_owner, j.run_at, j.rerun]), [['a', 'one', '2030-01-01T00:00:00.000Z', 0]]);
    const second = await claimLike.all(store.db, 'two', '2031-01-01T00:00:00.000Z', '2026-01-05T00:00:00.000Z', 1);
    assert.deepEqual(second.map((j) => [j.job_id, j.lease_owner]), [['b', 'two']]);
    // inside a unit of work, on its connection
    await store.transaction(async (tx) => {
      const third = await claimLike.all(tx.db, 'three', '2032-01-01T00:00:00.000Z', '2026-01-05T00:00:00.000Z', 5);
      assert.deepEqual(third.map((j) => j.job_id), ['c']);
    });
    assert.equal(await claimLike.run(store.db, 'none', 'x', '2000-01-01T00:00:00.000Z', 5), 0);
    assert.equal((await claimLike.first(store.db, 'none', 'x', '2000-01-01T00:00:00.000Z', 5)), undefined);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test("prepared: PostgreSQL's numbered placeholders get the same values in the same places", async () => {
  const seen: CompiledQuery[] = [];
  const driver = new (class extends DummyDriver {
    override async acquireConnection() {
      return { executeQuery: async (q: CompiledQuery) => (seen.push(q), { rows: [] }), streamQuery: async function* () {} };
    }
  })();
  const db = new Kysely<Database>({
    dialect: { createAdapter: () => new PostgresAdapter(), createDriver: () => driver, createIntrospector: (k) => new PostgresIntrospector(k), createQueryCompiler: () => new PostgresQueryCompiler() },
  });
  await claimLike.all(db, 'o1', 'u1', 'a1', 7);
  await claimLike.all(db, 'o2', 'u2', 'a2', 9);
  const direct = db
    .updateTable('jobs')
    .set({ lease_owner: 'o2', run_at: 'u2', rerun: 0 })
    .where('job_id', 'in', db.selectFrom('jobs').select('job_id').where('run_at', '<=', 'a2').orderBy('run_at').limit(9))
    .where('run_at', '<=', 'a2')
    .returningAll()
    .compile();
  assert.equal(seen[1].sql, direct.sql);
  assert.match(seen[1].sql, /\$1/);
  assert.deepEqual(seen[1].parameters, direct.parameters);
  assert.deepEqual(seen[0].parameters, ['o1', 'u1', 0, 'a1', 7, 'a1']);
});
