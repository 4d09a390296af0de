// Storage accounting from block maps: unique vs shared bytes across incremental children, copies
// by reference, deduplicated plaintext across accounts, encrypted lineages (never shared), scopes
// and per-account totals.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { BLOCK_SIZE } from '../../../blocks/block-size.js';
import type { Scope } from '../../../store/scope.js';
import type { SnapshotRow } from '../../../store/repos/snapshots.js';
import { openDomain, type DomainHarness } from '../../../../test/helpers/storage-domain.js';
import { GIB } from './snapshot-service.js';
import { storageAccounting, type SnapshotUsage } from './storage-accounting.js';

const ALICE: Scope = { accountId: '111111111111', region: 'us-east-1' };
const BOB: Scope = { accountId: '222222222222', region: 'us-east-1' };

const block = (label: string) => {
  const b = Buffer.alloc(BLOCK_SIZE, 7);
  b.write(label);
  return b;
};

describe('storageAccounting', () => {
  let d: DomainHarness;
  let s1: SnapshotRow, s2: SnapshotRow, s3: SnapshotRow, s4: SnapshotRow, s5: SnapshotRow;

  before(async () => {
    d = await openDomain();
    // s1: A B C D; s2 (child of s1): E replaces A, F added; s3: a copy of s1 by reference;
    // s4 (Bob): B again (plaintext dedups across accounts); s5: encrypted, its own chunks
    s1 = await d.snapshotWith(ALICE, 1, new Map([[0, block('A')], [1, block('B')], [2, block('C')], [3, block('D')]]));
    const child = await d.snapshots.createWritable(ALICE, { sizeGib: 2, parent: s1, source: 'ebs-direct' });
    await d.blocks.putEntries(child.map_id, [[0, await d.blocks.storeBlock(block('E'))], [10, await d.blocks.storeBlock(block('F'))]]);
    await d.snapshots.seal(child, true);
    s2 = (await d.store.snapshots.get(child.snapshot_id))!;
    const copy = await d.snapshots.copy(ALICE, s1, {});
    await d.settle();
    s3 = (await d.store.snapshots.get(copy.snapshot_id))!;
    s4 = await d.snapshotWith(BOB, 1, new Map([[5, block('B')]]));
    s5 = await d.snapshotWith(ALICE, 1, new Map([[0, block('A')], [1, block('G')]]), (await d.kms.keys.create(ALICE, {})).arn);
  });
  after(async () => {
    await d.close();
  });

  const blocks = (n: number) => n * BLOCK_SIZE;
  const usage = (list: SnapshotUsage[], row: SnapshotRow) => list.find((u) => u.snapshotId === row.snapshot_id)!;

  test('each snapshot: logical size, data, unique and shared bytes', async () => {
    const report = await storageAccounting(d);
    assert.deepEqual(usage(report.snapshots, s1), {
      snapshotId: s1.snapshot_id,
      accountId: ALICE.accountId,
      region: 'us-east-1',
      state: 'completed',
      volumeSizeBytes: GIB,
      dataBytes: blocks(4),
      uniqueBytes: 0, // every chunk is also s3's (same map)
      sharedBytes: blocks(4),
    });
    const u2 = usage(report.snapshots, s2);
    assert.deepEqual([u2.volumeSizeBytes, u2.dataBytes, u2.uniqueBytes, u2.sharedBytes], [2 * GIB, blocks(5), blocks(2), blocks(3)]);
    const u4 = usage(report.snapshots, s4);
    assert.deepEqual([u4.dataBytes, u4.uniqueBytes, u4.sharedBytes], [blocks(1), 0, blocks(1)]);
    const u5 = usage(report.snapshots, s5);
    assert.deepEqual([u5.dataBytes, u5.uniqueBytes, u5.sharedBytes], [blocks(2), blocks(2), 0], 'an encrypted lineage shares nothing with plaintext');
  });

  test('deleting a snapshot turns what it shared into the others’ unique bytes', async () => {
    const before = usage((await storageAccounting(d)).snapshots, s2).uniqueBytes;
    await d.snapshots.delete(ALICE, s3.snapshot_id);
    const report = await storageAccounting(d);
    assert.equal(usage(report.snapshots, s1).uniqueBytes, blocks(1), 'A is now s1’s alone');
    assert.equal(usage(report.snapshots, s2).uniqueBytes, before);
    assert.equal(report.snapshots.some((u) => u.snapshotId === s3.snapshot_id), false);
  });

  test('a scope narrows what is reported, not what counts as shared', async () => {
    const bob = await storageAccounting(d, { accountId: BOB.accountId });
    assert.deepEqual(bob.snapshots.map((u) => u.snapshotId), [s4.snapshot_id]);
    assert.equal(bob.snapshots[0].sharedBytes, blocks(1), 'B is still shared with Alice’s snapshots');
    assert.deepEqual(bob.accounts, [
      { accountId: BOB.accountId, region: 'us-east-1', snapshots: 1, volumeSizeBytes: GIB, dataBytes: blocks(1), uniqueBytes: 0, storedBytes: blocks(1) },
    ]);
    assert.deepEqual((await storageAccounting(d, { region: 'eu-west-1' })).snapshots, []);
  });

  test('per-account totals', async () => {
    const [alice] = (await storageAccounting(d, { accountId: ALICE.accountId, region: 'us-east-1' })).accounts;
    // s1 (A B C D), s2 (E B C D F), s5 (A' G'): 4 + 5 + 2 data blocks; distinct chunks A B C D E F A' G'
    assert.deepEqual(alice, {
      accountId: ALICE.accountId,
      region: 'us-east-1',
      snapshots: 3,
      volumeSizeBytes: 4 * GIB,
      dataBytes: blocks(11),
      uniqueBytes: blocks(1 + 2 + 2),
      storedBytes: blocks(8),
    });
  });
});
