// PuTTY private key files (CreateKeyPair KeyFormat=ppk): format version 2, unencrypted, which
// every PuTTY release reads. Private part: RSA d, p, q, iqmp as mpints; ED25519 the 32-byte
// seed. The MAC is HMAC-SHA-1 under SHA-1("putty-private-key-file-mac-key") (empty passphrase).
import { createHash, createHmac, type KeyObject } from 'node:crypto';
import { sshMpint, sshString } from './ssh-wire.js';

const lines = (b: Buffer) => b.toString('base64').match(/.{1,64}/g)!;

export function ppkPrivateKey(privateKey: KeyObject, publicBlob: Buffer, comment: string): string {
  const jwk = privateKey.export({ format: 'jwk' });
  const raw = (v: string | undefined) => Buffer.from(v!, 'base64url');
  const algorithm = jwk.kty === 'RSA' ? 'ssh-rsa' : 'ssh-ed25519';
  const privateBlob =
    jwk.kty === 'RSA' ? Buffer.concat([sshMpint(raw(jwk.d)), sshMpint(raw(jwk.p)), sshMpint(raw(jwk.q)), sshMpint(raw(jwk.qi))]) : sshString(raw(jwk.d));
  const macKey = createHash('sha1').update('putty-private-key-file-mac-key').digest();
  const mac = createHmac('sha1', macKey)
    .update(Buffer.concat([sshString(algorithm), sshString('none'), sshString(comment), sshString(publicBlob), sshString(privateBlob)]))
    .digest('hex');
  const pub = lines(publicBlob);
  const priv = lines(privateBlob);
  return [
    `PuTTY-User-Key-File-2: ${algorithm}`,
    'Encryption: none',
    `Comment: ${comment}`,
    `Public-Lines: ${pub.length}`,
    ...pub,
    `Private-Lines: ${priv.length}`,
    ...priv,
    `Private-MAC: ${mac}`,
  ].join('\n');
}
