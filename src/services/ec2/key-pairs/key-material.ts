// Key pair material with node:crypto: new RSA-2048 and ED25519 keys in AWS's formats (pem: an
// RSA PKCS#1 key or an OpenSSH ED25519 key; ppk: PuTTY), public keys parsed from what
// ImportKeyPair accepts (OpenSSH one-liners, RFC 4716 blocks, base64 DER/PEM SubjectPublicKeyInfo),
// and the fingerprints AWS reports. The fingerprint rules are the EC2 User Guide's
// ("Verify the fingerprint of your key pair"):
//   created RSA:   SHA-1 of the PKCS#8 DER private key, colon hex
//   imported RSA:  MD5 of the DER SubjectPublicKeyInfo, colon hex
//   ED25519:       base64 SHA-256 of the OpenSSH public key blob (what `ssh-keygen -l` shows)
import { createHash, createPublicKey, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { ppkPrivateKey } from './ppk.js';
import { sshMpint, sshString, sshUint32 } from './ssh-wire.js';

export type KeyType = 'rsa' | 'ed25519';

export interface CreatedKey {
  keyType: KeyType;
  /** what CreateKeyPair returns once (never stored) */
  keyMaterial: string;
  publicKey: string;
  fingerprint: string;
}

export interface ImportedKey {
  keyType: KeyType;
  publicKey: string;
  fingerprint: string;
}

export class KeyFormatError extends Error {}

const colonHex = (digest: Buffer) => digest.toString('hex').match(/../g)!.join(':');

/** The OpenSSH wire blob of a public key (`ssh-rsa` e n, or `ssh-ed25519` 32 bytes). */
function sshBlob(key: KeyObject): Buffer {
  const jwk = key.export({ format: 'jwk' });
  if (jwk.kty === 'RSA') return Buffer.concat([sshString('ssh-rsa'), sshMpint(Buffer.from(jwk.e!, 'base64url')), sshMpint(Buffer.from(jwk.n!, 'base64url'))]);
  return Buffer.concat([sshString('ssh-ed25519'), sshString(Buffer.from(jwk.x!, 'base64url'))]);
}

const openSshLine = (key: KeyObject) => `${key.asymmetricKeyType === 'rsa' ? 'ssh-rsa' : 'ssh-ed25519'} ${sshBlob(key).toString('base64')}`;

const ed25519Fingerprint = (key: KeyObject) => createHash('sha256').update(sshBlob(key)).digest('base64');

/** OpenSSH's own private key file (openssh-key-v1, unencrypted): AWS's pem for ED25519 keys. */
function openSshPrivateKey(privateKey: KeyObject, publicKey: KeyObject, comment: string): string {
  const seed = Buffer.from(privateKey.export({ format: 'jwk' }).d!, 'base64url');
  const pub = Buffer.from(publicKey.export({ format: 'jwk' }).x!, 'base64url');
  const blob = sshBlob(publicKey);
  const check = randomBytes(4);
  let priv = Buffer.concat([check, check, sshString('ssh-ed25519'), sshString(pub), sshString(Buffer.concat([seed, pub])), sshString(comment)]);
  const pad = (8 - (priv.length % 8)) % 8;
  priv = Buffer.concat([priv, Buffer.from(Array.from({ length: pad }, (_, i) => i + 1))]);
  const body = Buffer.concat([Buffer.from('openssh-key-v1\0'), sshString('none'), sshString('none'), sshString(''), sshUint32(1), sshString(blob), sshString(priv)]);
  const lines = body.toString('base64').match(/.{1,70}/g)!.join('\n');
  return `-----BEGIN OPENSSH PRIVATE KEY-----\n${lines}\n-----END OPENSSH PRIVATE KEY-----\n`;
}

export function createKey(keyType: KeyType, format: 'pem' | 'ppk', name: string): CreatedKey {
  if (keyType === 'rsa') {
    const { privateKey, publicKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const pkcs8 = privateKey.export({ format: 'der', type: 'pkcs8' });
    const keyMaterial = format === 'ppk' ? ppkPrivateKey(privateKey, sshBlob(publicKey), name) : (privateKey.export({ format: 'pem', type: 'pkcs1' }) as string).trimEnd();
    return { keyType, keyMaterial, publicKey: openSshLine(publicKey), fingerprint: colonHex(createHash('sha1').update(pkcs8).digest()) };
  }
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const keyMaterial = format === 'ppk' ? ppkPrivateKey(privateKey, sshBlob(publicKey), name) : openSshPrivateKey(privateKey, publicKey, name).trimEnd();
  return { keyType, keyMaterial, publicKey: openSshLine(publicKey), fingerprint: ed25519Fingerprint(publicKey) };
}

// ---- ImportKeyPair ------------------------------------------------------------------------

/** Reads an OpenSSH wire blob into a public key. */
function fromSshBlob(blob: Buffer): KeyObject {
  let off = 0;
  const next = () => {
    if (off + 4 > blob.length) throw new KeyFormatError('truncated key');
    const len = blob.readUInt32BE(off);
    const v = blob.subarray(off + 4, off + 4 + len);
    if (v.length !== len) throw new KeyFormatError('truncated key');
    off += 4 + len;
    return v;
  };
  const type = next().toString('latin1');
  const unsigned = (b: Buffer) => (b[0] === 0 ? b.subarray(1) : b).toString('base64url');
  if (type === 'ssh-rsa') {
    const e = next();
    const n = next();
    return createPublicKey({ key: { kty: 'RSA', e: unsigned(e), n: unsigned(n) }, format: 'jwk' });
  }
  if (type === 'ssh-ed25519') {
    const x = next();
    if (x.length !== 32) throw new KeyFormatError('bad ed25519 key');
    return createPublicKey({ key: { kty: 'OKP', crv: 'Ed25519', x: x.toString('base64url') }, format: 'jwk' });
  }
  throw new KeyFormatError(`unsupported key type ${type}`);
}

function parsePublicKey(material: Buffer): KeyObject {
  const text = material.toString('utf8').trim();
  const openssh = /^(ssh-rsa|ssh-ed25519)\s+([A-Za-z0-9+/=]+)(\s.*)?$/s.exec(text);
  if (openssh) return fromSshBlob(Buffer.from(openssh[2], 'base64'));
  if (text.startsWith('---- BEGIN SSH2 PUBLIC KEY ----')) {
    // RFC 4716: headers (`Tag: value`, possibly continued with a trailing backslash), then base64
    const lines = text.split(/\r?\n/).slice(1, -1);
    const body: string[] = [];
    let continued = false;
    for (const line of lines) {
      if (continued || /^[^:\s]{1,64}:/.test(line)) continued = line.endsWith('\\');
      else body.push(line.trim());
    }
    return fromSshBlob(Buffer.from(body.join(''), 'base64'));
  }
  if (text.startsWith('-----BEGIN')) return createPublicKey(text);
  // base64 of DER SubjectPublicKeyInfo (or the raw DER bytes themselves)
  const der = /^[A-Za-z0-9+/=\s]+$/.test(text) ? Buffer.from(text, 'base64') : material;
  return createPublicKey({ key: der, format: 'der', type: 'spki' });
}

export function importKey(material: Buffer): ImportedKey {
  let key: KeyObject;
  try {
    key = parsePublicKey(material);
  } catch {
    throw new KeyFormatError('unreadable key');
  }
  if (key.asymmetricKeyType === 'ed25519') return { keyType: 'ed25519', publicKey: openSshLine(key), fingerprint: ed25519Fingerprint(key) };
  if (key.asymmetricKeyType !== 'rsa') throw new KeyFormatError(`unsupported key type ${key.asymmetricKeyType}`);
  const bits = key.asymmetricKeyDetails?.modulusLength ?? 0;
  if (bits < 1024 || bits > 4096) throw new KeyFormatError(`unsupported RSA key length ${bits}`);
  const spki = key.export({ format: 'der', type: 'spki' });
  return { keyType: 'rsa', publicKey: openSshLine(key), fingerprint: colonHex(createHash('md5').update(spki).digest()) };
}
