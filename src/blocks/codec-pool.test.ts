// CodecPool: the same bytes as the codec on this thread, each result matched to its own input,
// errors of the right kind, workers that die replaced without losing tasks, inline fallback,
// backpressure, and shutdown.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { BlockCodec, ChecksumMismatchError } from './block-codec.js';
import { freeBlockBuffers, takeBlockBuffer } from './block-buffers.js';
import { BLOCK_SIZE } from './block-size.js';
import { ChunkKey } from './chunk-key.js';
import { CodecPool } from './codec-pool.js';
import { ChunkPermanentError } from './chunk-store.js';

const codec = new BlockCodec();
const key = ChunkKey.fromDataKey(randomBytes(32));

/** Distinct blocks, some compressible, some not. */
function blocks(n: number): Buffer[] {
  return Array.from({ length: n }, (_, i) => {
    if (i % 3 === 0) return randomBytes(BLOCK_SIZE);
    const b = Buffer.alloc(BLOCK_SIZE, i);
    b.write(`block ${i} ${randomBytes(16).toString('hex')}`);
    return b;
  });
}

describe('CodecPool with a worker', () => {
  let pool: CodecPool;
  before(async () => {
    pool = new CodecPool({ size: 2, maxQueued: 8 });
    await pool.warmUp();
  });
  after(() => pool.close());

  test('the worker runs the tasks once it is ready', () => {
    const s = pool.stats();
    assert.ok(s.ready >= 1, JSON.stringify(s));
  });

  test('encode gives what the codec gives here (ids equal, payloads decode here); each result is its own input', async () => {
    const input = blocks(40);
    for (const k of [undefined, key]) {
      const encoded = await Promise.all(input.map((b) => pool.encode(b, k)));
      encoded.forEach((e, i) => {
        assert.equal(e.id, codec.chunkId(input[i], k), `block ${i}`);
        assert.ok(codec.decode(e.id, e.payload, { key: k, verify: true }).equals(input[i]), `block ${i} decodes here`);
      });
      const decoded = await Promise.all(encoded.map((e) => pool.decode(e.id, e.payload, { key: k, verify: true })));
      decoded.forEach((d, i) => assert.ok(d.equals(input[i]), `block ${i} round trip`));
    }
    assert.ok(pool.stats().offloaded >= 160);
  });

  test('a known id is used as given; inputs are not changed; results own their buffers', async () => {
    const block = blocks(2)[1];
    const copy = Buffer.from(block);
    const given = 'ab'.repeat(32);
    const e = await pool.encode(block, undefined, given);
    assert.equal(e.id, given);
    assert.ok(block.equals(copy), 'the caller keeps its block');
    // a view into a larger buffer: only the view travels, the rest is untouched
    const big = Buffer.concat([Buffer.alloc(100, 7), block, Buffer.alloc(100, 9)]);
    const view = big.subarray(100, 100 + BLOCK_SIZE);
    const v = await pool.encode(view);
    assert.equal(v.id, codec.chunkId(block));
    assert.equal(big.length, 2 * 100 + BLOCK_SIZE);
    const out = await pool.decode(v.id, v.payload);
    assert.equal(out.byteOffset, 0);
    assert.equal(out.buffer.byteLength, BLOCK_SIZE);
  });

  test('transfer: the caller gives its buffer up and the result is the same', async () => {
    const block = blocks(3)[2];
    const expected = codec.chunkId(block);
    const mine = Buffer.from(block);
    const e = await pool.encode(mine, undefined, undefined, true);
    assert.equal(e.id, expected);
    assert.equal(mine.length, 0, 'the buffer moved to the worker');
  });

  test('an encoded block comes back for reuse; a claimed SHA-256 is checked on the worker', async () => {
    const block = blocks(3)[2];
    const sha = createHash('sha256').update(block).digest('hex');
    const before = freeBlockBuffers();
    const given = Buffer.from(block);
    const e = await pool.encode(given, undefined, undefined, true, sha);
    assert.equal(e.id, sha, 'unencrypted: the id is the verified hash');
    assert.equal(given.length, 0);
    assert.equal(freeBlockBuffers(), before + 1, 'the moved buffer came back to the pool');
    const reused = takeBlockBuffer();
    assert.equal(reused.length, BLOCK_SIZE);
    assert.equal(freeBlockBuffers(), before);
    const wrong = createHash('sha256').update('other').digest('hex');
    for (const k of [undefined, key]) {
      await assert.rejects(pool.encode(Buffer.from(block), k, undefined, true, wrong), (err: unknown) => err instanceof ChecksumMismatchError && err.actualSha256 === sha);
    }
    const encrypted = await pool.encode(Buffer.from(block), key, undefined, true, sha);
    assert.equal(encrypted.id, codec.chunkId(block, key), 'encrypted: the id is the keyed MAC, the hash only checked');
  });

  test('errors propagate with their kind: corrupt payloads, wrong keys, oversized blocks', async () => {
    const block = blocks(2)[1];
    const e = codec.encode(block, key);
    const corrupt = Buffer.from(e.payload);
    corrupt[corrupt.length - 1] ^= 1;
    await assert.rejects(pool.decode(e.id, corrupt, { key }), (err: unknown) => err instanceof ChunkPermanentError && err.id === e.id && /authentication failed/.test(err.message));
    await assert.rejects(pool.decode(e.id, e.payload), (err: unknown) => err instanceof ChunkPermanentError && /encrypted but no key/.test(err.message));
    await assert.rejects(pool.encode(Buffer.alloc(BLOCK_SIZE + 1)), RangeError);
    const plain = codec.encode(block);
    const other = blocks(2)[1];
    await assert.rejects(pool.decode(codec.chunkId(other), plain.payload, { verify: true }), /does not match its id/);
    // the pool still works after errors
    assert.ok((await pool.decode(plain.id, plain.payload)).equals(block));
  });

  test('backpressure: more tasks than the queue holds all complete', async () => {
    const input = blocks(30);
    const encoded = await Promise.all(input.map((b) => pool.encode(b)));
    assert.equal(new Set(encoded.map((e) => e.id)).size, 30);
    assert.equal(pool.stats().queued, 0);
  });
});

describe('CodecPool when workers die', () => {
  test('tasks of a dead worker are retried elsewhere; a replacement starts; a task that kills two workers fails', async () => {
    const pool = new CodecPool({ size: 1 });
    try {
      await pool.warmUp();
      const input = blocks(12);
      // queued behind a task that kills the worker: they must all still complete
      const crash = pool.crashWorker(3);
      const encoded = Promise.all(input.map((b) => pool.encode(b, key)));
      await assert.rejects(crash, /died twice/);
      const results = await encoded;
      results.forEach((e, i) => assert.equal(e.id, codec.chunkId(input[i], key)));
      const s = pool.stats();
      assert.ok(s.crashes >= 2, JSON.stringify(s));
      await pool.warmUp();
      assert.equal(pool.stats().ready, 1, 'a replacement worker is ready');
      assert.equal((await pool.encode(input[0])).id, codec.chunkId(input[0]));
    } finally {
      await pool.close();
    }
  });

  test('a task whose buffer was given up fails with its worker instead of being retried', async () => {
    const pool = new CodecPool({ size: 1 });
    try {
      await pool.warmUp();
      const [crash, given] = await Promise.allSettled([pool.crashWorker(1), pool.encode(Buffer.from(blocks(2)[1]), undefined, undefined, true)]);
      assert.equal(crash.status, 'rejected');
      // it either ran before the crash or died with the worker; never a wrong result
      if (given.status === 'fulfilled') assert.equal(typeof given.value.id, 'string');
      else assert.match((given.reason as Error).message, /died \(its buffer went with it\)/);
    } finally {
      await pool.close();
    }
  });
});

describe('CodecPool inline', () => {
  test('size 0 runs everything on this thread, same results', async () => {
    const pool = new CodecPool({ size: 0 });
    const input = blocks(4);
    const e = await Promise.all(input.map((b) => pool.encode(b, key)));
    const d = await Promise.all(e.map((x) => pool.decode(x.id, x.payload, { key })));
    d.forEach((b, i) => assert.ok(b.equals(input[i])));
    assert.equal(pool.stats().offloaded, 0);
    assert.ok(pool.stats().inline >= 8);
    await pool.close();
  });

  test('the first blocks run inline, and so do blocks while the worker starts', async () => {
    const pool = new CodecPool({ size: 1 });
    try {
      const input = blocks(12);
      for (const b of input) assert.equal((await pool.encode(b)).id, codec.chunkId(b));
      assert.equal(pool.stats().inline, 12, 'a worker takes longer to start than these take');
      assert.equal(pool.stats().offloaded, 0);
      await pool.warmUp();
      await pool.encode(input[0]);
      assert.equal(pool.stats().offloaded, 1, 'then the worker runs them');
    } finally {
      await pool.close();
    }
  });
});

describe('CodecPool shutdown', () => {
  test('close lets running tasks finish, stops the workers, and later tasks run inline', async () => {
    const pool = new CodecPool({ size: 1 });
    await pool.warmUp();
    const input = blocks(8);
    const running = Promise.all(input.map((b) => pool.encode(b)));
    await pool.close();
    const done = await running;
    done.forEach((e, i) => assert.equal(e.id, codec.chunkId(input[i])));
    assert.equal(pool.stats().ready, 0);
    const before = pool.stats().inline;
    assert.equal((await pool.encode(input[0])).id, codec.chunkId(input[0]));
    assert.equal(pool.stats().inline, before + 1);
    await pool.close(); // idempotent
  });
});
