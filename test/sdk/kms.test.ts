// KMS through @aws-sdk/client-kms against real server processes with a credentials file (ALICE
// and BOB are two accounts): every operation's happy path, identifiers, key states, policies and
// grants across accounts, envelope encryption with contexts, persistence across restarts, and
// that no key material or plaintext ever reaches the data directory.
import { metadataAtRest } from '../helpers/metadata-db.js';
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import {
  CancelKeyDeletionCommand,
  CreateAliasCommand,
  CreateGrantCommand,
  CreateKeyCommand,
  DecryptCommand,
  DeleteAliasCommand,
  DescribeKeyCommand,
  DisableKeyCommand,
  DisableKeyRotationCommand,
  EnableKeyCommand,
  EnableKeyRotationCommand,
  EncryptCommand,
  GenerateDataKeyCommand,
  GenerateDataKeyWithoutPlaintextCommand,
  GenerateRandomCommand,
  GetKeyPolicyCommand,
  GetKeyRotationStatusCommand,
  ListAliasesCommand,
  ListGrantsCommand,
  ListKeyPoliciesCommand,
  ListKeysCommand,
  ListResourceTagsCommand,
  ListRetirableGrantsCommand,
  PutKeyPolicyCommand,
  ReEncryptCommand,
  RetireGrantCommand,
  RevokeGrantCommand,
  ScheduleKeyDeletionCommand,
  TagResourceCommand,
  UntagResourceCommand,
  UpdateAliasCommand,
  UpdateKeyDescriptionCommand,
  type KeyMetadata,
  type KMSClient,
} from '@aws-sdk/client-kms';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestAccount, type TestServer } from '../helpers/server.js';
import { awsError, kms } from '../helpers/clients.js';

const A = ALICE.accountId;
const B = BOB.accountId;
const UNKNOWN_ID = '00000000-1111-4222-8333-444444444444';

async function expectError(p: Promise<unknown>, name: string, message?: RegExp, status = 400): Promise<string> {
  const e = await awsError(p);
  assert.equal(e.name, name, `${e.name}: ${e.message}`);
  assert.equal(e.status, status, `${name} status`);
  if (message) assert.match(e.message, message);
  return e.message;
}

const sharePolicy = (owner: string, statements: unknown[] = []) =>
  JSON.stringify({
    Version: '2012-10-17',
    Statement: [
      { Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${owner}:root` }, Action: 'kms:*', Resource: '*' },
      ...statements,
    ],
  });

describe('KMS', () => {
  let server: TestServer;
  let dir: string;
  const client = (account: TestAccount, region = 'us-east-1'): KMSClient => kms(server.url, { account, region });
  const newKey = async (account: TestAccount = ALICE, region = 'us-east-1', input: ConstructorParameters<typeof CreateKeyCommand>[0] = {}): Promise<KeyMetadata> =>
    (await client(account, region).send(new CreateKeyCommand(input))).KeyMetadata!;

  before(async () => {
    dir = tempDir();
    server = await startServer({ dataDir: dir, credentials: writeCredentials(dir) });
  });
  after(async () => {
    await server?.stop();
    removeDir(dir);
  });

  describe('keys', () => {
    test('CreateKey answers AWS\'s KeyMetadata for a symmetric key', async () => {
      const before = Date.now();
      const k = await newKey(ALICE, 'us-east-1', { Description: 'disk key', Tags: [{ TagKey: 'team', TagValue: 'storage' }] });
      assert.match(k.KeyId!, /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
      assert.equal(k.Arn, `arn:aws:kms:us-east-1:${A}:key/${k.KeyId}`);
      assert.equal(k.AWSAccountId, A);
      assert.ok(k.CreationDate!.getTime() >= before - 2000 && k.CreationDate!.getTime() <= Date.now() + 2000);
      assert.equal(k.Enabled, true);
      assert.equal(k.Description, 'disk key');
      assert.equal(k.KeyUsage, 'ENCRYPT_DECRYPT');
      assert.equal(k.KeyState, 'Enabled');
      assert.equal(k.Origin, 'AWS_KMS');
      assert.equal(k.KeyManager, 'CUSTOMER');
      assert.equal(k.KeySpec, 'SYMMETRIC_DEFAULT');
      assert.equal(k.CustomerMasterKeySpec, 'SYMMETRIC_DEFAULT');
      assert.deepEqual(k.EncryptionAlgorithms, ['SYMMETRIC_DEFAULT']);
      assert.equal(k.MultiRegion, false);
      assert.equal(k.DeletionDate, undefined);
      const tags = await client(ALICE).send(new ListResourceTagsCommand({ KeyId: k.KeyId }));
      assert.deepEqual(tags.Tags, [{ TagKey: 'team', TagValue: 'storage' }]);
      const plain = await newKey();
      assert.equal(plain.Description, '');
    });

    test('CreateKey validates KeyUsage, KeySpec, Description, Tags and Policy', async () => {
      const c = client(ALICE);
      await expectError(c.send(new CreateKeyCommand({ KeyUsage: 'SIGN_VERIFY' })), 'ValidationException', /SIGN_VERIFY is not compatible with KeySpec SYMMETRIC_DEFAULT/);
      await expectError(c.send(new CreateKeyCommand({ KeySpec: 'RSA_2048' })), 'UnsupportedOperationException');
      await expectError(c.send(new CreateKeyCommand({ KeySpec: 'SYMMETRIC_DEFAULT', CustomerMasterKeySpec: 'SYMMETRIC_DEFAULT' })), 'ValidationException');
      await expectError(c.send(new CreateKeyCommand({ Description: 'x'.repeat(8193) })), 'ValidationException', /at 'description' failed to satisfy constraint: Member must have length less than or equal to 8192/);
      await expectError(c.send(new CreateKeyCommand({ Tags: [{ TagKey: 'aws:reserved', TagValue: 'x' }] })), 'TagException');
      await expectError(c.send(new CreateKeyCommand({ Origin: 'EXTERNAL' })), 'UnsupportedOperationException');
      await expectError(c.send(new CreateKeyCommand({ MultiRegion: true })), 'UnsupportedOperationException');
      await expectError(c.send(new CreateKeyCommand({ Policy: '{not json' })), 'MalformedPolicyDocumentException');
      // a policy that would lock the caller out is refused unless the check is bypassed
      const lockout = JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: B }, Action: 'kms:*', Resource: '*' }] });
      await expectError(c.send(new CreateKeyCommand({ Policy: lockout })), 'MalformedPolicyDocumentException', /will not allow you to update the key policy in the future/);
      const locked = (await c.send(new CreateKeyCommand({ Policy: lockout, BypassPolicyLockoutSafetyCheck: true }))).KeyMetadata!;
      await expectError(c.send(new DescribeKeyCommand({ KeyId: locked.KeyId })), 'AccessDeniedException', /is not authorized to perform: kms:DescribeKey/);
    });

    test('DescribeKey by key id, key ARN, alias name and alias ARN', async () => {
      const k = await newKey(ALICE, 'us-east-1', { Description: 'four ways' });
      const c = client(ALICE);
      await c.send(new CreateAliasCommand({ AliasName: 'alias/four-ways', TargetKeyId: k.KeyId }));
      for (const ref of [k.KeyId, k.Arn!, 'alias/four-ways', `arn:aws:kms:us-east-1:${A}:alias/four-ways`]) {
        const d = (await c.send(new DescribeKeyCommand({ KeyId: ref }))).KeyMetadata!;
        assert.equal(d.KeyId, k.KeyId, ref);
        assert.equal(d.Description, 'four ways');
      }
    });

    test('unknown and malformed identifiers are NotFoundException with AWS\'s messages', async () => {
      const c = client(ALICE);
      await expectError(c.send(new DescribeKeyCommand({ KeyId: UNKNOWN_ID })), 'NotFoundException', new RegExp(`^Key 'arn:aws:kms:us-east-1:${A}:key/${UNKNOWN_ID}' does not exist$`));
      await expectError(c.send(new DescribeKeyCommand({ KeyId: 'alias/nope' })), 'NotFoundException', new RegExp(`^Alias arn:aws:kms:us-east-1:${A}:alias/nope is not found\\.$`));
      await expectError(c.send(new DescribeKeyCommand({ KeyId: 'not-a-key' })), 'NotFoundException', /^Invalid keyId not-a-key$/);
      await expectError(c.send(new DescribeKeyCommand({ KeyId: `arn:aws:kms:eu-west-1:${A}:key/${UNKNOWN_ID}` })), 'NotFoundException', /^Invalid arn eu-west-1$/);
      await expectError(c.send(new EncryptCommand({ KeyId: UNKNOWN_ID, Plaintext: Buffer.from('x') })), 'NotFoundException');
      // management operations take key ids and key ARNs only
      const k = await newKey();
      await c.send(new CreateAliasCommand({ AliasName: 'alias/not-for-enable', TargetKeyId: k.KeyId }));
      await expectError(c.send(new EnableKeyCommand({ KeyId: 'alias/not-for-enable' })), 'NotFoundException', /^Invalid keyId alias\/not-for-enable$/);
      await expectError(c.send(new GetKeyPolicyCommand({ KeyId: 'alias/not-for-enable' })), 'NotFoundException');
    });

    test('ListKeys pages with Limit, NextMarker and Truncated, per account and region', async () => {
      const region = 'eu-west-3';
      const ids = [];
      for (let i = 0; i < 3; i++) ids.push((await newKey(ALICE, region)).KeyId);
      await newKey(BOB, region);
      const c = client(ALICE, region);
      const p1 = await c.send(new ListKeysCommand({ Limit: 2 }));
      assert.equal(p1.Keys!.length, 2);
      assert.equal(p1.Truncated, true);
      assert.ok(p1.NextMarker);
      const p2 = await c.send(new ListKeysCommand({ Limit: 2, Marker: p1.NextMarker }));
      assert.equal(p2.Keys!.length, 1);
      assert.equal(p2.Truncated, false);
      assert.equal(p2.NextMarker, undefined);
      const all = [...p1.Keys!, ...p2.Keys!];
      assert.deepEqual(all.map((k) => k.KeyId).sort(), ids.sort());
      for (const k of all) assert.equal(k.KeyArn, `arn:aws:kms:${region}:${A}:key/${k.KeyId}`);
      assert.equal((await client(ALICE, 'eu-south-1').send(new ListKeysCommand({}))).Keys!.length, 0);
      await expectError(c.send(new ListKeysCommand({ Marker: 'garbage' })), 'InvalidMarkerException');
      await expectError(c.send(new ListKeysCommand({ Limit: 0 })), 'ValidationException', /Member must have value greater than or equal to 1/);
      await expectError(c.send(new ListKeysCommand({ Limit: 1001 })), 'ValidationException', /less than or equal to 1000/);
    });

    test('DisableKey / EnableKey: a disabled key is DisabledException for cryptographic use', async () => {
      const c = client(ALICE);
      const k = await newKey();
      const blob = (await c.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('kept') }))).CiphertextBlob!;
      await c.send(new DisableKeyCommand({ KeyId: k.Arn }));
      const d = (await c.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata!;
      assert.equal(d.KeyState, 'Disabled');
      assert.equal(d.Enabled, false);
      const msg = new RegExp(`^${k.Arn} is disabled\\.$`);
      await expectError(c.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('x') })), 'DisabledException', msg);
      await expectError(c.send(new DecryptCommand({ CiphertextBlob: blob })), 'DisabledException', msg);
      await expectError(c.send(new GenerateDataKeyCommand({ KeyId: k.KeyId, KeySpec: 'AES_256' })), 'DisabledException');
      await expectError(c.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: k.KeyId, KeySpec: 'AES_256' })), 'DisabledException');
      await expectError(c.send(new CreateGrantCommand({ KeyId: k.KeyId, GranteePrincipal: `arn:aws:iam::${B}:root`, Operations: ['Decrypt'] })), 'DisabledException');
      await expectError(c.send(new EnableKeyRotationCommand({ KeyId: k.KeyId })), 'DisabledException');
      // metadata operations still work on a disabled key
      await c.send(new TagResourceCommand({ KeyId: k.KeyId, Tags: [{ TagKey: 'a', TagValue: 'b' }] }));
      await c.send(new GetKeyPolicyCommand({ KeyId: k.KeyId }));
      await c.send(new EnableKeyCommand({ KeyId: k.KeyId }));
      assert.equal((await c.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata!.KeyState, 'Enabled');
      assert.equal(Buffer.from((await c.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext!).toString(), 'kept');
    });

    test('ScheduleKeyDeletion / CancelKeyDeletion and the PendingDeletion state', async () => {
      const c = client(ALICE);
      const k = await newKey();
      const blob = (await c.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('x') }))).CiphertextBlob!;
      await expectError(c.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 6 })), 'ValidationException', /at 'pendingWindowInDays' failed to satisfy constraint: Member must have value greater than or equal to 7/);
      await expectError(c.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 31 })), 'ValidationException', /less than or equal to 30/);
      const t0 = Date.now();
      const s = await c.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId }));
      assert.equal(s.KeyId, k.Arn);
      assert.equal(s.KeyState, 'PendingDeletion');
      assert.equal(s.PendingWindowInDays, 30);
      assert.ok(Math.abs(s.DeletionDate!.getTime() - (t0 + 30 * 86_400_000)) < 60_000);
      const d = (await c.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata!;
      assert.equal(d.KeyState, 'PendingDeletion');
      assert.equal(d.Enabled, false);
      assert.equal(d.PendingDeletionWindowInDays, 30);
      assert.equal(d.DeletionDate!.getTime(), s.DeletionDate!.getTime());

      const pending = new RegExp(`^${k.Arn} is pending deletion\\.$`);
      const invalid = (p: Promise<unknown>) => expectError(p, 'KMSInvalidStateException', pending);
      await invalid(c.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('x') })));
      await invalid(c.send(new DecryptCommand({ CiphertextBlob: blob })));
      await invalid(c.send(new GenerateDataKeyCommand({ KeyId: k.KeyId, KeySpec: 'AES_256' })));
      await invalid(c.send(new EnableKeyCommand({ KeyId: k.KeyId })));
      await invalid(c.send(new DisableKeyCommand({ KeyId: k.KeyId })));
      await invalid(c.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 7 })));
      await invalid(c.send(new CreateAliasCommand({ AliasName: 'alias/to-pending', TargetKeyId: k.KeyId })));
      await invalid(c.send(new TagResourceCommand({ KeyId: k.KeyId, Tags: [{ TagKey: 'a', TagValue: 'b' }] })));
      await invalid(c.send(new UpdateKeyDescriptionCommand({ KeyId: k.KeyId, Description: 'x' })));
      // still visible and readable
      await c.send(new GetKeyPolicyCommand({ KeyId: k.KeyId }));
      assert.ok((await c.send(new ListKeysCommand({}))).Keys!.some((x) => x.KeyId === k.KeyId));

      assert.equal((await c.send(new CancelKeyDeletionCommand({ KeyId: k.KeyId }))).KeyId, k.Arn);
      const after = (await c.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata!;
      assert.equal(after.KeyState, 'Disabled');
      assert.equal(after.DeletionDate, undefined);
      assert.equal(after.PendingDeletionWindowInDays, undefined);
      await expectError(c.send(new CancelKeyDeletionCommand({ KeyId: k.KeyId })), 'KMSInvalidStateException', new RegExp(`^${k.Arn} is not pending deletion\\.$`));
      await c.send(new EnableKeyCommand({ KeyId: k.KeyId }));
      assert.equal(Buffer.from((await c.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext!).toString(), 'x');
      const seven = await c.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId, PendingWindowInDays: 7 }));
      assert.equal(seven.PendingWindowInDays, 7);
    });

    test('UpdateKeyDescription, tags, rotation and key policies', async () => {
      const c = client(ALICE);
      const k = await newKey();
      await c.send(new UpdateKeyDescriptionCommand({ KeyId: k.KeyId, Description: 'renamed' }));
      assert.equal((await c.send(new DescribeKeyCommand({ KeyId: k.KeyId }))).KeyMetadata!.Description, 'renamed');

      await c.send(new TagResourceCommand({ KeyId: k.Arn, Tags: [{ TagKey: 'b', TagValue: '2' }, { TagKey: 'a', TagValue: '1' }, { TagKey: 'c', TagValue: '3' }] }));
      await c.send(new TagResourceCommand({ KeyId: k.KeyId, Tags: [{ TagKey: 'a', TagValue: 'one' }] }));
      const t1 = await c.send(new ListResourceTagsCommand({ KeyId: k.KeyId, Limit: 2 }));
      assert.deepEqual(t1.Tags, [{ TagKey: 'a', TagValue: 'one' }, { TagKey: 'b', TagValue: '2' }]);
      assert.equal(t1.Truncated, true);
      const t2 = await c.send(new ListResourceTagsCommand({ KeyId: k.KeyId, Marker: t1.NextMarker }));
      assert.deepEqual(t2.Tags, [{ TagKey: 'c', TagValue: '3' }]);
      await c.send(new UntagResourceCommand({ KeyId: k.KeyId, TagKeys: ['a', 'c'] }));
      assert.deepEqual((await c.send(new ListResourceTagsCommand({ KeyId: k.KeyId }))).Tags, [{ TagKey: 'b', TagValue: '2' }]);
      await expectError(c.send(new TagResourceCommand({ KeyId: k.KeyId, Tags: [{ TagKey: 'aws:x', TagValue: 'y' }] })), 'TagException');

      const r0 = await c.send(new GetKeyRotationStatusCommand({ KeyId: k.KeyId }));
      assert.equal(r0.KeyRotationEnabled, false);
      assert.equal(r0.KeyId, k.Arn);
      await expectError(c.send(new EnableKeyRotationCommand({ KeyId: k.KeyId, RotationPeriodInDays: 30 })), 'ValidationException');
      await c.send(new EnableKeyRotationCommand({ KeyId: k.KeyId, RotationPeriodInDays: 180 }));
      const r1 = await c.send(new GetKeyRotationStatusCommand({ KeyId: k.KeyId }));
      assert.equal(r1.KeyRotationEnabled, true);
      assert.equal(r1.RotationPeriodInDays, 180);
      await c.send(new DisableKeyRotationCommand({ KeyId: k.KeyId }));
      assert.equal((await c.send(new GetKeyRotationStatusCommand({ KeyId: k.KeyId }))).KeyRotationEnabled, false);

      const p = await c.send(new GetKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: 'default' }));
      assert.equal(p.PolicyName, 'default');
      const doc = JSON.parse(p.Policy!);
      assert.deepEqual(doc.Statement, [{ Sid: 'Enable IAM User Permissions', Effect: 'Allow', Principal: { AWS: `arn:aws:iam::${A}:root` }, Action: 'kms:*', Resource: '*' }]);
      assert.deepEqual((await c.send(new ListKeyPoliciesCommand({ KeyId: k.KeyId }))).PolicyNames, ['default']);
      const policy = sharePolicy(A, [{ Sid: 'extra', Effect: 'Allow', Principal: { AWS: B }, Action: 'kms:DescribeKey', Resource: '*' }]);
      await c.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: policy }));
      assert.equal((await c.send(new GetKeyPolicyCommand({ KeyId: k.KeyId }))).Policy, policy);
      await expectError(c.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: '[]' })), 'MalformedPolicyDocumentException');
      await expectError(c.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: JSON.stringify({ Statement: [{ Effect: 'Allow', Principal: { AWS: 'nobody' }, Action: 'kms:*' }] }) })), 'MalformedPolicyDocumentException', /invalid principals/);
      await expectError(c.send(new GetKeyPolicyCommand({ KeyId: k.KeyId, PolicyName: 'other' })), 'NotFoundException');
    });
  });

  describe('aliases', () => {
    test('CreateAlias, ListAliases, UpdateAlias, DeleteAlias', async () => {
      const region = 'ap-south-1';
      const c = client(ALICE, region);
      const k1 = await newKey(ALICE, region);
      const k2 = await newKey(ALICE, region);
      await c.send(new CreateAliasCommand({ AliasName: 'alias/app', TargetKeyId: k1.KeyId }));
      await c.send(new CreateAliasCommand({ AliasName: 'alias/app/db', TargetKeyId: k1.Arn }));
      await c.send(new CreateAliasCommand({ AliasName: 'alias/other_one', TargetKeyId: k2.KeyId }));
      const all = (await c.send(new ListAliasesCommand({}))).Aliases!;
      assert.deepEqual(all.map((a) => a.AliasName), ['alias/app', 'alias/app/db', 'alias/other_one']);
      const app = all[0];
      assert.equal(app.AliasArn, `arn:aws:kms:${region}:${A}:alias/app`);
      assert.equal(app.TargetKeyId, k1.KeyId);
      assert.ok(app.CreationDate instanceof Date && app.LastUpdatedDate instanceof Date);
      assert.deepEqual((await c.send(new ListAliasesCommand({ KeyId: k1.Arn }))).Aliases!.map((a) => a.AliasName), ['alias/app', 'alias/app/db']);
      const p1 = await c.send(new ListAliasesCommand({ Limit: 2 }));
      assert.equal(p1.Truncated, true);
      assert.deepEqual((await c.send(new ListAliasesCommand({ Marker: p1.NextMarker }))).Aliases!.map((a) => a.AliasName), ['alias/other_one']);

      await c.send(new UpdateAliasCommand({ AliasName: 'alias/app', TargetKeyId: k2.KeyId }));
      assert.equal((await c.send(new DescribeKeyCommand({ KeyId: 'alias/app' }))).KeyMetadata!.KeyId, k2.KeyId);
      await c.send(new DeleteAliasCommand({ AliasName: 'alias/app' }));
      await expectError(c.send(new DescribeKeyCommand({ KeyId: 'alias/app' })), 'NotFoundException');
      // the same name in another region is another alias
      await client(ALICE, 'ap-south-2').send(new CreateAliasCommand({ AliasName: 'alias/app/db', TargetKeyId: (await newKey(ALICE, 'ap-south-2')).KeyId }));
      assert.equal((await c.send(new DescribeKeyCommand({ KeyId: 'alias/app/db' }))).KeyMetadata!.KeyId, k1.KeyId);
    });

    test('alias names: prefix, characters, reserved alias/aws/, duplicates, unknown', async () => {
      const c = client(ALICE);
      const k = await newKey();
      await expectError(c.send(new CreateAliasCommand({ AliasName: 'noprefix', TargetKeyId: k.KeyId })), 'ValidationException', /^Alias must start with the prefix "alias\/"\. Please see/);
      await expectError(c.send(new CreateAliasCommand({ AliasName: 'alias/bad name!', TargetKeyId: k.KeyId })), 'ValidationException', /regular expression pattern/);
      await expectError(c.send(new CreateAliasCommand({ AliasName: `alias/${'x'.repeat(251)}`, TargetKeyId: k.KeyId })), 'ValidationException', /length less than or equal to 256/);
      await expectError(c.send(new CreateAliasCommand({ AliasName: 'alias/aws/mine', TargetKeyId: k.KeyId })), 'NotAuthorizedException');
      await expectError(c.send(new CreateAliasCommand({ AliasName: 'alias/aws/ebs', TargetKeyId: k.KeyId })), 'NotAuthorizedException');
      await expectError(c.send(new DeleteAliasCommand({ AliasName: 'alias/aws/ebs' })), 'NotAuthorizedException');
      await expectError(c.send(new CreateAliasCommand({ AliasName: 'alias/x', TargetKeyId: UNKNOWN_ID })), 'NotFoundException');
      await c.send(new CreateAliasCommand({ AliasName: 'alias/dup', TargetKeyId: k.KeyId }));
      await expectError(c.send(new CreateAliasCommand({ AliasName: 'alias/dup', TargetKeyId: k.KeyId })), 'AlreadyExistsException', new RegExp(`An alias with the name arn:aws:kms:us-east-1:${A}:alias/dup already exists`));
      await expectError(c.send(new CreateAliasCommand({ AliasName: 'alias/on-alias', TargetKeyId: 'alias/dup' })), 'NotFoundException', /Invalid keyId/);
      await expectError(c.send(new DeleteAliasCommand({ AliasName: 'alias/never' })), 'NotFoundException', /is not found/);
      await expectError(c.send(new UpdateAliasCommand({ AliasName: 'alias/never', TargetKeyId: k.KeyId })), 'NotFoundException');
    });

    test('alias/aws/ebs is the AWS managed key, created on first use, owner-only, unmanageable', async () => {
      const region = 'ca-central-1';
      const c = client(ALICE, region);
      assert.ok(!(await c.send(new ListAliasesCommand({}))).Aliases!.some((a) => a.AliasName === 'alias/aws/ebs'));
      const k = (await c.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' }))).KeyMetadata!;
      assert.equal(k.KeyManager, 'AWS');
      assert.equal(k.KeyState, 'Enabled');
      assert.equal(k.Description, 'Default key that protects my EBS volumes when no other key is defined');
      assert.equal((await c.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' }))).KeyMetadata!.KeyId, k.KeyId, 'created once');
      const listed = (await c.send(new ListAliasesCommand({}))).Aliases!.find((a) => a.AliasName === 'alias/aws/ebs')!;
      assert.equal(listed.TargetKeyId, k.KeyId);
      assert.ok((await c.send(new ListKeysCommand({}))).Keys!.some((x) => x.KeyId === k.KeyId));
      assert.equal((await c.send(new GetKeyRotationStatusCommand({ KeyId: k.KeyId }))).KeyRotationEnabled, true);
      // the owner can use it
      const blob = (await c.send(new EncryptCommand({ KeyId: 'alias/aws/ebs', Plaintext: Buffer.from('vol') }))).CiphertextBlob!;
      assert.equal(Buffer.from((await c.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext!).toString(), 'vol');
      // but not manage it
      for (const call of [
        () => c.send(new DisableKeyCommand({ KeyId: k.KeyId })),
        () => c.send(new ScheduleKeyDeletionCommand({ KeyId: k.KeyId })),
        () => c.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: sharePolicy(A) })),
        () => c.send(new CreateAliasCommand({ AliasName: 'alias/mine', TargetKeyId: k.KeyId })),
      ]) {
        await expectError(call(), 'AccessDeniedException', /because no resource-based policy allows the kms:/);
      }
      // another account cannot use it, even by ARN, and its own alias/aws/ebs is another key
      const b = client(BOB, region);
      await expectError(b.send(new DescribeKeyCommand({ KeyId: k.Arn })), 'AccessDeniedException', new RegExp(`^User: arn:aws:iam::${B}:root is not authorized to perform: kms:DescribeKey on resource: ${k.Arn} because no resource-based policy allows the kms:DescribeKey action$`));
      await expectError(b.send(new DecryptCommand({ CiphertextBlob: blob })), 'AccessDeniedException');
      await expectError(b.send(new EncryptCommand({ KeyId: `arn:aws:kms:${region}:${A}:alias/aws/ebs`, Plaintext: Buffer.from('x') })), 'AccessDeniedException');
      const bobs = (await b.send(new DescribeKeyCommand({ KeyId: 'alias/aws/ebs' }))).KeyMetadata!;
      assert.notEqual(bobs.KeyId, k.KeyId);
      assert.equal(bobs.AWSAccountId, B);
    });
  });

  describe('cryptographic operations', () => {
    test('Encrypt / Decrypt round trip, with and without encryption context', async () => {
      const c = client(ALICE);
      const k = await newKey();
      await c.send(new CreateAliasCommand({ AliasName: 'alias/crypto', TargetKeyId: k.KeyId }));
      const plaintext = randomBytes(100);
      const e = await c.send(new EncryptCommand({ KeyId: 'alias/crypto', Plaintext: plaintext }));
      assert.equal(e.KeyId, k.Arn);
      assert.equal(e.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
      assert.ok(!Buffer.from(e.CiphertextBlob!).includes(plaintext.subarray(0, 16)));
      const d = await c.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob }));
      assert.deepEqual(Buffer.from(d.Plaintext!), plaintext);
      assert.equal(d.KeyId, k.Arn);
      assert.equal(d.EncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
      // two encryptions of the same plaintext differ
      const e2 = await c.send(new EncryptCommand({ KeyId: k.Arn, Plaintext: plaintext }));
      assert.notDeepEqual(Buffer.from(e2.CiphertextBlob!), Buffer.from(e.CiphertextBlob!));

      const ctx = { volume: 'vol-1', purpose: 'test' };
      const withCtx = (await c.send(new EncryptCommand({ KeyId: `arn:aws:kms:us-east-1:${A}:alias/crypto`, Plaintext: plaintext, EncryptionContext: ctx }))).CiphertextBlob!;
      // the context's order does not matter, its content does
      const back = await c.send(new DecryptCommand({ CiphertextBlob: withCtx, EncryptionContext: { purpose: 'test', volume: 'vol-1' } }));
      assert.deepEqual(Buffer.from(back.Plaintext!), plaintext);
      const wrongs: (Record<string, string> | undefined)[] = [undefined, {}, { volume: 'vol-2', purpose: 'test' }, { volume: 'vol-1' }, { ...ctx, extra: 'x' }];
      for (const wrong of wrongs) {
        await expectError(c.send(new DecryptCommand({ CiphertextBlob: withCtx, EncryptionContext: wrong })), 'InvalidCiphertextException');
      }
      await expectError(c.send(new DecryptCommand({ CiphertextBlob: e.CiphertextBlob, EncryptionContext: ctx })), 'InvalidCiphertextException');
    });

    test('tampered, foreign and mismatched ciphertexts', async () => {
      const c = client(ALICE);
      const k = await newKey();
      const other = await newKey();
      const blob = Buffer.from((await c.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('secret') }))).CiphertextBlob!);
      for (const i of [0, 5, 20, 35, blob.length - 1]) {
        const t = Buffer.from(blob);
        t[i] ^= 0x01;
        const e = await awsError(c.send(new DecryptCommand({ CiphertextBlob: t })));
        // flipping a key-id bit names another (unknown) key; anything else fails authentication
        assert.ok(['InvalidCiphertextException', 'AccessDeniedException'].includes(e.name), `${i}: ${e.name}`);
        assert.equal(e.status, 400);
      }
      await expectError(c.send(new DecryptCommand({ CiphertextBlob: Buffer.from('not a kms ciphertext at all, really not one') })), 'InvalidCiphertextException');
      await expectError(c.send(new DecryptCommand({ CiphertextBlob: blob.subarray(0, 20) })), 'InvalidCiphertextException');
      // a blob naming a key that does not exist (here: in this region)
      await expectError(client(ALICE, 'us-west-2').send(new DecryptCommand({ CiphertextBlob: blob })), 'AccessDeniedException', /does not exist in this region, or you are not allowed to access/);
      // Decrypt's optional KeyId must name the right key
      assert.equal(Buffer.from((await c.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: k.Arn }))).Plaintext!).toString(), 'secret');
      await expectError(c.send(new DecryptCommand({ CiphertextBlob: blob, KeyId: other.KeyId })), 'IncorrectKeyException');
      await expectError(c.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.alloc(4097) })), 'ValidationException', /Value at 'plaintext' failed to satisfy constraint: Member must have length less than or equal to 4096/);
      await expectError(c.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('x'), EncryptionAlgorithm: 'RSAES_OAEP_SHA_256' })), 'InvalidKeyUsageException');
    });

    test('GenerateDataKey and GenerateDataKeyWithoutPlaintext', async () => {
      const c = client(ALICE);
      const k = await newKey();
      const ctx = { snapshot: 'snap-1' };
      const g = await c.send(new GenerateDataKeyCommand({ KeyId: k.KeyId, KeySpec: 'AES_256', EncryptionContext: ctx }));
      assert.equal(g.Plaintext!.length, 32);
      assert.equal(g.KeyId, k.Arn);
      const d = await c.send(new DecryptCommand({ CiphertextBlob: g.CiphertextBlob, EncryptionContext: ctx }));
      assert.deepEqual(Buffer.from(d.Plaintext!), Buffer.from(g.Plaintext!));
      await expectError(c.send(new DecryptCommand({ CiphertextBlob: g.CiphertextBlob })), 'InvalidCiphertextException');
      assert.equal((await c.send(new GenerateDataKeyCommand({ KeyId: k.KeyId, KeySpec: 'AES_128' }))).Plaintext!.length, 16);
      assert.equal((await c.send(new GenerateDataKeyCommand({ KeyId: k.KeyId, NumberOfBytes: 64 }))).Plaintext!.length, 64);
      await expectError(c.send(new GenerateDataKeyCommand({ KeyId: k.KeyId })), 'ValidationException');
      await expectError(c.send(new GenerateDataKeyCommand({ KeyId: k.KeyId, KeySpec: 'AES_256', NumberOfBytes: 32 })), 'ValidationException');
      await expectError(c.send(new GenerateDataKeyCommand({ KeyId: k.KeyId, NumberOfBytes: 1025 })), 'ValidationException', /at 'numberOfBytes'/);
      const w = await c.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: k.KeyId, KeySpec: 'AES_256', EncryptionContext: ctx }));
      assert.equal((w as { Plaintext?: unknown }).Plaintext, undefined);
      assert.equal(w.KeyId, k.Arn);
      assert.equal((await c.send(new DecryptCommand({ CiphertextBlob: w.CiphertextBlob, EncryptionContext: ctx }))).Plaintext!.length, 32);
      assert.equal((await c.send(new GenerateRandomCommand({ NumberOfBytes: 48 }))).Plaintext!.length, 48);
    });

    test('ReEncrypt moves a ciphertext to another key and context', async () => {
      const c = client(ALICE);
      const k1 = await newKey();
      const k2 = await newKey();
      const blob = (await c.send(new EncryptCommand({ KeyId: k1.KeyId, Plaintext: Buffer.from('moving'), EncryptionContext: { v: '1' } }))).CiphertextBlob!;
      const r = await c.send(new ReEncryptCommand({ CiphertextBlob: blob, SourceEncryptionContext: { v: '1' }, DestinationKeyId: k2.Arn, DestinationEncryptionContext: { v: '2' } }));
      assert.equal(r.SourceKeyId, k1.Arn);
      assert.equal(r.KeyId, k2.Arn);
      assert.equal(r.SourceEncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
      assert.equal(r.DestinationEncryptionAlgorithm, 'SYMMETRIC_DEFAULT');
      const d = await c.send(new DecryptCommand({ CiphertextBlob: r.CiphertextBlob, EncryptionContext: { v: '2' } }));
      assert.equal(Buffer.from(d.Plaintext!).toString(), 'moving');
      assert.equal(d.KeyId, k2.Arn);
      await expectError(c.send(new ReEncryptCommand({ CiphertextBlob: blob, DestinationKeyId: k2.KeyId })), 'InvalidCiphertextException');
      await expectError(c.send(new ReEncryptCommand({ CiphertextBlob: blob, SourceEncryptionContext: { v: '1' }, DestinationKeyId: 'alias/none' })), 'NotFoundException');
      await expectError(c.send(new ReEncryptCommand({ CiphertextBlob: blob, SourceEncryptionContext: { v: '1' }, SourceKeyId: k2.KeyId, DestinationKeyId: k2.KeyId })), 'IncorrectKeyException');
      await c.send(new DisableKeyCommand({ KeyId: k2.KeyId }));
      await expectError(c.send(new ReEncryptCommand({ CiphertextBlob: blob, SourceEncryptionContext: { v: '1' }, DestinationKeyId: k2.KeyId })), 'DisabledException');
    });
  });

  describe('across accounts', () => {
    test('a key policy shares a key with another account, by key ARN or alias ARN only', async () => {
      const a = client(ALICE);
      const b = client(BOB);
      const k = await newKey();
      await a.send(new CreateAliasCommand({ AliasName: 'alias/shared', TargetKeyId: k.KeyId }));
      const aliceBlob = (await a.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('for bob'), EncryptionContext: { c: '1' } }))).CiphertextBlob!;
      const bobKey = await newKey(BOB);

      // not shared yet: AccessDenied, not NotFound, and the same for keys that do not exist
      await expectError(b.send(new DescribeKeyCommand({ KeyId: k.Arn })), 'AccessDeniedException');
      await expectError(b.send(new DecryptCommand({ CiphertextBlob: aliceBlob, EncryptionContext: { c: '1' } })), 'AccessDeniedException', /kms:Decrypt/);
      await expectError(b.send(new DescribeKeyCommand({ KeyId: `arn:aws:kms:us-east-1:${A}:key/${UNKNOWN_ID}` })), 'AccessDeniedException');

      await a.send(
        new PutKeyPolicyCommand({
          KeyId: k.KeyId,
          Policy: sharePolicy(A, [
            {
              Sid: 'Allow use of the key by B',
              Effect: 'Allow',
              Principal: { AWS: `arn:aws:iam::${B}:root` },
              Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:ReEncrypt*', 'kms:GenerateDataKey*', 'kms:CreateGrant'],
              Resource: '*',
            },
          ]),
        }),
      );
      assert.equal((await b.send(new DescribeKeyCommand({ KeyId: k.Arn }))).KeyMetadata!.AWSAccountId, A);
      assert.equal((await b.send(new DescribeKeyCommand({ KeyId: `arn:aws:kms:us-east-1:${A}:alias/shared` }))).KeyMetadata!.KeyId, k.KeyId);
      // a bare key id or alias name means Bob's own account
      await expectError(b.send(new DescribeKeyCommand({ KeyId: k.KeyId })), 'NotFoundException', new RegExp(`arn:aws:kms:us-east-1:${B}:key/${k.KeyId}`));
      await expectError(b.send(new DescribeKeyCommand({ KeyId: 'alias/shared' })), 'NotFoundException');
      const d = await b.send(new DecryptCommand({ CiphertextBlob: aliceBlob, EncryptionContext: { c: '1' } }));
      assert.equal(Buffer.from(d.Plaintext!).toString(), 'for bob');
      const g = await b.send(new GenerateDataKeyCommand({ KeyId: k.Arn, KeySpec: 'AES_256' }));
      assert.equal(Buffer.from((await a.send(new DecryptCommand({ CiphertextBlob: g.CiphertextBlob }))).Plaintext!).toString('hex'), Buffer.from(g.Plaintext!).toString('hex'));
      // cross-account re-wrap under Bob's own key: what launching a shared encrypted AMI needs
      const r = await b.send(new ReEncryptCommand({ CiphertextBlob: aliceBlob, SourceEncryptionContext: { c: '1' }, DestinationKeyId: bobKey.KeyId }));
      assert.equal(r.KeyId, bobKey.Arn);
      assert.equal(Buffer.from((await b.send(new DecryptCommand({ CiphertextBlob: r.CiphertextBlob }))).Plaintext!).toString(), 'for bob');
      // what the policy does not list stays denied; management is never cross-account
      await expectError(b.send(new EncryptCommand({ KeyId: k.Arn, Plaintext: Buffer.from('x') })), 'AccessDeniedException', /kms:Encrypt/);
      await expectError(b.send(new DisableKeyCommand({ KeyId: k.Arn })), 'NotFoundException');
      await expectError(b.send(new PutKeyPolicyCommand({ KeyId: k.Arn, Policy: sharePolicy(B) })), 'NotFoundException');
      await expectError(b.send(new CreateAliasCommand({ AliasName: 'alias/theirs', TargetKeyId: k.Arn })), 'NotFoundException');
      // the owner's disabling reaches the other account
      await a.send(new DisableKeyCommand({ KeyId: k.KeyId }));
      await expectError(b.send(new DecryptCommand({ CiphertextBlob: aliceBlob, EncryptionContext: { c: '1' } })), 'DisabledException');
      await a.send(new EnableKeyCommand({ KeyId: k.KeyId }));

      // an explicit Deny overrides the Allow
      await a.send(
        new PutKeyPolicyCommand({
          KeyId: k.KeyId,
          Policy: sharePolicy(A, [
            { Effect: 'Allow', Principal: { AWS: B }, Action: 'kms:*', Resource: '*' },
            { Effect: 'Deny', Principal: { AWS: [`arn:aws:iam::${B}:root`] }, Action: 'kms:Decrypt', Resource: '*' },
          ]),
        }),
      );
      await expectError(b.send(new DecryptCommand({ CiphertextBlob: aliceBlob, EncryptionContext: { c: '1' } })), 'AccessDeniedException', /with an explicit deny in a resource-based policy/);
      await b.send(new EncryptCommand({ KeyId: k.Arn, Plaintext: Buffer.from('allowed now') }));

      // "*" shares with everyone; back to the default policy un-shares
      await a.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: sharePolicy(A, [{ Effect: 'Allow', Principal: '*', Action: 'kms:DescribeKey', Resource: '*' }]) }));
      await b.send(new DescribeKeyCommand({ KeyId: k.Arn }));
      await a.send(new PutKeyPolicyCommand({ KeyId: k.KeyId, Policy: sharePolicy(A) }));
      await expectError(b.send(new DescribeKeyCommand({ KeyId: k.Arn })), 'AccessDeniedException');
    });

    test('grants give another account listed operations; revoke and retire take them back', async () => {
      const a = client(ALICE);
      const b = client(BOB);
      const k = await newKey();
      const blob = (await a.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('granted') }))).CiphertextBlob!;
      await expectError(b.send(new DecryptCommand({ CiphertextBlob: blob })), 'AccessDeniedException');

      const bobRoot = `arn:aws:iam::${B}:root`;
      const dry = await awsError(a.send(new CreateGrantCommand({ KeyId: k.KeyId, GranteePrincipal: bobRoot, Operations: ['Decrypt'], DryRun: true })));
      assert.equal(dry.name, 'DryRunOperationException');
      assert.equal(dry.status, 412);
      assert.equal((await a.send(new ListGrantsCommand({ KeyId: k.KeyId }))).Grants!.length, 0);

      const g = await a.send(
        new CreateGrantCommand({
          KeyId: k.Arn,
          GranteePrincipal: bobRoot,
          RetiringPrincipal: bobRoot,
          Operations: ['Decrypt', 'DescribeKey', 'GenerateDataKey', 'CreateGrant'],
          Name: 'bob-use',
        }),
      );
      assert.match(g.GrantId!, /^[0-9a-f]{64}$/);
      assert.ok(g.GrantToken && g.GrantToken.length > 40);
      // retried with the same name and parameters: the same grant
      const again = await a.send(new CreateGrantCommand({ KeyId: k.Arn, GranteePrincipal: bobRoot, RetiringPrincipal: bobRoot, Operations: ['CreateGrant', 'Decrypt', 'DescribeKey', 'GenerateDataKey'], Name: 'bob-use' }));
      assert.equal(again.GrantId, g.GrantId);

      const listed = (await a.send(new ListGrantsCommand({ KeyId: k.KeyId }))).Grants!;
      assert.equal(listed.length, 1);
      assert.equal(listed[0].KeyId, k.Arn);
      assert.equal(listed[0].GrantId, g.GrantId);
      assert.equal(listed[0].Name, 'bob-use');
      assert.equal(listed[0].GranteePrincipal, bobRoot);
      assert.equal(listed[0].RetiringPrincipal, bobRoot);
      assert.equal(listed[0].IssuingAccount, `arn:aws:iam::${A}:root`);
      assert.deepEqual([...listed[0].Operations!].sort(), ['CreateGrant', 'Decrypt', 'DescribeKey', 'GenerateDataKey']);
      assert.ok(listed[0].CreationDate instanceof Date);

      assert.equal(Buffer.from((await b.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext!).toString(), 'granted');
      await b.send(new DescribeKeyCommand({ KeyId: k.Arn }));
      await b.send(new GenerateDataKeyCommand({ KeyId: k.Arn, KeySpec: 'AES_256' }));
      await expectError(b.send(new EncryptCommand({ KeyId: k.Arn, Plaintext: Buffer.from('x') })), 'AccessDeniedException');
      await expectError(b.send(new GenerateDataKeyWithoutPlaintextCommand({ KeyId: k.Arn, KeySpec: 'AES_256' })), 'AccessDeniedException');
      await expectError(b.send(new ListGrantsCommand({ KeyId: k.Arn })), 'AccessDeniedException');
      // a grantee may pass on a subset of its grant, nothing more
      await expectError(b.send(new CreateGrantCommand({ KeyId: k.Arn, GranteePrincipal: bobRoot, Operations: ['Encrypt'] })), 'AccessDeniedException');
      const sub = await b.send(new CreateGrantCommand({ KeyId: k.Arn, GranteePrincipal: bobRoot, Operations: ['Decrypt'] }));
      assert.equal((await a.send(new ListGrantsCommand({ KeyId: k.KeyId, GrantId: sub.GrantId }))).Grants![0].IssuingAccount, `arn:aws:iam::${B}:root`);

      // ListRetirableGrants: Bob's retirable grants; not someone else's
      const retirable = (await b.send(new ListRetirableGrantsCommand({ RetiringPrincipal: bobRoot }))).Grants!;
      assert.deepEqual(retirable.map((x) => x.GrantId), [g.GrantId]);
      await expectError(b.send(new ListRetirableGrantsCommand({ RetiringPrincipal: `arn:aws:iam::${A}:root` })), 'AccessDeniedException');

      // revoke (owner) and retire (retiring principal, by token)
      await expectError(a.send(new RevokeGrantCommand({ KeyId: k.KeyId, GrantId: 'nope' })), 'InvalidGrantIdException');
      await expectError(a.send(new RevokeGrantCommand({ KeyId: k.KeyId, GrantId: 'f'.repeat(64) })), 'NotFoundException');
      await a.send(new RevokeGrantCommand({ KeyId: k.KeyId, GrantId: sub.GrantId }));
      await expectError(b.send(new RetireGrantCommand({ GrantToken: 'bm90IGEgdG9rZW4' })), 'InvalidGrantTokenException');
      await b.send(new RetireGrantCommand({ GrantToken: g.GrantToken }));
      assert.equal((await a.send(new ListGrantsCommand({ KeyId: k.KeyId }))).Grants!.length, 0);
      await expectError(b.send(new DecryptCommand({ CiphertextBlob: blob })), 'AccessDeniedException');

      // RevokeGrant takes effect at once; RetireGrant by key and id by the owner
      const g2 = await a.send(new CreateGrantCommand({ KeyId: k.KeyId, GranteePrincipal: B, Operations: ['Decrypt'] }));
      await b.send(new DecryptCommand({ CiphertextBlob: blob }));
      await expectError(b.send(new RetireGrantCommand({ KeyId: k.Arn, GrantId: g2.GrantId })), 'AccessDeniedException');
      await a.send(new RetireGrantCommand({ KeyId: k.KeyId, GrantId: g2.GrantId }));
      await expectError(b.send(new DecryptCommand({ CiphertextBlob: blob })), 'AccessDeniedException');
    });

    test('grant constraints on the encryption context', async () => {
      const a = client(ALICE);
      const b = client(BOB);
      const k = await newKey();
      const ctx = { snapshot: 'snap-9' };
      const blob = (await a.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('c'), EncryptionContext: ctx }))).CiphertextBlob!;
      const other = (await a.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('c'), EncryptionContext: { snapshot: 'snap-8' } }))).CiphertextBlob!;
      await a.send(new CreateGrantCommand({ KeyId: k.KeyId, GranteePrincipal: `arn:aws:iam::${B}:root`, Operations: ['Decrypt'], Constraints: { EncryptionContextEquals: ctx } }));
      await b.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: ctx }));
      await expectError(b.send(new DecryptCommand({ CiphertextBlob: other, EncryptionContext: { snapshot: 'snap-8' } })), 'AccessDeniedException');
      const listed = (await a.send(new ListGrantsCommand({ KeyId: k.KeyId }))).Grants![0];
      assert.deepEqual(listed.Constraints, { EncryptionContextEquals: ctx });
    });
  });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

function assertNotInDataDir(dir: string, secrets: Record<string, Buffer>): void {
  const metadata = metadataAtRest(dir);
  assert.ok(metadata.length > 0, 'the metadata is checked too');
  for (const { where: file, bytes } of [...filesUnder(dir).map((f) => ({ where: f, bytes: readFileSync(f) })), ...metadata]) {
    for (const [what, secret] of Object.entries(secrets)) {
      for (const form of [secret, Buffer.from(secret.toString('hex')), Buffer.from(secret.toString('base64'))]) {
        assert.ok(!bytes.includes(form), `${what} found in ${file}`);
      }
    }
  }
}

describe('KMS persistence and data at rest', () => {
  test('keys, aliases, grants and ciphertexts survive a restart; nothing secret is on disk', async () => {
    const dir = tempDir();
    const creds = writeCredentials(tempDir());
    try {
      let server = await startServer({ dataDir: dir, credentials: creds });
      let a = kms(server.url, { account: ALICE });
      const k = (await a.send(new CreateKeyCommand({ Description: 'durable' }))).KeyMetadata!;
      await a.send(new CreateAliasCommand({ AliasName: 'alias/durable', TargetKeyId: k.KeyId }));
      const secretText = randomBytes(48);
      const blob = (await a.send(new EncryptCommand({ KeyId: 'alias/durable', Plaintext: secretText, EncryptionContext: { at: 'rest' } }))).CiphertextBlob!;
      const dataKey = await a.send(new GenerateDataKeyCommand({ KeyId: k.KeyId, KeySpec: 'AES_256' }));
      const grant = await a.send(new CreateGrantCommand({ KeyId: k.KeyId, GranteePrincipal: `arn:aws:iam::${B}:root`, Operations: ['Decrypt'] }));
      const secrets = { 'Encrypt plaintext': secretText, 'GenerateDataKey plaintext': Buffer.from(dataKey.Plaintext!) };
      assertNotInDataDir(dir, secrets); // live, with the WAL
      // the master key is in the database (wrapped), the key-encryption key in a private file
      assert.ok(!existsSync(join(dir, 'master.key')));
      assert.equal(statSync(join(dir, 'kek.key')).mode & 0o777, 0o600);
      assert.equal(await server.stop(), 0);
      assertNotInDataDir(dir, secrets); // checkpointed

      server = await startServer({ dataDir: dir, credentials: creds });
      a = kms(server.url, { account: ALICE });
      assert.equal((await a.send(new DescribeKeyCommand({ KeyId: 'alias/durable' }))).KeyMetadata!.Description, 'durable');
      assert.deepEqual(Buffer.from((await a.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { at: 'rest' } }))).Plaintext!), secretText);
      assert.deepEqual(Buffer.from((await a.send(new DecryptCommand({ CiphertextBlob: dataKey.CiphertextBlob }))).Plaintext!), Buffer.from(dataKey.Plaintext!));
      assert.equal((await a.send(new ListGrantsCommand({ KeyId: k.KeyId }))).Grants![0].GrantId, grant.GrantId);
      await kms(server.url, { account: BOB }).send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { at: 'rest' } }));
      await server.kill();
      server = await startServer({ dataDir: dir, credentials: creds });
      a = kms(server.url, { account: ALICE });
      assert.deepEqual(Buffer.from((await a.send(new DecryptCommand({ CiphertextBlob: blob, EncryptionContext: { at: 'rest' } }))).Plaintext!), secretText);
      await server.stop();
      assertNotInDataDir(dir, secrets);
    } finally {
      removeDir(dir);
    }
  });

  test('IMAGO_MASTER_KEY is adopted into the database; another one refuses the start', async () => {
    const dir = tempDir();
    const saved = process.env.IMAGO_MASTER_KEY;
    try {
      process.env.IMAGO_MASTER_KEY = randomBytes(32).toString('base64');
      let server = await startServer({ dataDir: dir });
      let c = kms(server.url);
      const k = (await c.send(new CreateKeyCommand({}))).KeyMetadata!;
      const blob = (await c.send(new EncryptCommand({ KeyId: k.KeyId, Plaintext: Buffer.from('env') }))).CiphertextBlob!;
      assert.ok(!existsSync(join(dir, 'master.key')));
      await server.stop();

      delete process.env.IMAGO_MASTER_KEY; // the database has it now
      server = await startServer({ dataDir: dir });
      c = kms(server.url);
      assert.equal(Buffer.from((await c.send(new DecryptCommand({ CiphertextBlob: blob }))).Plaintext!).toString(), 'env');
      await server.stop();

      process.env.IMAGO_MASTER_KEY = randomBytes(32).toString('base64');
      await assert.rejects(startServer({ dataDir: dir }), /IMAGO_MASTER_KEY \(fingerprint [0-9a-f]{16}\) is not the master key in the database \(fingerprint [0-9a-f]{16}\)/);

      process.env.IMAGO_MASTER_KEY = 'too-short';
      await assert.rejects(startServer({ dataDir: dir }), /IMAGO_MASTER_KEY must be the base64 encoding of exactly 32 bytes/);
    } finally {
      if (saved === undefined) delete process.env.IMAGO_MASTER_KEY;
      else process.env.IMAGO_MASTER_KEY = saved;
      removeDir(dir);
    }
  });
});
