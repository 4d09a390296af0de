import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from './store.js';
import { insertRows } from './insert-rows.js';

async function withStore(f: (store: Store) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'imago-insert-rows-'));
  const store = await Store.open({ dataDir: dir, durability: 'normal' });
  try {
    await f(store);
  } finally {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const tag = (i: number, value: string | undefined = `v${i}`) => ({ account_id: '111111111111', region: 'us-east-1', resource_id: `i-${String(i).padStart(17, '0')}`, key: 'k', value });

test('rows of one shape go in as written, across statements when the parameter limit asks', () =>
  withStore(async (store) => {
    // 6 columns: 5000 per statement, so 12,001 rows take three statements
    const rows = Array.from({ length: 12_001 }, (_, i) => ({ ...tag(i), resource_type: 'instance' }));
    await insertRows(store.db, 'tags', rows as never);
    const back = await store.db.selectFrom('tags').selectAll().orderBy('resource_id').execute();
    assert.equal(back.length, 12_001);
    assert.deepEqual(
      { ...back[42] },
      { ...back[42], ...rows[42] },
    );
    assert.equal(back[12_000].value, 'v12000');
  }));

test('rows of differing shapes or with undefined values go through the builder; a failing statement writes nothing', () =>
  withStore(async (store) => {
    // key order differs: the builder
    await insertRows(store.db, 'tags', [{ ...tag(1), resource_type: 'instance' }, { resource_type: 'volume', ...tag(2) }] as never);
    // undefined means "omitted" (NULL here), as Kysely has it
    const job = (id: string, last_error?: string) => ({ job_id: id, kind: 'k', payload: '{}', run_at: '2026-01-01T00:00:00.000Z', attempts: 0, last_error, created_at: '2026-01-01T00:00:00.000Z', rerun: 0 });
    await insertRows(store.db, 'jobs', [job('a', undefined), job('b', 'boom')]);
    const jobs = await store.db.selectFrom('jobs').select(['job_id', 'last_error']).orderBy('job_id').execute();
    assert.deepEqual(jobs.map((j) => ({ ...j })), [{ job_id: 'a', last_error: null }, { job_id: 'b', last_error: 'boom' }]);
    // a duplicate key fails the statement, and its other rows are not written
    await assert.rejects(insertRows(store.db, 'tags', [{ ...tag(3), resource_type: 'instance' }, { ...tag(1), resource_type: 'instance' }] as never), /UNIQUE|constraint/i);
    await insertRows(store.db, 'tags', []);
    assert.deepEqual((await store.db.selectFrom('tags').select('resource_id').orderBy('resource_id').execute()).map((r) => r.resource_id), [tag(1).resource_id, tag(2).resource_id]);
  }));

test('ignoreConflicts skips the rows a unique key already holds and writes the others (both paths)', () =>
  withStore(async (store) => {
    await insertRows(store.db, 'tags', [{ ...tag(1), resource_type: 'instance' }]);
    // same shape: the direct text, ON CONFLICT DO NOTHING
    await insertRows(store.db, 'tags', [{ ...tag(1, 'changed'), resource_type: 'instance' }, { ...tag(2), resource_type: 'instance' }], { ignoreConflicts: true });
    // an undefined value: the builder, the same
    await insertRows(store.db, 'tags', [{ ...tag(2, undefined), resource_type: 'instance' }, { ...tag(3), resource_type: 'instance' }] as never, { ignoreConflicts: true });
    const back = await store.db.selectFrom('tags').select(['resource_id', 'value']).orderBy('resource_id').execute();
    assert.deepEqual(back.map((r) => [r.resource_id, r.value]), [[tag(1).resource_id, 'v1'], [tag(2).resource_id, 'v2'], [tag(3).resource_id, 'v3']]);
  }));
