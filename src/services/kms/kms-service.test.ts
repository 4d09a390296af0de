// The in-process domain API other services call, over a real store in a temp directory.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { Store } from '../../store/store.js';
import { isServiceError } from '../../protocol/service-error.js';
import { KmsService } from './kms-service.js';
import { KeyWrapper } from './key-wrap.js';

const ALICE = { accountId: '111111111111', region: 'us-east-1' };
const BOB = { accountId: '222222222222', region: 'us-east-1' };

async function rejectsWith(p: Promise<unknown>, code: string): Promise<void> {
  await assert.rejects(p, (e) => {
    assert.ok(isServiceError(e), String(e));
    assert.equal(e.code, code, e.message);
    return true;
  });
}

describe('KmsService (domain API)', () => {
  let dir: string;
  let store: Store;
  let kms: KmsService;
  const masterKey = randomBytes(32);
  let clock = Date.now();

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imago-kms-'));
    store = await Store.open({ dataDir: dir, durability: 'normal' });
    kms = new KmsService(store, masterKey, { now: () => new Date(clock) });
  });
  after(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('ensureAwsManagedKey creates alias/aws/ebs once, even when raced', async () => {
    const scope = { accountId: '333333333333', region: 'eu-west-1' };
    const all = await Promise.all(Array.from({ length: 8 }, () => kms.ensureAwsManagedKey(scope, 'ebs')));
    assert.equal(new Set(all.map((k) => k.keyId)).size, 1);
    const k = all[0];
    assert.deepEqual(k, {
      keyId: k.keyId,
      arn: `arn:aws:kms:eu-west-1:333333333333:key/${k.keyId}`,
      accountId: '333333333333',
      region: 'eu-west-1',
      state: 'Enabled',
      keyManager: 'AWS',
      description: 'Default key that protects my EBS volumes when no other key is defined',
      aliasNames: ['alias/aws/ebs'],
    });
    assert.equal((await kms.describeKey(scope, 'alias/aws/ebs')).keyId, k.keyId);
    assert.equal((await kms.keys.list(scope, {})).items.length, 1);
  });

  test('describeKey by every identifier form, with alias names', async () => {
    const k = await kms.keys.create(ALICE, { description: 'd' });
    await kms.aliases.create(ALICE, 'alias/one', k.keyId);
    await kms.aliases.create(ALICE, 'alias/two', k.arn);
    for (const ref of [k.keyId, k.arn, 'alias/one', `arn:aws:kms:us-east-1:${ALICE.accountId}:alias/two`]) {
      const info = await kms.describeKey(ALICE, ref);
      assert.equal(info.keyId, k.keyId);
      assert.deepEqual(info.aliasNames, ['alias/one', 'alias/two']);
      assert.equal(info.keyManager, 'CUSTOMER');
    }
    await rejectsWith(kms.describeKey(ALICE, 'alias/none'), 'NotFoundException');
    await rejectsWith(kms.describeKey(BOB, k.arn), 'AccessDeniedException');
  });

  test('data keys: generate, decrypt with the same context, re-wrap across accounts', async () => {
    const k = await kms.keys.create(ALICE, {});
    const ctx = { 'aws:ebs:id': 'snap-0123' };
    const dk = await kms.generateDataKey(ALICE, k.keyId, ctx);
    assert.equal(dk.plaintext.length, 32);
    assert.equal(dk.keyArn, k.arn);
    assert.deepEqual((await kms.decryptDataKey(ALICE, dk.ciphertext, ctx)).plaintext, dk.plaintext);
    await rejectsWith(kms.decryptDataKey(ALICE, dk.ciphertext), 'InvalidCiphertextException');
    await rejectsWith(kms.decryptDataKey(BOB, dk.ciphertext, ctx), 'AccessDeniedException');

    // Alice shares the key with Bob by policy; Bob re-wraps the data key under his own key
    await kms.keys.putPolicy(
      ALICE,
      k.keyId,
      JSON.stringify({
        Statement: [
          { Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${ALICE.accountId}:root` }, Action: 'kms:*', Resource: '*' },
          { Effect: 'Allow', Principal: { AWS: BOB.accountId }, Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:ReEncrypt*', 'kms:CreateGrant'], Resource: '*' },
        ],
      }),
    );
    const bobKey = await kms.ensureAwsManagedKey(BOB, 'ebs');
    const rewrapped = await kms.reEncrypt(BOB, dk.ciphertext, 'alias/aws/ebs', ctx, { 'aws:ebs:id': 'vol-9' });
    assert.equal(rewrapped.keyArn, bobKey.arn);
    assert.deepEqual((await kms.decryptDataKey(BOB, rewrapped.ciphertext, { 'aws:ebs:id': 'vol-9' })).plaintext, dk.plaintext);
    // Alice may not use Bob's AWS managed key
    await rejectsWith(kms.reEncrypt(ALICE, dk.ciphertext, bobKey.arn, ctx), 'AccessDeniedException');
  });

  test('checkAccess: policy, grants, key states', async () => {
    const k = await kms.keys.create(ALICE, {});
    assert.equal((await kms.checkAccess(ALICE, k.arn, ['Decrypt', 'GenerateDataKeyWithoutPlaintext', 'DescribeKey'])).keyId, k.keyId);
    await rejectsWith(kms.checkAccess(BOB, k.arn, ['DescribeKey']), 'AccessDeniedException');
    await kms.grants.create(ALICE, { keyRef: k.keyId, granteePrincipal: `arn:aws:iam::${BOB.accountId}:root`, operations: ['Decrypt', 'DescribeKey'] });
    await kms.checkAccess(BOB, k.arn, ['Decrypt', 'DescribeKey']);
    await rejectsWith(kms.checkAccess(BOB, k.arn, ['Decrypt', 'ReEncryptFrom']), 'AccessDeniedException');
    await kms.keys.disable(ALICE, k.keyId);
    await rejectsWith(kms.checkAccess(BOB, k.arn, ['Decrypt']), 'DisabledException');
    assert.equal((await kms.checkAccess(BOB, k.arn, ['DescribeKey'])).state, 'Disabled');
    await kms.keys.scheduleDeletion(ALICE, k.keyId, 7);
    await rejectsWith(kms.checkAccess(ALICE, k.keyId, ['Encrypt']), 'KMSInvalidStateException');
    assert.equal((await kms.describeKey(ALICE, k.keyId)).state, 'PendingDeletion');
  });

  test('a key past its deletion date is gone, with its aliases and grants', async () => {
    const scope = { accountId: '444444444444', region: 'us-east-1' };
    const k = await kms.keys.create(scope, {});
    await kms.aliases.create(scope, 'alias/doomed', k.keyId);
    const blob = (await kms.generateDataKey(scope, 'alias/doomed')).ciphertext;
    await kms.keys.scheduleDeletion(scope, k.keyId, 7);
    clock += 6 * 86_400_000;
    assert.equal((await kms.describeKey(scope, k.keyId)).state, 'PendingDeletion');
    clock += 2 * 86_400_000;
    await rejectsWith(kms.describeKey(scope, k.keyId), 'NotFoundException');
    await rejectsWith(kms.describeKey(scope, 'alias/doomed'), 'NotFoundException');
    await rejectsWith(kms.decryptDataKey(scope, blob), 'AccessDeniedException');
    assert.equal((await kms.keys.list(scope, {})).items.length, 0);
    assert.equal((await kms.aliases.list(scope, {})).items.length, 0);
  });

  test('key material is stored only wrapped: never in plaintext in any store file', async () => {
    const scope = { accountId: '555555555555', region: 'sa-east-1' };
    const k = await kms.keys.create(scope, {});
    const row = (await store.kmsKeys.find(scope, k.keyId))!;
    const material = new KeyWrapper(masterKey).unwrap(row.material, { ...scope, keyId: k.keyId });
    assert.equal(material.length, 32);
    assert.ok(!row.material.includes(material));
    const scan = () => {
      for (const name of readdirSync(dir)) {
        const bytes = readFileSync(join(dir, name));
        assert.ok(!bytes.includes(material), `key material in ${name}`);
        assert.ok(!bytes.includes(masterKey), `master key in ${name}`);
      }
    };
    scan();
    await store.close();
    scan();
    store = await Store.open({ dataDir: dir, durability: 'normal' });
    kms = new KmsService(store, masterKey, { now: () => new Date(clock) });
    assert.equal((await kms.describeKey(scope, k.keyId)).keyId, k.keyId);
    // a wrapped blob moved to another key's row does not unwrap
    assert.throws(() => new KeyWrapper(masterKey).unwrap(row.material, { ...scope, keyId: 'another' }));
  });
});
