// test-servers: s3, postgres
// GC on one node against a dedup hit on another (issue 10 §4): two S3 chunk stores (each its own
// cache directory) on one bucket prefix, one metadata database (SQLite: one handle both nodes
// share; PostgreSQL: a handle per node), GC on node A with the arbiter. A hook puts node B's
// dedup hit — a PutSnapshotBlock-like storeBlock with the known id, referenced by a new sealed
// root map — at each point of A's run: before A condemns, after it condemns but before it reads
// the touches again, after that read and before its delete, and after the whole GC (compaction
// included). Each time the data survives and fsck is clean on both nodes and on a new one; the
// control (no arbiter, as before) loses it.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { Store } from '../../store/store.js';
import { createDatabase } from '../../../test/helpers/test-database.js';
import { removeAll, testObjects } from '../../../test/helpers/s3.js';
import { S3ChunkStore } from '../backends/s3.js';
import type { SdkObjectStore } from '../backends/s3/s3-objects.js';
import { BLOCK_SIZE } from '../block-size.js';
import { BlockStorage } from '../block-storage.js';
import type { ChunkStore } from '../chunk-store.js';
import { CodecPool } from '../codec-pool.js';
import { fsck } from './fsck.js';
import { GarbageCollector, gcOwner, type GcHooks } from './gc.js';

const codec = new CodecPool({ size: 0 });
after(() => codec.close());

interface Node {
  store: Store;
  chunks: S3ChunkStore;
  blocks: BlockStorage;
}

type HookPoint = keyof GcHooks | 'after';

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`GC across two nodes on one bucket, metadata in ${engine}`, () => {
    let dir: string;
    const stores: Store[] = [];
    const opened: ChunkStore[] = [];
    const roots = new Set<string>();
    /** this case's metadata: a fresh database (PostgreSQL: each node opens its own handle on it) */
    let metadata: { url?: string; shared?: Store } = {};

    before(() => {
      dir = mkdtempSync(join(tmpdir(), `imago-gc-nodes-${engine}-`));
      if (engine === 'postgres' && !process.env.IMAGO_TEST_PG_URL) throw new Error('IMAGO_TEST_PG_URL is not set (npm test starts PostgreSQL: scripts/test-servers/postgres.sh)');
    });
    after(async () => {
      for (const c of opened) await c.close().catch(() => undefined);
      for (const s of stores) await s.close();
      rmSync(dir, { recursive: true, force: true });
    });

    async function freshMetadata(): Promise<void> {
      metadata = engine === 'postgres' ? { url: await createDatabase() } : {};
      roots.clear();
    }

    /** A node: its own metadata handle (PostgreSQL) or the shared one (SQLite), its own cache directory. */
    async function node(objects: SdkObjectStore, url: string, name: string, arbitrated = true): Promise<Node> {
      const here = join(dir, `${name}-${randomBytes(4).toString('hex')}`);
      let store: Store;
      if (metadata.url) {
        store = await Store.open({ dataDir: here, durability: 'normal', databaseUrl: metadata.url });
        stores.push(store);
      } else {
        if (!metadata.shared) stores.push((metadata.shared = await Store.open({ dataDir: here, durability: 'normal' })));
        store = metadata.shared;
      }
      const chunks = await S3ChunkStore.open({
        objects,
        cacheDir: join(here, 'blocks-s3'),
        identity: url,
        packBytes: 4 * BLOCK_SIZE,
        arbiter: arbitrated ? store.chunkArbitration : undefined,
      });
      opened.push(chunks);
      return { store, chunks, blocks: new BlockStorage(chunks, store.blockMaps, { codec }) };
    }

    const collector = (n: Node, arbitrated = true) =>
      new GarbageCollector(
        n.chunks,
        n.store.blockMaps,
        { mapIds: async () => roots, overlayChunkIds: async () => [] },
        () => n.store.barrier(),
        arbitrated ? { arbiter: n.store.chunkArbitration, owner: gcOwner() } : undefined,
      );

    /** A sealed map (no root names it: garbage) holding `data`; its chunk ids. */
    async function garbageMap(n: Node, data: Buffer[]): Promise<string[]> {
      const mapId = await n.blocks.createMap({ sizeBytes: 16 * BLOCK_SIZE, lineageId: null, sealed: false });
      const ids = [];
      for (const block of data) ids.push((await n.blocks.storeBlock(block))!);
      await n.blocks.flush();
      await n.blocks.putEntries(mapId, ids.map((id, i) => [i, id]));
      await n.blocks.seal(mapId);
      return ids;
    }

    /** B's dedup hit (the block's id is known: only a touch, unless B must store it again) and a new root map naming it. */
    async function reuse(n: Node, block: Buffer, id: string): Promise<string> {
      assert.equal(await n.blocks.storeBlock(block, undefined, id), id);
      await n.blocks.flush();
      const mapId = await n.blocks.createMap({ sizeBytes: 16 * BLOCK_SIZE, lineageId: null, sealed: false });
      await n.blocks.putEntries(mapId, [[0, id]]);
      await n.blocks.seal(mapId);
      roots.add(mapId);
      return mapId;
    }

    const check = (n: Node, mapId: string) => fsck(n.chunks, n.store.blockMaps, { maps: [{ mapId, by: 'the new snapshot' }], overlays: [] }, { keyFor: async () => undefined, codec });

    /** A writes a reused block and a garbage one; B (opened after) dedups onto the first at `point` of A's GC. */
    async function interleave(point: HookPoint, arbitrated = true) {
      await freshMetadata();
      const { objects, url } = await testObjects(`gc-nodes-${engine}`);
      const a = await node(objects, url, 'a', arbitrated);
      const [reused, garbage] = [randomBytes(BLOCK_SIZE), randomBytes(BLOCK_SIZE)];
      const ids = await garbageMap(a, [reused, garbage]);
      const b = await node(objects, url, 'b', arbitrated);
      assert.deepEqual(await b.chunks.hasMany(ids), [true, true], 'B knows both chunks from the bucket');
      await sleep(10); // older than the cut-off (grace 0)
      let newMap = '';
      const hook = async () => void (newMap = await reuse(b, reused, ids[0]));
      const result = await collector(a, arbitrated).run({ graceMs: 0, hooks: point === 'after' ? {} : { [point]: hook } });
      if (point === 'after') await hook();
      assert.equal(result.deletedMaps, 1);
      return { objects, url, a, b, ids, reused, newMap, result };
    }

    for (const point of ['beforeCondemn', 'afterCondemn', 'beforeChunkDelete', 'after'] as const) {
      test(`B's dedup hit ${point === 'after' ? 'after the GC' : `at ${point}`}: the data survives, fsck is clean on both nodes and a new one`, async () => {
        const { objects, url, a, b, ids, reused, newMap, result } = await interleave(point);
        if (point === 'beforeCondemn' || point === 'afterCondemn') assert.equal(result.deletedChunks, 1, 'B’s touch spared the chunk; the other went');
        else assert.equal(result.deletedChunks, 2, 'both old records went (B stored the block again)');
        assert.deepEqual(await a.store.chunkArbitration.condemned(), [], 'the GC released its condemned rows');
        const fresh = await node(objects, url, 'c');
        for (const n of [b, a, fresh]) {
          assert.ok((await n.blocks.readBlock(newMap, 0)).equals(reused));
          assert.deepEqual((await check(n, newMap)).issues, []);
        }
        // the garbage chunk is gone everywhere
        assert.deepEqual(await fresh.chunks.hasMany([ids[1]]), [false]);
        roots.delete(newMap);
        await removeAll(objects);
      });
    }

    test('control: without the arbiter, the same interleaving loses the chunk B reused', async () => {
      const { objects, b, newMap } = await interleave('beforeChunkDelete', false);
      const report = await check(b, newMap);
      assert.equal(report.ok, false, 'B’s new map names a chunk GC deleted');
      roots.delete(newMap);
      await removeAll(objects);
    });
  });
}
