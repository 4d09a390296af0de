import assert from 'node:assert/strict';
import { createHash, createHmac, hkdfSync, randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { BlockCodec, ChecksumMismatchError } from './block-codec.js';
import { BLOCK_SIZE, isZeroBlock } from './block-size.js';
import { ChunkKey } from './chunk-key.js';
import { ChunkPermanentError } from './chunk-store.js';
import { Zstd } from './zstd.js';

const codec = new BlockCodec();

/** Compressible but not trivial: text-like lines with varying numbers. */
function textBlock(size = BLOCK_SIZE): Buffer {
  const lines: string[] = [];
  for (let i = 0, n = 0; n < size; i++) {
    const line = `line ${i}: the quick brown fox ${(i * 2654435761) % 1000003} jumps\n`;
    lines.push(line);
    n += line.length;
  }
  return Buffer.from(lines.join('')).subarray(0, size);
}

const sha256 = (b: Uint8Array) => createHash('sha256').update(b).digest('hex');
const isPermanent = (pattern?: RegExp) => (err: unknown) => err instanceof ChunkPermanentError && (!pattern || pattern.test(err.message));

describe('isZeroBlock', () => {
  test('true only when every byte is zero, for any length', () => {
    for (const n of [0, 1, 7, 8, 4096, BLOCK_SIZE, 2 * BLOCK_SIZE + 5]) {
      assert.equal(isZeroBlock(Buffer.alloc(n)), true, `${n} zeros`);
      for (const at of n ? [0, n >> 1, n - 1] : []) {
        const b = Buffer.alloc(n);
        b[at] = 1;
        assert.equal(isZeroBlock(b), false, `${n} bytes, 1 at ${at}`);
      }
    }
    assert.equal(isZeroBlock(new Uint8Array(BLOCK_SIZE).subarray(100, 200)), true);
  });
});

describe('BlockCodec without a key', () => {
  test('the id is the SHA-256 of the plaintext; compressible blocks are stored as zstd', () => {
    const block = textBlock();
    const { id, payload } = codec.encode(block);
    assert.equal(id, sha256(block));
    assert.equal(codec.chunkId(block), id);
    assert.equal(payload[0], 0x01);
    assert.ok(payload.length < block.length / 2, `payload ${payload.length}`);
    assert.ok(codec.decode(id, payload).equals(block));
    assert.ok(codec.decode(id, payload, { verify: true }).equals(block));
  });

  test('incompressible blocks are stored raw behind the header', () => {
    const block = randomBytes(BLOCK_SIZE);
    const { id, payload } = codec.encode(block);
    assert.equal(payload[0], 0x00);
    assert.equal(payload.length, BLOCK_SIZE + 1);
    assert.ok(payload.subarray(1).equals(block));
    assert.ok(codec.decode(id, payload).equals(block));
  });

  test('compression must save at least 1/8 to be used', () => {
    // 7/8 random + 1/8 zeros: zstd saves a little under 1/8 (frame overhead) -> raw
    const block = Buffer.concat([randomBytes((BLOCK_SIZE * 7) / 8), Buffer.alloc(BLOCK_SIZE / 8)]);
    assert.equal(codec.encode(block).payload[0], 0x00);
    // 3/4 random + 1/4 zeros saves ~1/4 -> zstd
    const better = Buffer.concat([randomBytes((BLOCK_SIZE * 3) / 4), Buffer.alloc(BLOCK_SIZE / 4)]);
    assert.equal(codec.encode(better).payload[0], 0x01);
    assert.equal(new BlockCodec({ minSaving: 0.5 }).encode(better).payload[0], 0x00);
  });

  test('short blocks round-trip too; longer than a block is refused', () => {
    for (const block of [Buffer.alloc(0), Buffer.from('x'), textBlock(1000), randomBytes(5000)]) {
      const { id, payload } = codec.encode(block);
      assert.ok(codec.decode(id, payload, { verify: true }).equals(block));
    }
    assert.throws(() => codec.encode(Buffer.alloc(BLOCK_SIZE + 1)), RangeError);
  });

  test('decodes into a caller buffer when given one', () => {
    const into = Buffer.alloc(BLOCK_SIZE);
    for (const block of [textBlock(), randomBytes(BLOCK_SIZE), textBlock(100)]) {
      const { id, payload } = codec.encode(block);
      const out = codec.decode(id, payload, { into });
      assert.equal(out.buffer, into.buffer);
      assert.ok(out.equals(block));
    }
    assert.throws(() => codec.decode(sha256(Buffer.from('x')), Buffer.from([0, 0x78]), { into: Buffer.alloc(10) }), RangeError);
  });

  test('a claimed SHA-256 is checked before encoding: the id when unencrypted, ChecksumMismatchError when wrong', () => {
    const codec = new BlockCodec();
    const block = Buffer.alloc(BLOCK_SIZE, 3);
    const sha = createHash('sha256').update(block).digest('hex');
    assert.equal(codec.encode(block, undefined, undefined, sha).id, sha);
    assert.throws(() => codec.encode(block, undefined, undefined, 'ab'.repeat(32)), (e: unknown) => e instanceof ChecksumMismatchError && e.actualSha256 === sha);
  });

  test('verify catches a payload stored under the wrong id', () => {
    const { payload } = codec.encode(textBlock());
    const wrongId = sha256(Buffer.from('something else'));
    assert.ok(codec.decode(wrongId, payload).length === BLOCK_SIZE); // without verify nothing notices
    assert.throws(() => codec.decode(wrongId, payload, { verify: true }), isPermanent(/does not match its id/));
  });

  test('corrupt, unknown or mismatched payloads are ChunkPermanentError', () => {
    const { id, payload } = codec.encode(textBlock());
    const corrupt = Buffer.from(payload);
    corrupt.fill(0xff, 1, 40); // smash the zstd frame header
    assert.throws(() => codec.decode(id, corrupt), isPermanent(/decompress/));
    assert.throws(() => codec.decode(id, Buffer.alloc(0)), isPermanent(/empty/));
    for (const header of [0x10, 0x20, 0x40, 0x02, 0x0f]) {
      const odd = Buffer.from(payload);
      odd[0] = header;
      assert.throws(() => codec.decode(id, odd), isPermanent(/unknown payload format/), `header ${header}`);
    }
    assert.throws(() => codec.decode(id, payload, { key: ChunkKey.fromDataKey(randomBytes(32)) }), isPermanent(/not encrypted/));
    // a zstd frame that inflates beyond a block is refused, not allocated
    const bomb = Buffer.concat([Buffer.from([0x01]), compressedZeros(BLOCK_SIZE * 4)]);
    assert.throws(() => codec.decode(id, bomb), isPermanent(/decompress/));
  });
});

describe('BlockCodec with a key', () => {
  const dataKey = randomBytes(32);
  const key = ChunkKey.fromDataKey(dataKey);

  test('ids are HMAC-SHA256 under an HKDF-derived key: unrelated across keys, stable under one', () => {
    const block = textBlock();
    const { id } = codec.encode(block, key);
    const idKey = Buffer.from(hkdfSync('sha256', dataKey, Buffer.alloc(0), 'imago chunk id v1', 32));
    assert.equal(id, createHmac('sha256', idKey).update(block).digest('hex'));
    assert.notEqual(id, sha256(block));
    assert.notEqual(id, codec.encode(block, ChunkKey.fromDataKey(randomBytes(32))).id);
    assert.equal(codec.encode(block, ChunkKey.fromDataKey(Buffer.from(dataKey))).id, id);
    assert.equal(codec.chunkId(block, key), id);
  });

  test('round-trips compressed and raw blocks; the layout is header, nonce, ciphertext, tag', () => {
    for (const [block, header] of [
      [textBlock(), 0x81],
      [randomBytes(BLOCK_SIZE), 0x80],
      [Buffer.from('tiny'), 0x80],
    ] as const) {
      const { id, payload } = codec.encode(block, key);
      assert.equal(payload[0], header);
      if (header === 0x80) assert.equal(payload.length, 1 + 12 + block.length + 16);
      assert.ok(codec.decode(id, payload, { key, verify: true }).equals(block));
    }
  });

  test('the same block encrypts to different payloads (random nonce) with the same id', () => {
    const block = textBlock();
    const a = codec.encode(block, key);
    const b = codec.encode(block, key);
    assert.equal(a.id, b.id);
    assert.ok(!a.payload.subarray(1, 13).equals(b.payload.subarray(1, 13)));
    assert.ok(!a.payload.equals(b.payload));
  });

  test('any tampering, a wrong key or a wrong id fails authentication', () => {
    const block = textBlock();
    const { id, payload } = codec.encode(block, key);
    for (const at of [1, 5, 13, 100, payload.length - 20, payload.length - 1]) {
      const bad = Buffer.from(payload);
      bad[at] ^= 1;
      assert.throws(() => codec.decode(id, bad, { key }), isPermanent(/authentication failed/), `byte ${at}`);
    }
    const flipped = Buffer.from(payload);
    flipped[0] = 0x80; // claims raw: the header is authenticated too
    assert.throws(() => codec.decode(id, flipped, { key }), isPermanent(/authentication failed/));
    assert.throws(() => codec.decode(id, payload, { key: ChunkKey.fromDataKey(randomBytes(32)) }), isPermanent(/authentication/));
    const otherId = codec.encode(Buffer.from('other'), key).id;
    assert.throws(() => codec.decode(otherId, payload, { key }), isPermanent(/authentication/));
    assert.throws(() => codec.decode(id, payload), isPermanent(/no key/));
    assert.throws(() => codec.decode(id, payload.subarray(0, 20), { key }), isPermanent(/too short/));
  });

  test('a data key must be 32 bytes', () => {
    assert.throws(() => ChunkKey.fromDataKey(randomBytes(16)), RangeError);
  });
});

/** A zstd frame of n zero bytes (the codec itself refuses blocks over BLOCK_SIZE). */
function compressedZeros(n: number): Buffer {
  const dst = Buffer.alloc(Zstd.bound(n));
  return dst.subarray(0, new Zstd(1).compressInto(dst, Buffer.alloc(n)));
}
