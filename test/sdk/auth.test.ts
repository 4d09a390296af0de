// SigV4 with a credentials file: every signature verified, each service's own error codes,
// accounts from the file, presigned URLs, clock skew, and the start-up refusals.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { DescribeRegionsCommand, EnableEbsEncryptionByDefaultCommand, GetEbsEncryptionByDefaultCommand } from '@aws-sdk/client-ec2';
import { DescribeAutoScalingGroupsCommand } from '@aws-sdk/client-auto-scaling';
import { ListKeysCommand } from '@aws-sdk/client-kms';
import { ListSnapshotBlocksCommand } from '@aws-sdk/client-ebs';
import { ALICE, BOB, removeDir, runToExit, startServer, tempDir, writeCredentials, type TestServer } from '../helpers/server.js';
import { autoscaling, awsError, ebs, ec2, kms } from '../helpers/clients.js';
import { signedRequest } from '../helpers/signed-fetch.js';
import { Sha256 } from '../helpers/sha256.js';

const WRONG_SECRET = { accessKeyId: ALICE.accessKeyId, secretAccessKey: 'not-the-secret' };
const UNKNOWN_KEY = { accessKeyId: 'AKIAUNKNOWN000000000', secretAccessKey: 'whatever' };

/** An error from an operation Imago does not serve (UnsupportedOperation and kin) still proves auth passed. */
async function passesAuth(p: Promise<unknown>): Promise<void> {
  try {
    await p;
  } catch (e) {
    const err = e as { name: string; $metadata?: { httpStatusCode?: number } };
    assert.ok(
      !/Signature|Token|AuthFailure|Unrecognized|Expired/.test(err.name),
      `expected to pass authentication, got ${err.name} ${err.$metadata?.httpStatusCode}`,
    );
  }
}

describe('SigV4 verification with a credentials file', () => {
  let server: TestServer;
  let dir: string;

  before(async () => {
    dir = tempDir();
    server = await startServer({ dataDir: dir, credentials: writeCredentials(dir) });
  });
  after(async () => {
    await server?.stop();
    removeDir(dir);
  });

  test('valid signatures pass for every service', async () => {
    const out = await ec2(server.url, { account: ALICE }).send(new DescribeRegionsCommand({}));
    assert.ok(out.Regions!.length > 30);
    await passesAuth(autoscaling(server.url, { account: ALICE }).send(new DescribeAutoScalingGroupsCommand({})));
    await passesAuth(kms(server.url, { account: ALICE }).send(new ListKeysCommand({})));
    await passesAuth(ebs(server.url, { account: ALICE }).send(new ListSnapshotBlocksCommand({ SnapshotId: 'snap-0123456789abcdef0' })));
  });

  test('a wrong secret is refused with each service\'s code', async () => {
    const cases = [
      [() => ec2(server.url, { account: WRONG_SECRET }).send(new DescribeRegionsCommand({})), 'AuthFailure', 401],
      [() => autoscaling(server.url, { account: WRONG_SECRET }).send(new DescribeAutoScalingGroupsCommand({})), 'SignatureDoesNotMatch', 403],
      [() => kms(server.url, { account: WRONG_SECRET }).send(new ListKeysCommand({})), 'InvalidSignatureException', 400],
      [() => ebs(server.url, { account: WRONG_SECRET }).send(new ListSnapshotBlocksCommand({ SnapshotId: 'snap-0123456789abcdef0' })), 'InvalidSignatureException', 403],
    ] as const;
    for (const [send, name, status] of cases) {
      const e = await awsError(send());
      assert.equal(e.name, name);
      assert.equal(e.status, status, name);
    }
    const e = await awsError(ec2(server.url, { account: WRONG_SECRET }).send(new DescribeRegionsCommand({})));
    assert.equal(e.message, 'AWS was not able to validate the provided access credentials');
  });

  test('an unknown access key is refused with each service\'s code', async () => {
    const cases = [
      [() => ec2(server.url, { account: UNKNOWN_KEY }).send(new DescribeRegionsCommand({})), 'AuthFailure', 401],
      [() => autoscaling(server.url, { account: UNKNOWN_KEY }).send(new DescribeAutoScalingGroupsCommand({})), 'InvalidClientTokenId', 403],
      [() => kms(server.url, { account: UNKNOWN_KEY }).send(new ListKeysCommand({})), 'UnrecognizedClientException', 400],
      [() => ebs(server.url, { account: UNKNOWN_KEY }).send(new ListSnapshotBlocksCommand({ SnapshotId: 'snap-0123456789abcdef0' })), 'UnrecognizedClientException', 403],
    ] as const;
    for (const [send, name, status] of cases) {
      const e = await awsError(send());
      assert.equal(e.name, name);
      assert.equal(e.status, status, name);
    }
  });

  test('a tampered body fails verification and changes nothing', async () => {
    const { url, init } = await signedRequest(server.url, {
      service: 'ec2',
      body: 'Action=GetEbsEncryptionByDefault&Version=2016-11-15',
      ...ALICE,
    });
    const headers = { ...(init.headers as Record<string, string>) };
    delete headers.host;
    const res = await fetch(url, { ...init, headers, body: 'Action=EnableEbsEncryptionByDefault&Version=2016-11-15' });
    assert.equal(res.status, 401);
    assert.match(await res.text(), /<Code>AuthFailure<\/Code>/);
    const state = await ec2(server.url, { account: ALICE }).send(new GetEbsEncryptionByDefaultCommand({}));
    assert.equal(state.EbsEncryptionByDefault, false);
  });

  test('a clock skew over 15 minutes gets RequestExpired', async () => {
    const e = await awsError(ec2(server.url, { account: ALICE, systemClockOffset: -20 * 60 * 1000 }).send(new DescribeRegionsCommand({})));
    assert.equal(e.name, 'RequestExpired');
    assert.equal(e.status, 400);
    const k = await awsError(kms(server.url, { account: ALICE, systemClockOffset: 20 * 60 * 1000 }).send(new ListKeysCommand({})));
    assert.equal(k.name, 'InvalidSignatureException');
    assert.match(k.message, /Signature expired/);
    // a small skew is fine
    await ec2(server.url, { account: ALICE, systemClockOffset: -5 * 60 * 1000 }).send(new DescribeRegionsCommand({}));
  });

  test('each access key acts as its own account', async () => {
    await ec2(server.url, { account: BOB }).send(new EnableEbsEncryptionByDefaultCommand({}));
    assert.equal((await ec2(server.url, { account: BOB }).send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault, true);
    assert.equal((await ec2(server.url, { account: ALICE }).send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault, false);
  });

  async function presign(query: Record<string, string>, options: { expiresIn?: number; signingDate?: Date; secret?: string } = {}): Promise<string> {
    const url = new URL(server.url);
    const signer = new SignatureV4({
      service: 'ec2',
      region: 'us-east-1',
      credentials: { accessKeyId: ALICE.accessKeyId, secretAccessKey: options.secret ?? ALICE.secretAccessKey },
      sha256: Sha256,
    });
    const request = new HttpRequest({ method: 'GET', protocol: 'http:', hostname: url.hostname, port: Number(url.port), path: '/', query, headers: { host: url.host } });
    const signed = await signer.presign(request, { expiresIn: options.expiresIn ?? 300, signingDate: options.signingDate });
    const qs = new URLSearchParams(signed.query as Record<string, string>).toString();
    return `${server.url}/?${qs}`;
  }

  test('presigned URLs are verified: valid, tampered, wrong secret, expired', async () => {
    const good = await presign({ Action: 'DescribeRegions', Version: '2016-11-15', 'RegionName.1': 'eu-west-3' });
    const ok = await fetch(good);
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /<regionName>eu-west-3<\/regionName>/);

    const tampered = good.replace('eu-west-3', 'eu-west-2');
    assert.equal((await fetch(tampered)).status, 401);

    const wrong = await presign({ Action: 'DescribeRegions', Version: '2016-11-15' }, { secret: 'nope' });
    assert.equal((await fetch(wrong)).status, 401);

    const old = await presign({ Action: 'DescribeRegions', Version: '2016-11-15' }, { expiresIn: 60, signingDate: new Date(Date.now() - 10 * 60 * 1000) });
    const expired = await fetch(old);
    assert.equal(expired.status, 400);
    assert.match(await expired.text(), /<Code>RequestExpired<\/Code>/);
  });

  test('unsigned and garbled Authorization headers are refused cleanly', async () => {
    const unsigned = await fetch(server.url, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'Action=DescribeRegions&Version=2016-11-15' });
    assert.equal(unsigned.status, 401);
    assert.match(await unsigned.text(), /<Code>MissingAuthenticationToken<\/Code>/);
    const garbled = await fetch(server.url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', authorization: 'AWS4-HMAC-SHA256 Credential=garbage', 'x-amz-date': '20260101T000000Z' },
      body: 'Action=DescribeRegions&Version=2016-11-15',
    });
    assert.equal(garbled.status, 400);
    assert.match(await garbled.text(), /<Code>IncompleteSignature<\/Code>/);
    const kmsUnsigned = await fetch(server.url, { method: 'POST', headers: { 'x-amz-target': 'TrentService.ListKeys', 'content-type': 'application/x-amz-json-1.1' }, body: '{}' });
    assert.equal(kmsUnsigned.status, 400);
    assert.equal(((await kmsUnsigned.json()) as { __type: string }).__type, 'MissingAuthenticationTokenException');
  });

  test('the admin reset is refused when credentials are verified', async () => {
    const res = await fetch(`${server.url}/_imago/reset`, { method: 'POST' });
    assert.equal(res.status, 403);
    assert.equal((await ec2(server.url, { account: BOB }).send(new GetEbsEncryptionByDefaultCommand({}))).EbsEncryptionByDefault, true);
  });
});

describe('start-up refusals', () => {
  test('a non-loopback address without a credentials file refuses to start', async () => {
    const dir = tempDir();
    try {
      const r = await runToExit(['serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', dir]);
      assert.equal(r.code, 1);
      assert.match(r.output, /refusing to listen on 0\.0\.0\.0 without --credentials/);
    } finally {
      removeDir(dir);
    }
  });

  test('--default-account is refused with a credentials file, and bad files are explained', async () => {
    const dir = tempDir();
    try {
      const creds = writeCredentials(dir);
      const r = await runToExit(['serve', '--port', '0', '--data-dir', dir, '--credentials', creds, '--default-account', '123456789012']);
      assert.equal(r.code, 1);
      assert.match(r.output, /dev-mode option/);
      const missing = await runToExit(['serve', '--port', '0', '--data-dir', dir, '--credentials', `${dir}/nope`]);
      assert.equal(missing.code, 1);
      assert.match(missing.output, /cannot read credentials file/);
      const usage = await runToExit(['serve', '--port', 'eighty']);
      assert.equal(usage.code, 2);
      assert.match(usage.output, /--port must be/);
    } finally {
      removeDir(dir);
    }
  });

  test('a non-loopback address with a credentials file starts', async () => {
    const dir = tempDir();
    const server = await startServer({ dataDir: dir, credentials: writeCredentials(dir), args: ['--host', '0.0.0.0'] });
    try {
      const out = await ec2(server.url.replace('0.0.0.0', '127.0.0.1'), { account: ALICE }).send(new DescribeRegionsCommand({ RegionNames: ['us-east-1'] }));
      assert.equal(out.Regions!.length, 1);
    } finally {
      await server.stop();
      removeDir(dir);
    }
  });
});
