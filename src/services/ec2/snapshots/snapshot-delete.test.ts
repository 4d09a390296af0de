// DeleteSnapshot's domain rules: a snapshot a registered holder (an image) uses is InUse with
// AWS's message; otherwise it goes with its permissions and every account's tags.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Scope } from '../../../store/scope.js';
import { openDomain, sampleBlocks, type DomainHarness } from '../../../../test/helpers/storage-domain.js';

const ALICE: Scope = { accountId: '111111111111', region: 'us-east-1' };
const BOB: Scope = { accountId: '222222222222', region: 'us-east-1' };

describe('SnapshotService.delete', () => {
  let d: DomainHarness;
  const holders = new Map<string, string>();

  before(async () => {
    d = await openDomain();
    d.snapshots.registerUser(async (snapshotId) => holders.get(snapshotId));
  });
  after(async () => {
    await d.close();
  });

  test('a snapshot in use by an image cannot be deleted, and DryRun is not reached', async () => {
    const row = await d.snapshotWith(ALICE, 1, sampleBlocks(1));
    holders.set(row.snapshot_id, 'ami-0123456789abcdef0');
    let checked = false;
    await assert.rejects(
      d.snapshots.delete(ALICE, row.snapshot_id, () => (checked = true)),
      (e: { code: string; message: string }) => {
        assert.equal(e.code, 'InvalidSnapshot.InUse');
        assert.equal(e.message, `The snapshot ${row.snapshot_id} is currently in use by ami-0123456789abcdef0`);
        return true;
      },
    );
    assert.equal(checked, false);
    holders.delete(row.snapshot_id);
    await d.snapshots.delete(ALICE, row.snapshot_id);
    assert.equal(await d.store.snapshots.get(row.snapshot_id), undefined);
  });

  test('deleting removes the permissions and every account’s tags', async () => {
    const row = await d.snapshotWith(ALICE, 1, sampleBlocks(1));
    await d.snapshots.sharing.modify(ALICE, row.snapshot_id, { add: [{ userId: BOB.accountId }], remove: [] });
    await d.store.tags.put(ALICE, [{ resourceId: row.snapshot_id, resourceType: 'snapshot', key: 'a', value: '1' }]);
    await d.store.tags.put(BOB, [{ resourceId: row.snapshot_id, resourceType: 'snapshot', key: 'b', value: '2' }]);
    await d.snapshots.delete(ALICE, row.snapshot_id);
    assert.deepEqual(await d.store.snapshots.permissions(row.snapshot_id), []);
    assert.equal((await d.store.tags.forResources(ALICE, [row.snapshot_id])).size, 0);
    assert.equal((await d.store.tags.forResources(BOB, [row.snapshot_id])).size, 0);
  });
});
