// EBS encryption by default and the default KMS key for EBS through @aws-sdk/client-ec2:
// Enable/Disable/GetEbsEncryptionByDefault, Get/Modify/ResetEbsDefaultKmsKeyId (every way of
// naming a key, unknown and foreign keys, DryRun), per account and region, what new volumes and
// snapshot copies get from them, and persistence across a restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import {
  CopySnapshotCommand,
  CreateSnapshotCommand,
  CreateVolumeCommand,
  DescribeSnapshotsCommand,
  DescribeVolumesCommand,
  DisableEbsEncryptionByDefaultCommand,
  EnableEbsEncryptionByDefaultCommand,
  GetEbsDefaultKmsKeyIdCommand,
  GetEbsEncryptionByDefaultCommand,
  ModifyEbsDefaultKmsKeyIdCommand,
  ResetEbsDefaultKmsKeyIdCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { CreateAliasCommand, CreateKeyCommand, DescribeKeyCommand } from '@aws-sdk/client-kms';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestAccount, type TestServer } from '../helpers/server.js';
import { expectAwsError as expectError, ec2, kms } from '../helpers/clients.js';
import { until } from '../helpers/until.js';

const A = ALICE.accountId;


describe('EBS encryption defaults', () => {
  let server: TestServer;
  let dir: string;
  const client = (account: TestAccount = ALICE, region = 'us-east-1'): EC2Client => ec2(server.url, { account, region });
  const keys = (account: TestAccount = ALICE, region = 'us-east-1') => kms(server.url, { account, region });
  const defaultKey = async (c: EC2Client) => (await c.send(new GetEbsDefaultKmsKeyIdCommand({}))).KmsKeyId;

  before(async () => {
    dir = tempDir();
    server = await startServer({ dataDir: dir, credentials: writeCredentials(dir), args: ['--settle-ms', '50'] });
  });
  after(async () => {
    await server?.stop();
    removeDir(dir);
  });

  test('encryption by default: off, on, off again; per account and region; DryRun', async () => {
    const get = async (c: EC2Client) => c.send(new GetEbsEncryptionByDefaultCommand({}));
    assert.deepEqual([(await get(client())).EbsEncryptionByDefault, (await get(client())).SseType], [false, 'sse-ebs']);
    await expectError(client().send(new EnableEbsEncryptionByDefaultCommand({ DryRun: true })), 'DryRunOperation', undefined, 412);
    assert.equal((await get(client())).EbsEncryptionByDefault, false);
    assert.equal((await client().send(new EnableEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault, true);
    assert.equal((await get(client())).EbsEncryptionByDefault, true);
    assert.equal((await get(client(BOB))).EbsEncryptionByDefault, false);
    assert.equal((await get(client(ALICE, 'eu-west-1'))).EbsEncryptionByDefault, false);
    await expectError(client().send(new DisableEbsEncryptionByDefaultCommand({ DryRun: true })), 'DryRunOperation', undefined, 412);
    assert.equal((await client().send(new DisableEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault, false);
    assert.equal((await get(client())).EbsEncryptionByDefault, false);
  });

  test('the default key is the AWS managed alias/aws/ebs, created on first use', async () => {
    const arn = await defaultKey(client(ALICE, 'eu-central-1'));
    assert.equal(arn, `arn:aws:kms:eu-central-1:${A}:alias/aws/ebs`);
    const key = (await keys(ALICE, 'eu-central-1').send(new DescribeKeyCommand({ KeyId: arn }))).KeyMetadata!;
    assert.equal(key.KeyManager, 'AWS');
    assert.equal(await defaultKey(client(BOB, 'eu-central-1')), `arn:aws:kms:eu-central-1:${BOB.accountId}:alias/aws/ebs`);
  });

  test('ModifyEbsDefaultKmsKeyId takes a key id, key ARN, alias or alias ARN and answers the key ARN', async () => {
    const key = (await keys().send(new CreateKeyCommand({}))).KeyMetadata!;
    await keys().send(new CreateAliasCommand({ AliasName: 'alias/ebs-default', TargetKeyId: key.KeyId! }));
    for (const ref of [key.KeyId!, key.Arn!, 'alias/ebs-default', `arn:aws:kms:us-east-1:${A}:alias/ebs-default`]) {
      assert.equal((await client().send(new ModifyEbsDefaultKmsKeyIdCommand({ KmsKeyId: ref }))).KmsKeyId, key.Arn, ref);
      assert.equal(await defaultKey(client()), key.Arn);
    }
    assert.equal(await defaultKey(client(BOB)), `arn:aws:kms:us-east-1:${BOB.accountId}:alias/aws/ebs`, 'other accounts keep theirs');
    await expectError(client().send(new ResetEbsDefaultKmsKeyIdCommand({ DryRun: true })), 'DryRunOperation', undefined, 412);
    assert.equal(await defaultKey(client()), key.Arn);
    assert.equal((await client().send(new ResetEbsDefaultKmsKeyIdCommand({}))).KmsKeyId, `arn:aws:kms:us-east-1:${A}:alias/aws/ebs`);
    assert.equal(await defaultKey(client()), `arn:aws:kms:us-east-1:${A}:alias/aws/ebs`);
  });

  test('ModifyEbsDefaultKmsKeyId refuses keys it cannot use; DryRun changes nothing', async () => {
    const modify = (KmsKeyId: string, DryRun?: boolean) => client().send(new ModifyEbsDefaultKmsKeyIdCommand({ KmsKeyId, DryRun }));
    await expectError(modify('alias/does-not-exist'), 'InvalidParameterValue', /alias\/does-not-exist/);
    await expectError(modify('00000000-1111-4222-8333-444444444444'), 'InvalidParameterValue');
    const bobs = (await keys(BOB).send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    await expectError(modify(bobs), 'InvalidParameterValue', /not shared|AccessDenied|not authorized|access/i);
    const west = (await keys(ALICE, 'us-west-2').send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    await expectError(modify(west), 'InvalidParameterValue');
    const mine = (await keys().send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    await expectError(modify(mine, true), 'DryRunOperation', undefined, 412);
    await expectError(modify('alias/does-not-exist', true), 'InvalidParameterValue');
    assert.equal(await defaultKey(client()), `arn:aws:kms:us-east-1:${A}:alias/aws/ebs`);
  });

  test('new volumes and snapshot copies follow encryption by default and the default key', async () => {
    const c = client(ALICE, 'ap-south-1');
    const key = (await keys(ALICE, 'ap-south-1').send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    const plainVolume = (await c.send(new CreateVolumeCommand({ AvailabilityZone: 'ap-south-1a', Size: 1 }))).VolumeId!;
    await until('ready', async () => ((await c.send(new DescribeVolumesCommand({ VolumeIds: [plainVolume] }))).Volumes![0].State === 'available' ? true : undefined));
    const plain = (await c.send(new CreateSnapshotCommand({ VolumeId: plainVolume }))).SnapshotId!;
    await until('ready', async () => ((await c.send(new DescribeSnapshotsCommand({ SnapshotIds: [plain] }))).Snapshots![0].State === 'completed' ? true : undefined));

    await c.send(new EnableEbsEncryptionByDefaultCommand({}));
    await c.send(new ModifyEbsDefaultKmsKeyIdCommand({ KmsKeyId: key }));
    const volume = await c.send(new CreateVolumeCommand({ AvailabilityZone: 'ap-south-1a', Size: 1 }));
    assert.equal(volume.Encrypted, true);
    const ready = await until('ready', async () => {
      const [v] = (await c.send(new DescribeVolumesCommand({ VolumeIds: [volume.VolumeId!] }))).Volumes!;
      return v.State === 'available' ? v : undefined;
    });
    assert.equal(ready.KmsKeyId, key);
    const copy = await c.send(new CopySnapshotCommand({ SourceRegion: 'ap-south-1', SourceSnapshotId: plain }));
    const copied = await until('ready', async () => {
      const [s] = (await c.send(new DescribeSnapshotsCommand({ SnapshotIds: [copy.SnapshotId!] }))).Snapshots!;
      return s.State === 'completed' ? s : undefined;
    });
    assert.equal(copied.Encrypted, true);
    assert.equal(copied.KmsKeyId, key);
  });

  test('settings survive a restart', async () => {
    const c = client(ALICE, 'sa-east-1');
    const key = (await keys(ALICE, 'sa-east-1').send(new CreateKeyCommand({}))).KeyMetadata!.Arn!;
    await c.send(new EnableEbsEncryptionByDefaultCommand({}));
    await c.send(new ModifyEbsDefaultKmsKeyIdCommand({ KmsKeyId: key }));
    assert.equal(await server.stop(), 0);
    server = await startServer({ dataDir: dir, credentials: writeCredentials(dir), args: ['--settle-ms', '50'] });
    const after = client(ALICE, 'sa-east-1');
    assert.equal((await after.send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault, true);
    assert.equal(await defaultKey(after), key);
  });
});
