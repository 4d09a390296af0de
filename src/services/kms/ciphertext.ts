// The ciphertext blob of symmetric Encrypt / GenerateDataKey / ReEncrypt. Self-describing, so
// Decrypt needs no KeyId, and authenticated with the encryption context, so a wrong or missing
// context fails like a tampered blob does (InvalidCiphertextException).
//
// Format v1 (46 bytes + plaintext length):
//   0       1   version 0x01
//   1       1   algorithm 0x01 = AES-256-GCM (SYMMETRIC_DEFAULT)
//   2      16   KMS key id (UUID, binary)
//   18     12   nonce
//   30     16   GCM tag
//   46      n   encrypted plaintext
// AAD = bytes 0..29 (so the header cannot be altered) || canonical(encryption context), where
// canonical = u16 count, then per entry sorted by key (UTF-8 bytes): u16 len, key, u16 len, value.
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { invalidCiphertext } from './kms-errors.js';

export type EncryptionContext = Record<string, string>;

const VERSION = 0x01;
const ALG_AES_256_GCM = 0x01;
const HEADER = 30;
const TAG = 16;
export const CIPHERTEXT_OVERHEAD = HEADER + TAG;

export function canonicalContext(context: EncryptionContext | undefined): Buffer {
  const entries = Object.entries(context ?? {})
    .map(([k, v]) => [Buffer.from(k, 'utf8'), Buffer.from(v, 'utf8')] as const)
    .sort(([a], [b]) => Buffer.compare(a, b));
  const parts: Buffer[] = [u16(entries.length)];
  for (const [k, v] of entries) parts.push(u16(k.length), k, u16(v.length), v);
  return Buffer.concat(parts);
}

function u16(n: number): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(n);
  return b;
}

const uuidToBytes = (id: string) => Buffer.from(id.replace(/-/g, ''), 'hex');
function bytesToUuid(b: Buffer): string {
  const h = b.toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

export function seal(material: Buffer, keyId: string, plaintext: Buffer, context?: EncryptionContext): Buffer {
  const header = Buffer.concat([Buffer.from([VERSION, ALG_AES_256_GCM]), uuidToBytes(keyId), randomBytes(12)]);
  const cipher = createCipheriv('aes-256-gcm', material, header.subarray(18, HEADER));
  cipher.setAAD(Buffer.concat([header, canonicalContext(context)]));
  const body = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([header, cipher.getAuthTag(), body]);
}

/** The key a blob claims to be under; InvalidCiphertextException if it is not one of ours. */
export function ciphertextKeyId(blob: Buffer): string {
  if (blob.length < CIPHERTEXT_OVERHEAD || blob[0] !== VERSION || blob[1] !== ALG_AES_256_GCM) throw invalidCiphertext();
  return bytesToUuid(blob.subarray(2, 18));
}

export function open(material: Buffer, blob: Buffer, context?: EncryptionContext): Buffer {
  ciphertextKeyId(blob);
  const decipher = createDecipheriv('aes-256-gcm', material, blob.subarray(18, HEADER));
  decipher.setAAD(Buffer.concat([blob.subarray(0, HEADER), canonicalContext(context)]));
  decipher.setAuthTag(blob.subarray(HEADER, CIPHERTEXT_OVERHEAD));
  try {
    return Buffer.concat([decipher.update(blob.subarray(CIPHERTEXT_OVERHEAD)), decipher.final()]);
  } catch {
    throw invalidCiphertext();
  }
}
