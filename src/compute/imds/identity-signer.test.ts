// The identity signatures, checked the way the EC2 User Guide tells users to check AWS's: with
// the openssl binary, against the certificate the signer publishes.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { X509Certificate } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IdentitySigner } from './identity-signer.js';
import { renderIdentityDocument } from './identity-document.js';

let dir: string;
let signer: IdentitySigner;
const document = renderIdentityDocument({
  accountId: '111111111111',
  architecture: 'x86_64',
  availabilityZone: 'us-east-1a',
  billingProducts: null,
  devpayProductCodes: null,
  marketplaceProductCodes: ['1abc2defghijklm3nopqrs4tu'],
  imageId: 'ami-0123456789abcdef0',
  instanceId: 'i-0123456789abcdef0',
  instanceType: 't3.micro',
  kernelId: null,
  pendingTime: '2026-01-01T00:00:00Z',
  privateIp: '172.31.0.4',
  ramdiskId: null,
  region: 'us-east-1',
  version: '2017-09-30',
});

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'imds-signer-'));
  signer = IdentitySigner.from(await IdentitySigner.generateKeys());
  writeFileSync(join(dir, 'document'), document);
  writeFileSync(join(dir, 'certificate'), signer.certificatePem);
});
after(() => rmSync(dir, { recursive: true, force: true }));

const openssl = (...args: string[]) => execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
const armoured = (body: string) => `-----BEGIN PKCS7-----\n${body}\n-----END PKCS7-----\n`;

test('the document renders in EC2 layout', () => {
  assert.match(document, /^\{\n {2}"accountId" : "111111111111",\n {2}"architecture" : "x86_64",/);
  assert.ok(document.includes('"marketplaceProductCodes" : [ "1abc2defghijklm3nopqrs4tu" ],\n'));
  assert.ok(document.includes('"kernelId" : null,\n'));
  assert.ok(document.endsWith('"version" : "2017-09-30"\n}'));
  assert.deepEqual(Object.keys(JSON.parse(document)).length, 15);
});

test('signature: RSA over SHA-256 of the document, verified as the User Guide does it', () => {
  const { signature } = signer.sign(document);
  assert.ok(signature.split('\n').every((l) => l.length <= 64));
  writeFileSync(join(dir, 'signature'), Buffer.from(signature, 'base64'));
  openssl('x509', '-pubkey', '-noout', '-in', 'certificate', '-out', 'key');
  assert.match(openssl('dgst', '-sha256', '-verify', 'key', '-signature', 'signature', 'document'), /Verified OK/);
  writeFileSync(join(dir, 'tampered'), document.replace('t3.micro', 't3.large'));
  assert.throws(() => openssl('dgst', '-sha256', '-verify', 'key', '-signature', 'signature', 'tampered'));
});

test('rsa2048 and pkcs7: PKCS#7 signed-data with the document inside, verified by smime and cms', () => {
  const { rsa2048, pkcs7 } = signer.sign(document);
  for (const [name, body] of [['rsa2048', rsa2048], ['pkcs7', pkcs7]]) {
    writeFileSync(join(dir, name), armoured(body));
    // The User Guide's command (certificate given, chain not checked)...
    assert.equal(openssl('smime', '-verify', '-in', name, '-inform', 'PEM', '-certfile', 'certificate', '-noverify'), document);
    // ...and with the chain checked against the published certificate as the trust anchor.
    assert.equal(openssl('smime', '-verify', '-in', name, '-inform', 'PEM', '-CAfile', 'certificate'), document);
    assert.equal(openssl('cms', '-verify', '-in', name, '-inform', 'PEM', '-CAfile', 'certificate'), document);
  }
  const info = openssl('pkcs7', '-in', 'rsa2048', '-print');
  assert.match(info, /type: pkcs7-signedData/);
  assert.match(info, /algorithm: sha256/);
});

test('a signature does not verify under another signer\'s certificate', async () => {
  const other = IdentitySigner.from(await IdentitySigner.generateKeys());
  writeFileSync(join(dir, 'other.pem'), other.certificatePem);
  writeFileSync(join(dir, 'mine'), armoured(signer.sign(document).rsa2048));
  assert.throws(() => openssl('smime', '-verify', '-in', 'mine', '-inform', 'PEM', '-CAfile', 'other.pem'));
});

test('the certificate: self-signed v3, RSA-2048, SHA-256, long-lived', () => {
  const cert = new X509Certificate(signer.certificatePem);
  assert.ok(cert.verify(cert.publicKey), 'self-signed');
  assert.equal(cert.ca, true);
  assert.equal(cert.publicKey.asymmetricKeyDetails?.modulusLength, 2048);
  assert.match(cert.subject, /CN=Imago instance identity/);
  assert.ok(new Date(cert.validTo).getUTCFullYear() > 2100);
  assert.ok(new Date(cert.validFrom).getTime() < Date.now());
  assert.match(openssl('verify', '-CAfile', 'certificate', 'certificate'), /OK/);
  assert.match(openssl('x509', '-in', 'certificate', '-noout', '-text'), /Signature Algorithm: sha256WithRSAEncryption/);
});

test('a signer is made from its key and certificate; a certificate of another key is refused', async () => {
  const keys = await IdentitySigner.generateKeys();
  const again = IdentitySigner.from({ ...keys });
  assert.equal(again.certificatePem, IdentitySigner.from(keys).certificatePem);
  assert.equal(again.sign(document).signature, IdentitySigner.from(keys).sign(document).signature, 'same key (PKCS#1 v1.5 is deterministic)');
  const recertified = IdentitySigner.from({ key: keys.key, certificate: IdentitySigner.certify(keys.key) });
  assert.equal(recertified.sign(document).signature, again.sign(document).signature, 'a new certificate for the same key');
  const other = await IdentitySigner.generateKeys();
  assert.throws(() => IdentitySigner.from({ key: keys.key, certificate: other.certificate }), /does not belong/);
});
