// The data path of volumes, in process: a volume made from a snapshot reads exactly the
// snapshot's bytes without copying them; snapshots of a volume hold only its changed blocks;
// encryption outcomes keep the bytes readable (shared lineage key, re-wrapped key, or rewritten
// plaintext); CopyVolumes is a point-in-time copy; ModifyVolume grows an open device; an open
// device keeps the volume from being deleted; unusable keys end creation in `error`.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import type { Scope } from '../../../store/scope.js';
import type { VolumeRow } from '../../../store/repos/volumes.js';
import { BLOCK_SIZE } from '../../../blocks/block-size.js';
import { isServiceError } from '../../../protocol/service-error.js';
import { openDomain, sampleBlocks, type DomainHarness } from '../../../../test/helpers/storage-domain.js';
import { GIB } from '../snapshots/snapshot-service.js';
import type { CreateVolumeRequest } from './volume-service.js';

const ALICE: Scope = { accountId: '111111111111', region: 'us-east-1' };
const BOB: Scope = { accountId: '222222222222', region: 'us-east-1' };

describe('volume data', () => {
  let d: DomainHarness;
  const data = sampleBlocks(6);

  before(async () => {
    d = await openDomain();
  });
  after(async () => {
    await d.close();
  });

  async function created(caller: Scope, req: Partial<CreateVolumeRequest>): Promise<VolumeRow> {
    const row = await d.volumes.create(caller, { availabilityZone: 'us-east-1a', ...req });
    assert.equal(row.state, 'creating');
    await d.settle();
    return (await d.store.volumes.get(row.volume_id))!;
  }

  async function withDevice<T>(row: VolumeRow, fn: (device: Awaited<ReturnType<DomainHarness['volumes']['openDevice']>>['device']) => Promise<T>): Promise<T> {
    const { device, release } = await d.volumes.openDevice(row);
    try {
      return await fn(device);
    } finally {
      await release();
    }
  }

  async function assertHolds(row: VolumeRow, expected: Map<number, Buffer>): Promise<void> {
    assert.equal(row.state, 'available');
    await withDevice(row, async (device) => {
      for (const [index, bytes] of expected) assert.ok((await device.read(index * BLOCK_SIZE, BLOCK_SIZE)).equals(bytes), `block ${index}`);
      assert.ok((await device.read(BLOCK_SIZE, BLOCK_SIZE)).every((b) => b === 0), 'an unwritten block reads as zeros');
    });
  }

  async function customerKey(owner: Scope, sharedWith?: string): Promise<string> {
    const statements = [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${owner.accountId}:root` }, Action: 'kms:*', Resource: '*' }];
    if (sharedWith) statements.push({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${sharedWith}:root` }, Action: 'kms:*', Resource: '*' });
    return (await d.kms.keys.create(owner, { policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }) })).arn;
  }

  test('a volume from a snapshot reads exactly its bytes, sharing its map (nothing copied)', async () => {
    const snap = await d.snapshotWith(ALICE, 1, data);
    const volume = await created(ALICE, { snapshotId: snap.snapshot_id });
    assert.equal(volume.base_map_id, snap.map_id);
    assert.equal(volume.size_gib, 1);
    assert.deepEqual(await d.store.volumes.overlay(volume.volume_id), []);
    await assertHolds(volume, data);
  });

  test('a volume larger than its snapshot reads zeros beyond the snapshot', async () => {
    const snap = await d.snapshotWith(ALICE, 1, data);
    const volume = await created(ALICE, { snapshotId: snap.snapshot_id, sizeGib: 2 });
    await withDevice(volume, async (device) => {
      assert.equal(device.size, 2 * GIB);
      assert.ok((await device.read(2 * GIB - BLOCK_SIZE, BLOCK_SIZE)).every((b) => b === 0));
      assert.ok((await device.read(0, BLOCK_SIZE)).equals(data.get(0)!));
    });
  });

  test('a snapshot of a volume holds only the changed blocks, on top of the volume base', async () => {
    const snap = await d.snapshotWith(ALICE, 1, data);
    const volume = await created(ALICE, { snapshotId: snap.snapshot_id });
    const changed = randomBytes(BLOCK_SIZE);
    const { device, release } = await d.volumes.openDevice(volume);
    await device.write(2 * BLOCK_SIZE, changed);
    await device.write(101 * BLOCK_SIZE + 7, Buffer.from('new block'));
    const second = await d.snapshots.createFromVolume(ALICE, (await d.store.volumes.get(volume.volume_id))!);
    await d.settle();
    const map = (await d.blocks.getMap(second.map_id))!;
    assert.equal(map.parent_map_id, snap.map_id, 'incremental: the new map sits on the snapshot the volume came from');
    assert.equal(await d.store.blockMaps.countEntries(second.map_id), 2, 'two changed blocks, two entries');
    const diff = await d.blocks.changedBlocks(snap.map_id, second.map_id);
    assert.deepEqual(diff.map((c) => c.index), [2, 101]);
    // the volume goes on from the snapshot; later writes do not reach it
    await device.write(2 * BLOCK_SIZE, Buffer.alloc(BLOCK_SIZE, 7));
    await release();
    const reread = (await d.store.snapshots.get(second.snapshot_id))!;
    assert.ok((await d.snapshots.readBlock(ALICE, reread, 2)).equals(changed));
    const restored = await created(ALICE, { snapshotId: second.snapshot_id });
    await assertHolds(restored, new Map([...data, [2, changed]]));
  });

  test('encrypted snapshot of your own: same key, same data key, the blocks are shared', async () => {
    const key = await customerKey(ALICE);
    const snap = await d.snapshotWith(ALICE, 1, data, key);
    const volume = await created(ALICE, { snapshotId: snap.snapshot_id });
    assert.equal(volume.encrypted, 1);
    assert.equal(volume.kms_key_arn, key);
    assert.equal(volume.data_key_id, snap.data_key_id);
    assert.equal(volume.base_map_id, snap.map_id);
    await assertHolds(volume, data);
  });

  test('own encrypted snapshot with another KmsKeyId: the lineage key is re-wrapped, no block rewritten', async () => {
    const snap = await d.snapshotWith(ALICE, 1, data, await customerKey(ALICE));
    const other = await customerKey(ALICE);
    const volume = await created(ALICE, { snapshotId: snap.snapshot_id, encrypted: true, kmsKeyId: other });
    assert.equal(volume.kms_key_arn, other);
    assert.notEqual(volume.data_key_id, snap.data_key_id);
    assert.equal(volume.base_map_id, snap.map_id);
    await assertHolds(volume, data);
  });

  test('an unencrypted snapshot restored encrypted is rewritten under the new key', async () => {
    const snap = await d.snapshotWith(ALICE, 1, data);
    const volume = await created(ALICE, { snapshotId: snap.snapshot_id, encrypted: true });
    assert.equal(volume.kms_key_arn, (await d.defaults.defaultKmsKeyArn(ALICE)));
    assert.notEqual(volume.base_map_id, snap.map_id, 'a new map');
    const map = await d.blocks.resolve(volume.base_map_id!);
    assert.ok(map.lineageId, 'an encrypted lineage');
    assert.notEqual(map.entries.get(0), (await d.blocks.resolve(snap.map_id)).entries.get(0), 'other chunks');
    await assertHolds(volume, data);
  });

  test("another account's encrypted snapshot shared with you: your default key, the same bytes", async () => {
    const bobKey = await customerKey(BOB, ALICE.accountId);
    const snap = await d.snapshotWith(BOB, 1, data, bobKey);
    await d.store.snapshots.changePermissions(snap.snapshot_id, [ALICE.accountId], []);
    const volume = await created(ALICE, { snapshotId: snap.snapshot_id });
    assert.equal(volume.encrypted, 1);
    assert.equal(volume.kms_key_arn, await d.defaults.defaultKmsKeyArn(ALICE));
    assert.notEqual(volume.data_key_id, snap.data_key_id, "ALICE's own wrapping");
    assert.equal(volume.base_map_id, snap.map_id);
    await assertHolds(volume, data);
  });

  test("a shared encrypted snapshot whose key is not shared: the volume ends in error", async () => {
    const snap = await d.snapshotWith(BOB, 1, data, await customerKey(BOB));
    await d.store.snapshots.changePermissions(snap.snapshot_id, [ALICE.accountId], []);
    const volume = await created(ALICE, { snapshotId: snap.snapshot_id });
    assert.equal(volume.state, 'error');
  });

  test('a disabled KMS key: the request succeeds, the volume ends in error', async () => {
    const key = await customerKey(ALICE);
    await d.kms.keys.disable(ALICE, key);
    const volume = await created(ALICE, { sizeGib: 1, encrypted: true, kmsKeyId: key });
    assert.equal(volume.state, 'error');
    assert.equal(volume.kms_key_arn, key);
  });

  test('CopyVolumes: a point-in-time copy, O(changed blocks), independent afterwards', async () => {
    const snap = await d.snapshotWith(ALICE, 1, data);
    const source = await created(ALICE, { snapshotId: snap.snapshot_id });
    const { device, release } = await d.volumes.openDevice(source);
    const written = randomBytes(BLOCK_SIZE);
    await device.write(4 * BLOCK_SIZE, written); // not flushed: the copy must still see it
    const copy = await d.volumes.copy(ALICE, { sourceVolumeId: source.volume_id });
    assert.equal(copy.source_volume_id, source.volume_id);
    assert.equal(await d.store.blockMaps.countEntries(copy.base_map_id!), 1, 'the frozen map holds the one changed block');
    assert.equal((await d.blocks.getMap(copy.base_map_id!))!.parent_map_id, snap.map_id);
    await device.write(4 * BLOCK_SIZE, Buffer.alloc(BLOCK_SIZE, 9));
    await release();
    await d.settle();
    await assertHolds((await d.store.volumes.get(copy.volume_id))!, new Map([...data, [4, written]]));
    await withDevice((await d.store.volumes.get(source.volume_id))!, async (dev) => {
      assert.ok((await dev.read(4 * BLOCK_SIZE, BLOCK_SIZE)).equals(Buffer.alloc(BLOCK_SIZE, 9)));
    });
  });

  test('CopyVolumes of an encrypted volume keeps its key and lineage', async () => {
    const key = await customerKey(ALICE);
    const source = await created(ALICE, { snapshotId: (await d.snapshotWith(ALICE, 1, data, key)).snapshot_id });
    const copy = await d.volumes.copy(ALICE, { sourceVolumeId: source.volume_id, sizeGib: 2 });
    await d.settle();
    const row = (await d.store.volumes.get(copy.volume_id))!;
    assert.equal(row.kms_key_arn, key);
    assert.equal(row.data_key_id, source.data_key_id);
    assert.equal(row.size_gib, 2);
    await assertHolds(row, data);
  });

  test('ModifyVolume grows an open device when the modification reaches optimizing', async () => {
    const volume = await created(ALICE, { sizeGib: 1 });
    const { device, release } = await d.volumes.openDevice(volume);
    try {
      await d.volumes.modifications.modify(ALICE, volume.volume_id, { sizeGib: 3 });
      assert.equal(device.size, GIB, 'not before the job ran');
      await d.settle();
      assert.equal(device.size, 3 * GIB);
      await device.write(3 * GIB - 4, Buffer.from('tail'));
      assert.equal((await device.read(3 * GIB - 4, 4)).toString(), 'tail');
      const row = (await d.store.volumes.get(volume.volume_id))!;
      assert.equal(row.size_gib, 3);
      assert.equal(JSON.parse(row.modification!).state, 'completed');
    } finally {
      await release();
    }
  });

  test('a volume whose device is open (an NBD export) cannot be deleted', async () => {
    const volume = await created(ALICE, { sizeGib: 1 });
    const { release } = await d.volumes.openDevice(volume);
    const err = await d.volumes.delete(ALICE, volume.volume_id).then(() => undefined, (e: unknown) => e);
    assert.ok(isServiceError(err) && err.code === 'VolumeInUse', String(err));
    await release();
    await d.volumes.delete(ALICE, volume.volume_id);
    assert.equal(await d.store.volumes.get(volume.volume_id), undefined);
  });
});
