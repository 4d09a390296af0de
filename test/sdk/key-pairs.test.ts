// EC2 key pairs through @aws-sdk/client-ec2: CreateKeyPair (RSA and ED25519, pem and ppk, AWS's
// fingerprints checked against node:crypto and ssh-keygen), ImportKeyPair (OpenSSH, RFC 4716,
// PEM and DER public keys; MD5/SHA-256 fingerprints), DescribeKeyPairs (names, ids, filters,
// public keys, tags), DeleteKeyPair, accounts and regions, DryRun and a restart.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CreateKeyPairCommand,
  CreateTagsCommand,
  DeleteKeyPairCommand,
  DescribeKeyPairsCommand,
  DescribeTagsCommand,
  ImportKeyPairCommand,
  type EC2Client,
} from '@aws-sdk/client-ec2';
import { ALICE, BOB, removeDir, startServer, tempDir, writeCredentials, type TestAccount, type TestServer } from '../helpers/server.js';
import { ec2 } from '../helpers/clients.js';
import { expectError } from '../helpers/images.js';

const colonHex = (b: Buffer) => b.toString('hex').match(/../g)!.join(':');

/** ssh-keygen's SHA256 fingerprint of a key file (private or public). */
function sshFingerprint(path: string): string {
  return execFileSync('ssh-keygen', ['-l', '-E', 'sha256', '-f', path], { encoding: 'utf8' }).split(' ')[1].replace(/^SHA256:/, '');
}

describe('EC2 key pairs', () => {
  let server: TestServer;
  let dir: string;
  const client = (account: TestAccount = ALICE, region = 'us-east-1'): EC2Client => ec2(server.url, { account, region });
  const alice = () => client(ALICE);
  const names = async (c: EC2Client, input = {}) => ((await c.send(new DescribeKeyPairsCommand(input))).KeyPairs ?? []).map((k) => k.KeyName!).sort();

  before(async () => {
    dir = tempDir();
    server = await startServer({ credentials: writeCredentials(dir), dataDir: join(dir, 'data') });
  });
  after(async () => {
    await server.stop();
    removeDir(dir);
  });

  test('CreateKeyPair rsa/pem: a real PKCS#1 key whose fingerprint is the SHA-1 of its PKCS#8 DER', async () => {
    const k = await alice().send(new CreateKeyPairCommand({ KeyName: 'rsa-pem', TagSpecifications: [{ ResourceType: 'key-pair', Tags: [{ Key: 'team', Value: 'a' }] }] }));
    assert.match(k.KeyPairId!, /^key-[0-9a-f]{17}$/);
    assert.match(k.KeyMaterial!, /^-----BEGIN RSA PRIVATE KEY-----\n/);
    const key = createPrivateKey(k.KeyMaterial!);
    assert.equal(key.asymmetricKeyDetails!.modulusLength, 2048);
    assert.equal(k.KeyFingerprint, colonHex(createHash('sha1').update(key.export({ type: 'pkcs8', format: 'der' })).digest()));
    assert.deepEqual(k.Tags, [{ Key: 'team', Value: 'a' }]);
    // ssh accepts it, and the public half AWS keeps is the same key
    const path = join(dir, 'rsa.pem');
    writeFileSync(path, k.KeyMaterial! + '\n');
    chmodSync(path, 0o600);
    const pub = execFileSync('ssh-keygen', ['-y', '-f', path], { encoding: 'utf8' }).trim();
    const [info] = (await alice().send(new DescribeKeyPairsCommand({ KeyNames: ['rsa-pem'], IncludePublicKey: true }))).KeyPairs!;
    assert.equal(info.PublicKey, `${pub} rsa-pem`);
    assert.equal(info.KeyType, 'rsa');
    assert.equal(info.KeyFingerprint, k.KeyFingerprint);
    assert.ok(info.CreateTime instanceof Date);
  });

  test('CreateKeyPair ed25519/pem: an OpenSSH key whose fingerprint is the base64 SHA-256 ssh-keygen shows', async () => {
    const k = await alice().send(new CreateKeyPairCommand({ KeyName: 'ed-pem', KeyType: 'ed25519' }));
    assert.match(k.KeyMaterial!, /^-----BEGIN OPENSSH PRIVATE KEY-----\n/);
    const path = join(dir, 'ed.pem');
    writeFileSync(path, k.KeyMaterial! + '\n');
    chmodSync(path, 0o600);
    assert.match(k.KeyFingerprint!, /^[A-Za-z0-9+/]{43}=$/);
    assert.equal(k.KeyFingerprint!.replace(/=+$/, ''), sshFingerprint(path));
    const [info] = (await alice().send(new DescribeKeyPairsCommand({ KeyNames: ['ed-pem'], IncludePublicKey: true }))).KeyPairs!;
    assert.equal(info.KeyType, 'ed25519');
    assert.match(info.PublicKey!, /^ssh-ed25519 AAAAC3NzaC1lZDI1NTE5[A-Za-z0-9+/=]+ ed-pem$/);
  });

  test('CreateKeyPair ppk: PuTTY private key files', async () => {
    for (const KeyType of ['rsa', 'ed25519'] as const) {
      const k = await alice().send(new CreateKeyPairCommand({ KeyName: `ppk-${KeyType}`, KeyType, KeyFormat: 'ppk' }));
      const lines = k.KeyMaterial!.split('\n');
      assert.equal(lines[0], `PuTTY-User-Key-File-2: ${KeyType === 'rsa' ? 'ssh-rsa' : 'ssh-ed25519'}`);
      assert.equal(lines[1], 'Encryption: none');
      assert.equal(lines[2], `Comment: ppk-${KeyType}`);
      assert.match(lines[lines.length - 1], /^Private-MAC: [0-9a-f]{40}$/);
      // the PPK's public blob is the key AWS keeps
      const publicLines = Number(lines[3].replace('Public-Lines: ', ''));
      const blob = lines.slice(4, 4 + publicLines).join('');
      const [info] = (await alice().send(new DescribeKeyPairsCommand({ KeyNames: [`ppk-${KeyType}`], IncludePublicKey: true }))).KeyPairs!;
      assert.equal(info.PublicKey!.split(' ')[1], blob);
    }
  });

  test('names: unique per account and region, at most 255 ASCII characters', async () => {
    await alice().send(new CreateKeyPairCommand({ KeyName: 'shared-name' }));
    await expectError(alice().send(new CreateKeyPairCommand({ KeyName: 'shared-name' })), 'InvalidKeyPair.Duplicate', /The keypair 'shared-name' already exists/);
    await client(BOB).send(new CreateKeyPairCommand({ KeyName: 'shared-name' }));
    await client(ALICE, 'eu-west-1').send(new CreateKeyPairCommand({ KeyName: 'shared-name' }));
    await expectError(alice().send(new CreateKeyPairCommand({ KeyName: 'x'.repeat(256) })), 'InvalidParameterValue');
    await expectError(alice().send(new CreateKeyPairCommand({ KeyName: 'clé' })), 'InvalidParameterValue', /ASCII/);
    await expectError(alice().send(new CreateKeyPairCommand({ KeyName: 'k', KeyType: 'dsa' as never })), 'InvalidParameterValue');
    assert.ok(!(await names(client(BOB))).includes('rsa-pem'), "Bob does not see Alice's keys");
  });

  test('ImportKeyPair: OpenSSH, RFC 4716, PEM and DER public keys with AWS fingerprints', async () => {
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const spki = rsa.publicKey.export({ type: 'spki', format: 'der' });
    const md5 = colonHex(createHash('md5').update(spki).digest());
    // OpenSSH form, made by ssh-keygen from the PEM
    const pemPath = join(dir, 'import.pem');
    writeFileSync(pemPath, rsa.privateKey.export({ type: 'pkcs1', format: 'pem' }) as string);
    chmodSync(pemPath, 0o600);
    const openssh = execFileSync('ssh-keygen', ['-y', '-f', pemPath], { encoding: 'utf8' }).trim();
    const a = await alice().send(new ImportKeyPairCommand({ KeyName: 'imp-openssh', PublicKeyMaterial: Buffer.from(`${openssh} me@host\n`) }));
    assert.equal(a.KeyFingerprint, md5, 'MD5 of the DER public key, as the EC2 User Guide computes it');
    assert.match(a.KeyPairId!, /^key-/);
    const rfc4716 = execFileSync('ssh-keygen', ['-e', '-f', pemPath], { encoding: 'utf8' });
    const b = await alice().send(new ImportKeyPairCommand({ KeyName: 'imp-rfc4716', PublicKeyMaterial: Buffer.from(rfc4716) }));
    assert.equal(b.KeyFingerprint, md5);
    const c = await alice().send(new ImportKeyPairCommand({ KeyName: 'imp-pem', PublicKeyMaterial: Buffer.from(rsa.publicKey.export({ type: 'spki', format: 'pem' }) as string) }));
    assert.equal(c.KeyFingerprint, md5);
    const d = await alice().send(new ImportKeyPairCommand({ KeyName: 'imp-der', PublicKeyMaterial: Buffer.from(spki.toString('base64')) }));
    assert.equal(d.KeyFingerprint, md5);
    const ed = generateKeyPairSync('ed25519');
    const edPath = join(dir, 'ed-import.pub');
    const edOpenSsh = `ssh-ed25519 ${Buffer.concat([Buffer.from([0, 0, 0, 11]), Buffer.from('ssh-ed25519'), Buffer.from([0, 0, 0, 32]), ed.publicKey.export({ format: 'der', type: 'spki' }).subarray(-32)]).toString('base64')}`;
    writeFileSync(edPath, `${edOpenSsh}\n`);
    const e = await alice().send(new ImportKeyPairCommand({ KeyName: 'imp-ed', PublicKeyMaterial: Buffer.from(edOpenSsh) }));
    assert.equal(e.KeyFingerprint!.replace(/=+$/, ''), sshFingerprint(edPath));
    const [info] = (await alice().send(new DescribeKeyPairsCommand({ KeyNames: ['imp-openssh'], IncludePublicKey: true }))).KeyPairs!;
    assert.equal(info.PublicKey, `${openssh} imp-openssh`);

    await expectError(alice().send(new ImportKeyPairCommand({ KeyName: 'bad', PublicKeyMaterial: Buffer.from('ssh-rsa not-a-key') })), 'InvalidKey.Format', /Key is not in valid OpenSSH public key format/);
    await expectError(alice().send(new ImportKeyPairCommand({ KeyName: 'bad', PublicKeyMaterial: Buffer.from('hello world') })), 'InvalidKey.Format');
    const small = generateKeyPairSync('rsa', { modulusLength: 512 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
    await expectError(alice().send(new ImportKeyPairCommand({ KeyName: 'bad', PublicKeyMaterial: Buffer.from(small) })), 'InvalidKey.Format');
    await expectError(alice().send(new ImportKeyPairCommand({ KeyName: 'imp-ed', PublicKeyMaterial: Buffer.from(edOpenSsh) })), 'InvalidKeyPair.Duplicate');
  });

  test('DescribeKeyPairs: names, ids, filters, tags; unknown names and ids fail', async () => {
    const all = await alice().send(new DescribeKeyPairsCommand({}));
    assert.ok(all.KeyPairs!.every((k) => k.PublicKey === undefined), 'public keys only when asked');
    const rsa = all.KeyPairs!.find((k) => k.KeyName === 'rsa-pem')!;
    assert.deepEqual(await names(alice(), { KeyPairIds: [rsa.KeyPairId] }), ['rsa-pem']);
    assert.deepEqual(await names(alice(), { KeyNames: ['rsa-pem', 'ed-pem'] }), ['ed-pem', 'rsa-pem']);
    await expectError(alice().send(new DescribeKeyPairsCommand({ KeyNames: ['nope'] })), 'InvalidKeyPair.NotFound', /The key pair 'nope' does not exist/);
    await expectError(alice().send(new DescribeKeyPairsCommand({ KeyPairIds: ['key-0123456789abcdef0'] })), 'InvalidKeyPair.NotFound');
    assert.deepEqual(await names(alice(), { Filters: [{ Name: 'key-name', Values: ['imp-*'] }] }), ['imp-der', 'imp-ed', 'imp-openssh', 'imp-pem', 'imp-rfc4716']);
    assert.deepEqual(await names(alice(), { Filters: [{ Name: 'fingerprint', Values: [rsa.KeyFingerprint!] }] }), ['rsa-pem']);
    assert.deepEqual(await names(alice(), { Filters: [{ Name: 'key-pair-id', Values: [rsa.KeyPairId!] }] }), ['rsa-pem']);
    assert.deepEqual(await names(alice(), { Filters: [{ Name: 'tag:team', Values: ['a'] }] }), ['rsa-pem']);
    await alice().send(new CreateTagsCommand({ Resources: [rsa.KeyPairId!], Tags: [{ Key: 'env', Value: 'prod' }] }));
    assert.deepEqual(await names(alice(), { Filters: [{ Name: 'tag-key', Values: ['env'] }] }), ['rsa-pem']);
    const tags = await alice().send(new DescribeTagsCommand({ Filters: [{ Name: 'resource-type', Values: ['key-pair'] }] }));
    assert.deepEqual(tags.Tags!.map((t) => t.Key).sort(), ['env', 'team']);
    await expectError(alice().send(new DescribeKeyPairsCommand({ Filters: [{ Name: 'colour', Values: ['x'] }] })), 'InvalidParameterValue');
  });

  test('DeleteKeyPair: by name (missing names are fine) or id; DryRun deletes nothing', async () => {
    await alice().send(new CreateKeyPairCommand({ KeyName: 'doomed' }));
    await expectError(alice().send(new DeleteKeyPairCommand({ KeyName: 'doomed', DryRun: true })), 'DryRunOperation', undefined, 412);
    assert.ok((await names(alice())).includes('doomed'));
    const out = await alice().send(new DeleteKeyPairCommand({ KeyName: 'doomed' }));
    assert.equal(out.Return, true);
    assert.match(out.KeyPairId!, /^key-/);
    assert.ok(!(await names(alice())).includes('doomed'));
    assert.equal((await alice().send(new DeleteKeyPairCommand({ KeyName: 'doomed' }))).Return, true);
    const k = await alice().send(new CreateKeyPairCommand({ KeyName: 'by-id' }));
    assert.equal((await alice().send(new DeleteKeyPairCommand({ KeyPairId: k.KeyPairId }))).KeyPairId, k.KeyPairId);
    await expectError(alice().send(new DeleteKeyPairCommand({ KeyPairId: k.KeyPairId })), 'InvalidKeyPair.NotFound');
    await expectError(alice().send(new DeleteKeyPairCommand({})), 'MissingParameter');
    await expectError(alice().send(new CreateKeyPairCommand({ KeyName: 'dry', DryRun: true })), 'DryRunOperation', undefined, 412);
    assert.ok(!(await names(alice())).includes('dry'));
  });

  test('key pairs survive a restart', async () => {
    const before = await alice().send(new DescribeKeyPairsCommand({}));
    await server.kill();
    server = await startServer({ credentials: join(dir, 'credentials'), dataDir: join(dir, 'data') });
    const after = await alice().send(new DescribeKeyPairsCommand({}));
    assert.deepEqual(after.KeyPairs, before.KeyPairs);
  });
});
