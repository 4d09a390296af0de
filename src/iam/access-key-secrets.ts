// IAM users' secret access keys at rest: sealed under a key derived from the master key, bound
// to the access key id (AAD), so the database never holds a secret in the clear and a sealed
// secret moved to another key's row does not open.
import { randomBytes } from 'node:crypto';
import { deriveKey, seal, unseal } from '../services/kms/key-wrap.js';

const aad = (accessKeyId: string) => Buffer.from(`imago iam access key|${accessKeyId}`);

export class AccessKeySecrets {
  private readonly key: Buffer;

  constructor(masterKey: Buffer) {
    this.key = deriveKey(masterKey, 'imago iam access key secrets v1');
  }

  /** A new 40-character secret (AWS's length and alphabet) and its sealed form. */
  create(accessKeyId: string): { secret: string; sealed: Buffer } {
    const secret = randomBytes(30).toString('base64');
    return { secret, sealed: seal(this.key, Buffer.from(secret), aad(accessKeyId)) };
  }

  open(accessKeyId: string, sealed: Buffer): string {
    const secret = unseal(this.key, sealed, aad(accessKeyId));
    if (!secret) throw new Error(`the secret of access key ${accessKeyId} does not unwrap under this master key`);
    return secret.toString();
  }
}
