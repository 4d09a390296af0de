import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { FsChunkStore } from '../backends/fs.js';
import { MemoryChunkStore } from '../backends/memory.js';
import { ChunkNotFoundError } from '../chunk-store.js';
import { chunkStoreConformance, idOf } from '../chunk-store.conformance.js';
import { DiskChunkCache } from './disk-cache.js';
import { ForwardingChunkStore, type Operation } from './forwarding.js';
import { MemoryChunkCache } from './memory-cache.js';
import { ReadCachingChunkStore, type ChunkCache } from './read-cache.js';

const dirs: string[] = [];
const tempDir = () => {
  const dir = mkdtempSync(join(tmpdir(), 'imago-read-cache-'));
  dirs.push(dir);
  return dir;
};
after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));

chunkStoreConformance('read cache (memory) over memory', async () => ({
  open: async () => new ReadCachingChunkStore(new MemoryChunkStore(), new MemoryChunkCache(4 * 1024 * 1024)),
  cleanup: async () => {},
}));

chunkStoreConformance('read cache (disk) over fs', async () => {
  const dir = tempDir();
  const open = async () => new ReadCachingChunkStore(new FsChunkStore(join(dir, 'store'), { packBytes: 256 * 1024 }), new DiskChunkCache(join(dir, 'cache'), 4 * 1024 * 1024));
  return { open, reopen: open, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
});

/** Counts the gets that reach the store; can hold them. */
class CountingChunkStore extends ForwardingChunkStore {
  gets = 0;
  hold?: Promise<void>;
  protected override async call<T>(op: Operation, fn: () => Promise<T>): Promise<T> {
    if (op === 'get') {
      this.gets++;
      await this.hold;
    }
    return fn();
  }
}

for (const [tier, makeCache] of [
  ['memory', (max: number) => new MemoryChunkCache(max)],
  ['disk', (max: number) => new DiskChunkCache(join(tempDir(), 'cache'), max)],
] as [string, (max: number) => ChunkCache][]) {
  describe(`ReadCachingChunkStore (${tier})`, () => {
    const setup = (max = 1024 * 1024) => {
      const counting = new CountingChunkStore(new MemoryChunkStore());
      const cache = makeCache(max);
      return { counting, cache, store: new ReadCachingChunkStore(counting, cache) };
    };
    const settle = () => sleep(20); // the disk tier writes in the background

    test('a second read is served from the cache, as an independent copy', async () => {
      const { counting, store } = setup();
      const d = randomBytes(5000);
      await store.put(idOf(d), d);
      const first = await store.get(idOf(d));
      await settle();
      const second = await store.get(idOf(d));
      assert.equal(counting.gets, 1);
      assert.ok(second.equals(d));
      first.fill(1);
      second.fill(2);
      assert.ok((await store.get(idOf(d))).equals(d), 'callers’ buffers are their own');
      assert.equal(store.cacheStats.hits, 2);
    });

    test('concurrent misses on one chunk make one read', async () => {
      const { counting, store } = setup();
      const d = randomBytes(3000);
      await store.put(idOf(d), d);
      const reads = await Promise.all(Array.from({ length: 5 }, () => store.get(idOf(d))));
      assert.equal(counting.gets, 1);
      reads[0].fill(0);
      for (const r of reads.slice(1)) assert.ok(r.equals(d));
    });

    test('stays within its size, least recently used out first', async () => {
      const { counting, store, cache } = setup(3 * 10_000 + 3 * 56);
      const chunks = Array.from({ length: 4 }, () => randomBytes(10_000));
      for (const c of chunks) await store.put(idOf(c), c);
      for (const c of chunks.slice(0, 3)) {
        await store.get(idOf(c));
        await settle();
      }
      await store.get(idOf(chunks[0])); // 0 is now the most recent
      await store.get(idOf(chunks[3])); // evicts 1
      await settle();
      assert.ok(cache.stats.bytes <= 3 * 10_000 + 3 * 56, `${cache.stats.bytes} bytes`);
      counting.gets = 0;
      await store.get(idOf(chunks[0]));
      assert.equal(counting.gets, 0, 'recently used: still cached');
      await store.get(idOf(chunks[1]));
      assert.equal(counting.gets, 1, 'least recently used: evicted');
    });

    test('a delete drops the chunk, also one whose read was in flight', async () => {
      const { counting, store } = setup();
      const [a, b] = [randomBytes(100), randomBytes(200)];
      await store.put(idOf(a), a);
      await store.put(idOf(b), b);
      await store.get(idOf(a));
      await settle();
      await store.delete([idOf(a)]);
      await assert.rejects(store.get(idOf(a)), ChunkNotFoundError);
      // a read that found b before the delete must not put it back in the cache after it
      let release!: () => void;
      counting.hold = new Promise((r) => (release = r));
      const inFlight = store.get(idOf(b));
      await store.delete([idOf(b)]);
      release();
      counting.hold = undefined;
      await inFlight.catch(() => undefined);
      await settle();
      await assert.rejects(store.get(idOf(b)), ChunkNotFoundError);
    });
  });
}

describe('DiskChunkCache', () => {
  test('survives a restart, and a damaged file is a miss, not wrong bytes', async () => {
    const dir = join(tempDir(), 'cache');
    const inner = new MemoryChunkStore();
    let store = new ReadCachingChunkStore(inner, new DiskChunkCache(dir, 1024 * 1024));
    const [a, b] = [randomBytes(4000), randomBytes(4000)];
    for (const c of [a, b]) {
      await inner.put(idOf(c), c);
      await store.get(idOf(c));
    }
    await sleep(50);
    const cache = new DiskChunkCache(dir, 1024 * 1024);
    assert.equal(cache.stats.entries, 2);
    const path = join(dir, idOf(b).slice(0, 2), idOf(b));
    writeFileSync(path, Buffer.concat([Buffer.alloc(56), randomBytes(4000)]));
    store = new ReadCachingChunkStore(inner, cache);
    assert.ok((await store.get(idOf(a))).equals(a));
    assert.ok((await store.get(idOf(b))).equals(b), 'read from the store again');
    assert.equal(cache.stats.hits, 1);
    assert.equal(cache.stats.misses, 1);
    await store.close();
    assert.ok(readdirSync(dir).length > 0);
  });
});
