import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { WalBarrier } from './wal-barrier.js';

function wal(): { path: string; done(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'imago-wal-'));
  const path = join(dir, 'db-wal');
  writeFileSync(path, 'frames');
  return { path, done: () => rmSync(dir, { recursive: true, force: true }) };
}

test('a barrier syncs only when something was written since the last sync', async () => {
  const f = wal();
  const b = new WalBarrier(f.path, true);
  try {
    await b.barrier();
    assert.equal(b.syncCount, 0, 'nothing written: nothing to sync');
    b.noteWrite();
    await b.barrier();
    assert.equal(b.syncCount, 1);
    await b.barrier();
    assert.equal(b.syncCount, 1, 'already durable');
  } finally {
    await b.close();
    f.done();
  }
});

test('concurrent barriers share syncs; a write during a sync gets a sync of its own', async () => {
  const f = wal();
  const b = new WalBarrier(f.path, true);
  try {
    b.noteWrite();
    const first = Array.from({ length: 10 }, () => b.barrier());
    b.noteWrite(); // after the sync started? either way it must be covered before its barrier resolves
    const late = b.barrier();
    await Promise.all([...first, late]);
    assert.ok(b.syncCount >= 1 && b.syncCount <= 2, `${b.syncCount} syncs for 11 barriers`);
    const before = b.syncCount;
    b.noteWrite();
    await Promise.all([b.barrier(), b.barrier(), b.barrier()]);
    assert.equal(b.syncCount, before + 1);
  } finally {
    await b.close();
    f.done();
  }
});

test('disabled (durability normal) and closed barriers return at once', async () => {
  const f = wal();
  const off = new WalBarrier(join(f.path, 'missing'), false);
  off.noteWrite();
  await off.barrier(); // would fail to open the path if it tried
  assert.equal(off.syncCount, 0);
  const b = new WalBarrier(f.path, true);
  await b.close();
  b.noteWrite();
  await b.barrier();
  assert.equal(b.syncCount, 0);
  f.done();
});

test('a failed sync rejects the barrier (nothing is acknowledged)', async () => {
  const b = new WalBarrier('/nonexistent/dir/db-wal', true);
  b.noteWrite();
  await assert.rejects(b.barrier(), /ENOENT/);
  await b.close();
});

test("audit rows: a reader's barrier does not sync for them; barrier({ audit: true }) does, and one sync covers both kinds", async () => {
  const f = wal();
  const b = new WalBarrier(f.path, true);
  try {
    await b.asAudit(async () => b.noteWrite());
    await b.barrier();
    assert.equal(b.syncCount, 0, 'audit rows only: a read answers without a sync');
    await b.barrier({ audit: true });
    assert.equal(b.syncCount, 1);
    b.noteWrite();
    await b.asAudit(async () => b.noteWrite());
    await b.barrier({ audit: true });
    assert.equal(b.syncCount, 2);
    await b.barrier();
    assert.equal(b.syncCount, 2, 'the data written before the audit rows was in that sync');
  } finally {
    await b.close();
    f.done();
  }
});
