// CopySnapshot's data path: copies keep the bytes (read back block by block), by reference when
// the encryption stays the same (same map, same data key: nothing rewritten), rewritten when the
// key changes or plaintext gets encrypted; cross-region and cross-account keys; key failures end
// the copy in `error` with a message.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Scope } from '../../../store/scope.js';
import type { SnapshotRow } from '../../../store/repos/snapshots.js';
import { openDomain, sampleBlocks, type DomainHarness } from '../../../../test/helpers/storage-domain.js';

const ALICE: Scope = { accountId: '111111111111', region: 'us-east-1' };
const ALICE_WEST: Scope = { accountId: '111111111111', region: 'us-west-2' };
const BOB: Scope = { accountId: '222222222222', region: 'us-east-1' };

describe('SnapshotService.copy', () => {
  let d: DomainHarness;
  const data = sampleBlocks(5);

  before(async () => {
    d = await openDomain();
  });
  after(async () => {
    await d.close();
  });

  async function copied(caller: Scope, source: SnapshotRow, opts: { encrypted?: boolean; kmsKeyId?: string } = {}): Promise<SnapshotRow> {
    const row = await d.snapshots.copy(caller, source, opts);
    assert.equal(row.state, 'pending');
    await d.settle();
    return (await d.store.snapshots.get(row.snapshot_id))!;
  }

  async function assertSameData(caller: Scope, row: SnapshotRow): Promise<void> {
    assert.equal(row.state, 'completed', row.state_message ?? '');
    for (const [index, bytes] of data) assert.ok((await d.snapshots.readBlock(caller, row, index)).equals(bytes), `block ${index}`);
    assert.ok((await d.snapshots.readBlock(caller, row, 1)).every((b) => b === 0), 'an unwritten block reads as zeros');
  }

  async function customerKey(owner: Scope, sharedWith?: string): Promise<string> {
    const statements = [{ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${owner.accountId}:root` }, Action: 'kms:*', Resource: '*' }];
    if (sharedWith) statements.push({ Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${sharedWith}:root` }, Action: 'kms:*', Resource: '*' });
    return (await d.kms.keys.create(owner, { policy: JSON.stringify({ Version: '2012-10-17', Statement: statements }) })).arn;
  }

  test('an unencrypted copy in the same region shares the source map', async () => {
    const source = await d.snapshotWith(ALICE, 1, data);
    const copy = await copied(ALICE, source);
    assert.equal(copy.map_id, source.map_id);
    assert.equal(copy.encrypted, 0);
    assert.equal(copy.volume_id, 'vol-ffffffff');
    assert.equal(copy.description, `[Copied ${source.snapshot_id} from us-east-1]`);
    await assertSameData(ALICE, copy);
  });

  test('an encrypted copy under the same key is by reference: same map, same data key', async () => {
    const key = await customerKey(ALICE);
    const source = await d.snapshotWith(ALICE, 1, data, key);
    const copy = await copied(ALICE, source);
    assert.equal(copy.map_id, source.map_id);
    assert.equal(copy.data_key_id, source.data_key_id);
    assert.equal(copy.kms_key_arn, key);
    await assertSameData(ALICE, copy);
    // naming the same key explicitly is the same case
    const named = await copied(ALICE, source, { encrypted: true, kmsKeyId: key });
    assert.equal(named.map_id, source.map_id);
  });

  test('a copy under another key rewrites every block, and reads back equal', async () => {
    const source = await d.snapshotWith(ALICE, 1, data, await customerKey(ALICE));
    const other = await customerKey(ALICE);
    const copy = await copied(ALICE, source, { encrypted: true, kmsKeyId: other });
    assert.notEqual(copy.map_id, source.map_id);
    assert.equal(copy.kms_key_arn, other);
    const [a, b] = [await d.blocks.resolve(source.map_id), await d.blocks.resolve(copy.map_id)];
    assert.equal(b.entries.size, data.size);
    for (const [index, chunk] of a.entries) assert.notEqual(b.entries.get(index), chunk, 'a chunk id never repeats across keys');
    await assertSameData(ALICE, copy);
  });

  test('encrypting a plaintext snapshot uses the default key (alias/aws/ebs) and rewrites it', async () => {
    const source = await d.snapshotWith(ALICE, 1, data);
    const copy = await copied(ALICE, source, { encrypted: true });
    assert.equal(copy.encrypted, 1);
    assert.equal(copy.kms_key_arn, await d.defaults.defaultKmsKeyArn(ALICE));
    assert.notEqual(copy.map_id, source.map_id);
    await assertSameData(ALICE, copy);
  });

  test('encryption by default encrypts a copy of a plaintext snapshot', async () => {
    const source = await d.snapshotWith(BOB, 1, data);
    await d.defaults.setEncryptionByDefault(BOB, true);
    try {
      const row = await d.snapshots.copy(BOB, source, {});
      assert.equal(row.encrypted, 1, 'reported encrypted while pending');
      await d.settle();
      await assertSameData(BOB, (await d.store.snapshots.get(row.snapshot_id))!);
    } finally {
      await d.defaults.setEncryptionByDefault(BOB, false);
    }
  });

  test('a cross-region copy of an encrypted snapshot is under the destination region default key', async () => {
    const source = await d.snapshotWith(ALICE, 2, data, await customerKey(ALICE));
    const copy = await copied(ALICE_WEST, source);
    assert.equal(copy.region, 'us-west-2');
    assert.equal(copy.kms_key_arn, await d.defaults.defaultKmsKeyArn(ALICE_WEST));
    assert.equal(copy.volume_size, 2);
    await assertSameData(ALICE_WEST, copy);
  });

  test('another account copies a shared snapshot: by reference when plaintext, under its key when encrypted', async () => {
    const plain = await d.snapshotWith(ALICE, 1, data);
    const plainCopy = await copied(BOB, plain);
    assert.equal(plainCopy.account_id, BOB.accountId);
    assert.equal(plainCopy.map_id, plain.map_id);
    await assertSameData(BOB, plainCopy);

    const shared = await d.snapshotWith(ALICE, 1, data, await customerKey(ALICE, BOB.accountId));
    const copy = await copied(BOB, shared);
    assert.equal(copy.kms_key_arn, await d.defaults.defaultKmsKeyArn(BOB));
    await assertSameData(BOB, copy);
  });

  test('a key the copier may not use ends the copy in error, with the reason', async () => {
    const source = await d.snapshotWith(ALICE, 1, data, await customerKey(ALICE));
    const denied = await copied(BOB, source);
    assert.equal(denied.state, 'error');
    assert.match(denied.state_message ?? '', /AccessDenied/);

    const unknown = await copied(ALICE, source, { encrypted: true, kmsKeyId: 'alias/does-not-exist' });
    assert.equal(unknown.state, 'error');
    assert.match(unknown.state_message ?? '', /NotFound/);
  });

  test('only completed snapshots can be copied', async () => {
    const pending = await d.snapshots.createWritable(ALICE, { sizeGib: 1, source: 'ebs-direct' });
    await assert.rejects(d.snapshots.copy(ALICE, pending, {}), { code: 'IncorrectState' });
  });
});
