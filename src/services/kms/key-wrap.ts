// Key material at rest: each KMS key's 256-bit AES key is stored only wrapped with AES-256-GCM
// under a key derived from the master key (HKDF, so the master key itself encrypts nothing). The
// wrap is bound (as AAD) to the key's account, region and id, so a wrapped blob moved to another
// row does not unwrap. The same derivation gives the MAC key for grant tokens.
//
// Wrapped format: version (1 byte, 0x01) | nonce (12) | tag (16) | encrypted material (32).
// `seal`/`unseal` are that format for any secret under any wrapping key (kek.ts wraps the
// cluster's key material with them).
import { createCipheriv, createDecipheriv, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

export interface KeyIdentity {
  accountId: string;
  region: string;
  keyId: string;
}

const VERSION = 0x01;
const NONCE = 12;
const TAG = 16;

/** A 256-bit key for one purpose (`info`) from a secret that is itself never used as a key. */
export function deriveKey(secret: Buffer, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), info, 32));
}

/** AES-256-GCM under `key` with a random nonce, bound to `aad`: version | nonce | tag | ciphertext. */
export function seal(key: Buffer, plaintext: Buffer, aad: Buffer): Buffer {
  const nonce = randomBytes(NONCE);
  const cipher = createCipheriv('aes-256-gcm', key, nonce);
  cipher.setAAD(aad);
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([Buffer.from([VERSION]), nonce, cipher.getAuthTag(), body]);
}

/** The plaintext of a `seal`ed blob; undefined when it was not sealed under `key` with `aad` (or was altered). */
export function unseal(key: Buffer, sealed: Buffer, aad: Buffer): Buffer | undefined {
  if (sealed.length < 1 + NONCE + TAG || sealed[0] !== VERSION) return undefined;
  const decipher = createDecipheriv('aes-256-gcm', key, sealed.subarray(1, 1 + NONCE));
  decipher.setAAD(aad);
  decipher.setAuthTag(sealed.subarray(1 + NONCE, 1 + NONCE + TAG));
  try {
    return Buffer.concat([decipher.update(sealed.subarray(1 + NONCE + TAG)), decipher.final()]);
  } catch {
    return undefined;
  }
}

const aad = (id: KeyIdentity) => Buffer.from(`imago-kms-key|${id.accountId}|${id.region}|${id.keyId}`, 'utf8');

export class KeyWrapper {
  private readonly wrapKey: Buffer;
  private readonly tokenKey: Buffer;

  constructor(masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error('the master key must be 32 bytes');
    this.wrapKey = deriveKey(masterKey, 'imago kms key-material wrap v1');
    this.tokenKey = deriveKey(masterKey, 'imago kms grant-token mac v1');
  }

  wrap(material: Buffer, id: KeyIdentity): Buffer {
    return seal(this.wrapKey, material, aad(id));
  }

  /** Throws if the blob was not wrapped under this master key for this identity. */
  unwrap(wrapped: Buffer, id: KeyIdentity): Buffer {
    if (wrapped.length < 1 + NONCE + TAG || wrapped[0] !== VERSION) throw new Error(`unknown wrapped key format for ${id.keyId}`);
    const material = unseal(this.wrapKey, wrapped, aad(id));
    if (!material) throw new Error(`the material of KMS key ${id.keyId} does not unwrap: is this the master key it was created under?`);
    return material;
  }

  /** A MAC over a grant token's body, so tokens cannot be forged from grant ids. */
  tokenMac(body: Buffer): Buffer {
    return createHmac('sha256', this.tokenKey).update(body).digest().subarray(0, 16);
  }

  tokenMacValid(body: Buffer, mac: Buffer): boolean {
    const expected = this.tokenMac(body);
    return mac.length === expected.length && timingSafeEqual(mac, expected);
  }
}
