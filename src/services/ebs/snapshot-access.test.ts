// SnapshotAccess.blockKey: one KMS open per caller and data key per KEY_TTL_MS, shared by
// concurrent blocks; failures are not kept; `key()` always asks.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { LineageKey } from '../../blocks/block-storage.js';
import type { SnapshotRow } from '../../store/repos/snapshots.js';
import type { Store } from '../../store/store.js';
import type { StorageDomain } from '../ec2/storage-domain.js';
import { KEY_TTL_MS, SnapshotAccess } from './snapshot-access.js';

function harness() {
  let now = 0;
  let opens = 0;
  let fail = false;
  const storage = {
    snapshots: {
      keyFor: async (caller: { accountId: string }, row: SnapshotRow): Promise<LineageKey | undefined> => {
        opens++;
        await new Promise((r) => setTimeout(r, 1));
        if (fail) throw new Error('key disabled');
        return { lineageId: `${caller.accountId}:${row.data_key_id}`, chunkKey: {} as LineageKey['chunkKey'] };
      },
    },
  } as unknown as StorageDomain;
  const access = new SnapshotAccess({} as Store, storage, () => now);
  return {
    access,
    opens: () => opens,
    advance: (ms: number) => (now += ms),
    failing: (f: boolean) => (fail = f),
  };
}

const row = (dataKey: string | null) => ({ data_key_id: dataKey, kms_key_arn: 'arn:aws:kms:us-east-1:111111111111:key/k' }) as SnapshotRow;
const alice = { accountId: '111111111111', region: 'us-east-1' };
const bob = { accountId: '222222222222', region: 'us-east-1' };

describe('SnapshotAccess.blockKey', () => {
  test('unencrypted snapshots need no key', async () => {
    const h = harness();
    assert.equal(await h.access.blockKey(alice, row(null)), undefined);
    assert.equal(h.opens(), 0);
  });

  test('concurrent blocks share one open; it is reused until the TTL passes', async () => {
    const h = harness();
    const keys = await Promise.all(Array.from({ length: 16 }, () => h.access.blockKey(alice, row('dk-1'))));
    assert.equal(h.opens(), 1);
    assert.ok(keys.every((k) => k === keys[0]));
    h.advance(KEY_TTL_MS - 1);
    await h.access.blockKey(alice, row('dk-1'));
    assert.equal(h.opens(), 1, 'within the TTL');
    h.advance(1);
    await h.access.blockKey(alice, row('dk-1'));
    assert.equal(h.opens(), 2, 'asked again after the TTL');
  });

  test('per caller and per data key', async () => {
    const h = harness();
    await h.access.blockKey(alice, row('dk-1'));
    await h.access.blockKey(bob, row('dk-1'));
    await h.access.blockKey(alice, row('dk-2'));
    assert.equal(h.opens(), 3);
  });

  test('a refused open is not kept: the next block asks again', async () => {
    const h = harness();
    h.failing(true);
    await assert.rejects(h.access.blockKey(alice, row('dk-1')), /key disabled/);
    h.failing(false);
    assert.ok(await h.access.blockKey(alice, row('dk-1')));
    assert.equal(h.opens(), 2);
  });

  test('a revocation takes effect for blocks once the TTL passes; key() always asks', async () => {
    const h = harness();
    await h.access.blockKey(alice, row('dk-1'));
    h.failing(true);
    assert.ok(await h.access.blockKey(alice, row('dk-1')), 'the open key is still used within the TTL');
    await assert.rejects(h.access.key(alice, row('dk-1')), /key disabled/);
    h.advance(KEY_TTL_MS);
    await assert.rejects(h.access.blockKey(alice, row('dk-1')), /key disabled/);
  });
});
