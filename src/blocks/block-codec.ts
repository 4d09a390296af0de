// A block of plaintext <-> (chunk id, stored payload). Chunk stores see only the payload.
//
// Payload byte 0 is a header:  bit 7 = encrypted, bits 0-3 = compression (0 none, 1 zstd),
// bits 4-6 = 0 (reserved for later formats: a reader refuses what it does not know).
//   plain:      [header][body]
//   encrypted:  [header][nonce: 12][AES-256-GCM(body)][tag: 16], AAD = header byte + 32-byte id
// The body is the zstd frame when compression saves at least 1/8, else the plaintext itself.
// Ids: SHA-256(plaintext) unencrypted; HMAC-SHA256(id key, plaintext) under a ChunkKey.
//
// Synchronous and allocation-light: one scratch buffer and one pair of zstd contexts per codec,
// so each worker (or the main thread) owns one codec.
import { createCipheriv, createDecipheriv, createHash, createHmac, randomFillSync } from 'node:crypto';
import { BLOCK_SIZE } from './block-size.js';
import { chunkIdToBytes } from './chunk-id.js';
import type { ChunkKey } from './chunk-key.js';
import { ChunkPermanentError, type ChunkId } from './chunk-store.js';
import { Zstd } from './zstd.js';

const ENCRYPTED = 0x80;
const RESERVED = 0x70;
const COMPRESSION = 0x0f;
const NONE = 0;
const ZSTD = 1;
const NONCE = 12;
const TAG = 16;

/** The block's SHA-256 is not the one its sender claimed (an upload's checksum). */
export class ChecksumMismatchError extends Error {
  constructor(readonly actualSha256: string) {
    super(`the block's SHA-256 is ${actualSha256}`);
    this.name = 'ChecksumMismatchError';
  }
}

export interface EncodedChunk {
  id: ChunkId;
  payload: Buffer;
}

export interface BlockCodecOptions {
  /** zstd level (default 1: the fastest that still compresses well; docs/blocks.md) */
  level?: number;
  /** compress only when it saves at least this share of the block (default 1/8) */
  minSaving?: number;
}

export interface DecodeOptions {
  /** required exactly when the chunk was encoded with a key */
  key?: ChunkKey;
  /** re-hash the plaintext and compare it with the id (fsck) */
  verify?: boolean;
  /** a buffer of at least BLOCK_SIZE bytes to decode into; the result is a view of it */
  into?: Buffer;
}

export class BlockCodec {
  readonly #zstd: Zstd;
  readonly #minSaving: number;
  readonly #scratch = Buffer.allocUnsafe(Zstd.bound(BLOCK_SIZE));

  constructor(options: BlockCodecOptions = {}) {
    this.#zstd = new Zstd(options.level ?? 1);
    this.#minSaving = options.minSaving ?? 1 / 8;
  }

  /** The id `encode` would give this block (dedup checks before encoding). */
  chunkId(block: Uint8Array, key?: ChunkKey): ChunkId {
    return key ? createHmac('sha256', key.idKey).update(block).digest('hex') : createHash('sha256').update(block).digest('hex');
  }

  /**
   * `id`: the block's `chunkId(block, key)` when the caller has it already (saves a hash).
   * `sha256`: the SHA-256 (hex) the block must have (an upload's verified checksum), checked
   * here — where the block is hashed anyway when unencrypted (its id) — or ChecksumMismatchError.
   */
  encode(block: Uint8Array, key?: ChunkKey, id?: ChunkId, sha256?: string): EncodedChunk {
    if (block.length > BLOCK_SIZE) throw new RangeError(`block of ${block.length} bytes exceeds ${BLOCK_SIZE}`);
    if (sha256 !== undefined) {
      const actual = createHash('sha256').update(block).digest('hex');
      if (actual !== sha256) throw new ChecksumMismatchError(actual);
      if (!key) id = actual;
    }
    id ??= this.chunkId(block, key);
    const compressedLength = this.#zstd.compressInto(this.#scratch, block);
    const compressed = compressedLength <= block.length * (1 - this.#minSaving);
    const body = compressed ? this.#scratch.subarray(0, compressedLength) : block;
    const header = (compressed ? ZSTD : NONE) | (key ? ENCRYPTED : 0);
    if (!key) {
      const payload = Buffer.allocUnsafe(1 + body.length);
      payload[0] = header;
      payload.set(body, 1);
      return { id, payload };
    }
    const payload = Buffer.allocUnsafe(1 + NONCE + body.length + TAG);
    payload[0] = header;
    const nonce = randomFillSync(payload.subarray(1, 1 + NONCE));
    const cipher = createCipheriv('aes-256-gcm', key.encryptionKey, nonce, { authTagLength: TAG });
    cipher.setAAD(additionalData(header, id));
    payload.set(cipher.update(body), 1 + NONCE);
    cipher.final(); // GCM emits nothing here: ciphertext length equals plaintext length
    payload.set(cipher.getAuthTag(), 1 + NONCE + body.length);
    return { id, payload };
  }

  /** Throws ChunkPermanentError when the payload is corrupt, forged or not what `id` names. */
  decode(id: ChunkId, payload: Uint8Array, options: DecodeOptions = {}): Buffer {
    const { key, verify, into } = options;
    if (into && into.length < BLOCK_SIZE) throw new RangeError(`decode buffer of ${into.length} bytes is smaller than a block`);
    if (payload.length < 1) throw new ChunkPermanentError(id, 'empty payload');
    const header = payload[0];
    const compression = header & COMPRESSION;
    if (header & RESERVED || (compression !== NONE && compression !== ZSTD)) {
      throw new ChunkPermanentError(id, `unknown payload format 0x${header.toString(16)}`);
    }
    const encrypted = (header & ENCRYPTED) !== 0;
    if (encrypted !== Boolean(key)) {
      throw new ChunkPermanentError(id, encrypted ? 'chunk is encrypted but no key was given' : 'chunk is not encrypted');
    }

    let body: Uint8Array = payload.subarray(1);
    if (key) {
      if (payload.length < 1 + NONCE + TAG) throw new ChunkPermanentError(id, 'encrypted payload too short');
      const decipher = createDecipheriv('aes-256-gcm', key.encryptionKey, payload.subarray(1, 1 + NONCE), { authTagLength: TAG });
      decipher.setAAD(additionalData(header, id));
      decipher.setAuthTag(payload.subarray(payload.length - TAG));
      body = decipher.update(payload.subarray(1 + NONCE, payload.length - TAG));
      try {
        decipher.final();
      } catch {
        throw new ChunkPermanentError(id, 'authentication failed (corrupt payload, wrong key or wrong id)');
      }
    }

    let block: Buffer;
    if (compression === ZSTD) {
      const out = into ?? Buffer.allocUnsafe(BLOCK_SIZE);
      let length: number;
      try {
        length = this.#zstd.decompressInto(out, body);
      } catch (err) {
        throw new ChunkPermanentError(id, `cannot decompress: ${(err as Error).message}`);
      }
      block = out.subarray(0, length);
    } else {
      if (body.length > BLOCK_SIZE) throw new ChunkPermanentError(id, `raw body of ${body.length} bytes exceeds a block`);
      if (into) {
        into.set(body);
        block = into.subarray(0, body.length);
      } else {
        block = Buffer.from(body.buffer, body.byteOffset, body.length);
      }
    }
    if (verify && this.chunkId(block, key) !== id) throw new ChunkPermanentError(id, 'content does not match its id');
    return block;
  }
}

function additionalData(header: number, id: ChunkId): Buffer {
  const aad = Buffer.allocUnsafe(33);
  aad[0] = header;
  chunkIdToBytes(id).copy(aad, 1);
  return aad;
}
