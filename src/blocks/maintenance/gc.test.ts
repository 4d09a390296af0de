// test-servers: s3
// Garbage collection against every backend (memory, fs, s3), forcing the interleaving that used
// to lose data: GC plans a chunk as garbage (unreferenced, older than the grace window), then a
// write deduplicates onto it (a touch: the chunk looks stored, so the block is not stored again)
// and references it — after GC's last liveness check, before its delete. The delete is
// conditional on the chunk's write time, atomically in the store, so the chunk survives; the
// control case shows that an unconditional delete in the same place loses it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Store } from '../../store/store.js';
import { testObjects } from '../../../test/helpers/s3.js';
import { FsChunkStore } from '../backends/fs.js';
import { MemoryChunkStore } from '../backends/memory.js';
import { S3ChunkStore } from '../backends/s3.js';
import { BLOCK_SIZE } from '../block-size.js';
import { BlockStorage } from '../block-storage.js';
import type { ChunkId, ChunkStore } from '../chunk-store.js';
import { CodecPool } from '../codec-pool.js';
import { fsck } from './fsck.js';
import { GarbageCollector } from './gc.js';

const backends: Record<string, (dir: string) => Promise<ChunkStore>> = {
  memory: async () => new MemoryChunkStore(),
  fs: async (dir) => new FsChunkStore(join(dir, 'blocks')),
  s3: async (dir) => {
    const { objects, url } = await testObjects('gc');
    return S3ChunkStore.open({ objects, cacheDir: join(dir, 's3-cache'), identity: url, packBytes: 4 * BLOCK_SIZE });
  },
};

/** The store as it was before the fix: delete ignores `writtenBefore`. */
function unconditional(store: ChunkStore): ChunkStore {
  return new Proxy(store, {
    get(target, prop) {
      if (prop === 'delete') return async (ids: ChunkId[]) => (await target.delete(ids), []);
      const value = Reflect.get(target, prop, target) as unknown;
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

const codec = new CodecPool({ size: 0 });
after(() => codec.close());

for (const [name, open] of Object.entries(backends)) {
  describe(`GC on the ${name} chunk store`, () => {
    let dir: string;
    let store: Store;
    let chunks: ChunkStore;
    let blocks: BlockStorage;
    const roots = new Set<string>();
    const collector = (c: ChunkStore = chunks) =>
      new GarbageCollector(c, store.blockMaps, { mapIds: async () => roots, overlayChunkIds: async () => [] }, () => store.barrier());

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), `imago-gc-${name}-`));
      store = await Store.open({ dataDir: dir, durability: 'normal' });
      chunks = await open(dir);
      blocks = new BlockStorage(chunks, store.blockMaps, { codec });
    });
    after(async () => {
      await chunks.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    });

    /** A sealed map holding `data` at block 0, 1, …; returns its id and chunk ids. */
    async function sealedMap(data: Buffer[]): Promise<{ mapId: string; ids: string[] }> {
      const mapId = await blocks.createMap({ sizeBytes: 16 * BLOCK_SIZE, lineageId: null, sealed: false });
      const ids = [];
      for (const block of data) ids.push((await blocks.storeBlock(block))!);
      await blocks.flush();
      await blocks.putEntries(mapId, ids.map((id, i) => [i, id]));
      await blocks.seal(mapId);
      return { mapId, ids };
    }

    /** What the interleaving does: a dedup hit on `block` (touch, no store) referenced by a new sealed root map. */
    async function reuse(block: Buffer, id: string): Promise<string> {
      assert.equal(await blocks.storeBlock(block, undefined, id), id, 'a dedup hit returns the known id');
      const mapId = await blocks.createMap({ sizeBytes: 16 * BLOCK_SIZE, lineageId: null, sealed: false });
      await blocks.putEntries(mapId, [[0, id]]);
      await blocks.seal(mapId);
      roots.add(mapId);
      return mapId;
    }

    test('a chunk a write deduplicated onto between plan and delete survives; the rest is collected', async () => {
      const [reused, garbage] = [randomBytes(BLOCK_SIZE), randomBytes(BLOCK_SIZE)];
      const { ids } = await sealedMap([reused, garbage]); // no root names this map: all garbage
      await sleep(10); // older than the cut-off (grace 0)
      let newMap = '';
      const result = await collector().run({
        graceMs: 0,
        hooks: {
          beforeChunkDelete: async (doomed) => {
            assert.deepEqual([...doomed].sort(), [...ids].sort(), 'both chunks are planned for deletion');
            newMap = await reuse(reused, ids[0]);
          },
        },
      });
      assert.equal(result.deletedMaps, 1);
      assert.equal(result.deletedChunks, 1, 'only the chunk nobody reused');
      assert.deepEqual(await chunks.hasMany(ids), [true, false]);
      assert.ok((await blocks.readBlock(newMap, 0)).equals(reused));
      const report = await fsck(chunks, store.blockMaps, { maps: [{ mapId: newMap, by: 'the new snapshot' }], overlays: [] }, { keyFor: async () => undefined, codec });
      assert.deepEqual(report.issues, []);
      // once nothing names it and the grace window has passed again, it goes too
      roots.delete(newMap);
      await sleep(10);
      const later = await collector().run({ graceMs: 0 });
      assert.equal(later.deletedChunks, 1);
      assert.deepEqual(await chunks.hasMany(ids), [false, false]);
    });

    test('control: an unconditional delete in the same interleaving loses the chunk (what the condition prevents)', async () => {
      const block = randomBytes(BLOCK_SIZE);
      const { ids } = await sealedMap([block]);
      await sleep(10);
      let newMap = '';
      await collector(unconditional(chunks)).run({ graceMs: 0, hooks: { beforeChunkDelete: async () => void (newMap = await reuse(block, ids[0])) } });
      assert.deepEqual(await chunks.hasMany(ids), [false]);
      const report = await fsck(chunks, store.blockMaps, { maps: [{ mapId: newMap, by: 'the new snapshot' }], overlays: [] }, { keyFor: async () => undefined, codec });
      assert.equal(report.issues[0]?.kind, 'missing-chunk');
      roots.delete(newMap);
    });

    test('a dedup hit after the delete stores the block again', async () => {
      const block = randomBytes(BLOCK_SIZE);
      const { ids } = await sealedMap([block]);
      await sleep(10);
      await collector().run({ graceMs: 0 });
      assert.deepEqual(await chunks.hasMany(ids), [false]);
      const mapId = await reuse(block, ids[0]); // the touch finds nothing: the block is encoded and put
      assert.deepEqual(await chunks.hasMany(ids), [true]);
      assert.ok((await blocks.readBlock(mapId, 0)).equals(block));
      roots.delete(mapId);
    });
  });
}
