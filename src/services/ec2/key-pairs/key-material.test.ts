import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, createHmac, createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { createKey, importKey, KeyFormatError } from './key-material.js';
import { sshString } from './ssh-wire.js';

test('created RSA keys: PKCS#1 PEM, SHA-1 of the PKCS#8 DER as the fingerprint', () => {
  const k = createKey('rsa', 'pem', 'k');
  const der = createPrivateKey(k.keyMaterial).export({ type: 'pkcs8', format: 'der' });
  assert.equal(k.fingerprint, createHash('sha1').update(der).digest('hex').match(/../g)!.join(':'));
  assert.match(k.publicKey, /^ssh-rsa AAAAB3NzaC1yc2E/);
});

test('created ED25519 keys: an OpenSSH private key whose public blob matches the public key', () => {
  const k = createKey('ed25519', 'pem', 'k');
  const body = Buffer.from(k.keyMaterial.split('\n').slice(1, -1).join(''), 'base64');
  assert.equal(body.subarray(0, 15).toString('latin1'), 'openssh-key-v1\0');
  const blob = Buffer.from(k.publicKey.split(' ')[1], 'base64');
  assert.ok(body.includes(blob), 'the file embeds the public blob');
  assert.equal(k.fingerprint, createHash('sha256').update(blob).digest('base64'));
});

test('PPK files carry a MAC over algorithm, encryption, comment and both blobs', () => {
  for (const type of ['rsa', 'ed25519'] as const) {
    const k = createKey(type, 'ppk', 'my key');
    const lines = k.keyMaterial.split('\n');
    const pubLines = Number(lines[3].split(': ')[1]);
    const pub = Buffer.from(lines.slice(4, 4 + pubLines).join(''), 'base64');
    const privLines = Number(lines[4 + pubLines].split(': ')[1]);
    const priv = Buffer.from(lines.slice(5 + pubLines, 5 + pubLines + privLines).join(''), 'base64');
    const algorithm = lines[0].split(': ')[1];
    const macKey = createHash('sha1').update('putty-private-key-file-mac-key').digest();
    const mac = createHmac('sha1', macKey).update(Buffer.concat([sshString(algorithm), sshString('none'), sshString('my key'), sshString(pub), sshString(priv)])).digest('hex');
    assert.equal(lines[lines.length - 1], `Private-MAC: ${mac}`);
    assert.equal(pub.toString('base64'), k.publicKey.split(' ')[1]);
  }
});

test('imports: OpenSSH, RFC 4716, PEM and base64 DER give the same key and fingerprint', () => {
  const { publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const spki = publicKey.export({ type: 'spki', format: 'der' });
  const fromPem = importKey(Buffer.from(publicKey.export({ type: 'spki', format: 'pem' }) as string));
  assert.equal(fromPem.fingerprint, createHash('md5').update(spki).digest('hex').match(/../g)!.join(':'));
  const openssh = importKey(Buffer.from(`${fromPem.publicKey} comment here`));
  const base64 = fromPem.publicKey.split(' ')[1];
  const rfc = importKey(Buffer.from(`---- BEGIN SSH2 PUBLIC KEY ----\nComment: "a long \\\ncomment"\n${base64.match(/.{1,70}/g)!.join('\n')}\n---- END SSH2 PUBLIC KEY ----\n`));
  const der = importKey(Buffer.from(spki.toString('base64')));
  for (const k of [openssh, rfc, der]) assert.deepEqual(k, fromPem);
});

test('unreadable, unsupported and too small keys are refused', () => {
  assert.throws(() => importKey(Buffer.from('ssh-rsa AAAA')), KeyFormatError);
  assert.throws(() => importKey(Buffer.from('ssh-dss AAAAB3NzaC1kc3M=')), KeyFormatError);
  const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
  assert.throws(() => importKey(Buffer.from(ec)), KeyFormatError);
  const small = generateKeyPairSync('rsa', { modulusLength: 512 }).publicKey.export({ type: 'spki', format: 'pem' }) as string;
  assert.throws(() => importKey(Buffer.from(small)), KeyFormatError);
});
