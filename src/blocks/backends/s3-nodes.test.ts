// test-servers: s3
// Several nodes on one bucket: S3ChunkStores with their own cache directories over one prefix
// (Ceph RGW), and — where dedup hits meet GC — one metadata store's arbiter. A node reads
// what another wrote after it opened (a miss catches up with the bucket, once per burst); a
// read of a pack another node compacted away finds the record's new pack; a chunk stored again
// after a GC condemned it keeps its new record on every node when the old one's tombstone
// arrives, and a dedup hit on a node whose index still names a deleted record stores it again.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Store } from '../../store/store.js';
import { chunkStoreConformance, idOf, listAll } from '../chunk-store.conformance.js';
import { ChunkNotFoundError, ChunkPermanentError } from '../chunk-store.js';
import { removeAll, testObjects } from '../../../test/helpers/s3.js';
import { S3ChunkStore, type S3ChunkStoreOptions } from './s3.js';
import type { ObjectStore } from './s3/s3-objects.js';

const PACK = 256 * 1024;
const chunk = (n: number) => randomBytes(n);

const dirs: string[] = [];
const cacheDir = async () => {
  const dir = await mkdtemp(join(tmpdir(), 'imago-s3-node-'));
  dirs.push(dir);
  return dir;
};
after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

let metadata: Store;
before(async () => {
  metadata = await Store.open({ dataDir: await cacheDir(), durability: 'normal' });
});
after(() => metadata.close());

// the conformance suite again with the arbiter on: every dedup hit goes through it
chunkStoreConformance('s3 with an arbiter', async () => {
  const { objects, url } = await testObjects('arbitrated');
  const dir = await cacheDir();
  const open = () => S3ChunkStore.open({ objects, cacheDir: dir, identity: url, packBytes: PACK, arbiter: metadata.chunkArbitration });
  return { open, reopen: open, cleanup: () => removeAll(objects) };
});

describe('S3ChunkStore: nodes sharing a bucket', () => {
  /** A node on `objects`: its own cache directory. */
  const node = async (objects: ObjectStore, url: string, extra: Partial<S3ChunkStoreOptions> = {}) =>
    S3ChunkStore.open({ objects, cacheDir: await cacheDir(), identity: url, packBytes: PACK, ...extra });

  test('a node reads what another wrote after it opened; a burst of misses costs one catch-up', async () => {
    const { objects, url } = await testObjects('nodes-read');
    const a = await node(objects, url);
    const b = await node(objects, url);
    const early = chunk(3000);
    await a.put(idOf(early), early);
    await a.flush();
    // B opened before: its index does not know A's pack
    assert.ok((await b.get(idOf(early))).equals(early));
    const later = Array.from({ length: 24 }, (_, i) => chunk(20_000 + i));
    for (const c of later) await a.put(idOf(c), c);
    await a.flush();
    const syncs = syncCount(b);
    const read = await Promise.all(later.map((c) => b.get(idOf(c))));
    read.forEach((r, i) => assert.ok(r.equals(later[i])));
    assert.equal(syncCount(b) - syncs, 1, 'concurrent misses share one listing');
    // hasMany (fsck's presence check) and list after refresh (GC's plan) see them too
    const more = chunk(777);
    await a.put(idOf(more), more);
    await a.flush();
    assert.deepEqual(await b.hasMany([idOf(more), idOf(early)]), [true, true]);
    const other = chunk(778);
    await a.put(idOf(other), other);
    await a.flush();
    await b.refresh();
    assert.ok((await listAll(b)).some((s) => s.id === idOf(other)));
    // a chunk nobody stored is still not found, after one catch-up
    const syncsBefore = syncCount(b);
    await assert.rejects(b.get(idOf(chunk(10))), ChunkNotFoundError);
    assert.equal(syncCount(b) - syncsBefore, 1);
    await Promise.all([a.close(), b.close()]);
    await removeAll(objects);
  });

  test('a read of a pack another node compacted away finds the record in its new pack', async () => {
    const { objects, url } = await testObjects('nodes-compaction');
    const a = await node(objects, url);
    const chunks = Array.from({ length: 40 }, (_, i) => chunk(20_000 + i));
    for (const c of chunks) await a.put(idOf(c), c);
    await a.flush();
    const b = await node(objects, url);
    assert.deepEqual(await b.hasMany(chunks.map(idOf)), chunks.map(() => true));
    // A deletes most, compacts: the packs B's index names are gone from the bucket
    await a.delete(chunks.slice(0, 30).map(idOf));
    await a.compact();
    for (const c of chunks.slice(30)) assert.ok((await b.get(idOf(c))).equals(c));
    // and B learned the deletes from the tombstone or the packs' absence
    assert.deepEqual(await b.hasMany(chunks.slice(0, 3).map(idOf)), [false, false, false]);
    // a pack lost from the bucket (not compacted: nothing moved) is still reported as lost
    const lost = chunk(5000);
    await a.put(idOf(lost), lost);
    await a.flush();
    assert.ok((await b.get(idOf(lost))).equals(lost));
    const packs: string[] = [];
    for await (const o of objects.list('packs/')) packs.push(o.key);
    for (const key of packs) {
      const footerHolds = (await objects.getTail(key, 64 * 1024)).data.includes(Buffer.from(idOf(lost), 'hex'));
      if (footerHolds) await objects.deleteMany([key]);
    }
    await assert.rejects(b.get(idOf(lost)), (e: unknown) => e instanceof ChunkPermanentError && /missing from the bucket/.test(e.message));
    await Promise.all([a.close(), b.close()]);
    await removeAll(objects);
  });

  test('a chunk stored again after a GC condemned it: the old record’s tombstone leaves the new one on every node', async () => {
    const { objects, url } = await testObjects('nodes-records');
    const arbiter = metadata.chunkArbitration;
    const a = await node(objects, url, { arbiter });
    const data = chunk(9000);
    const id = idOf(data);
    const filler = [chunk(10_000)]; // the old pack is mostly this chunk: compaction rewrites it
    await a.put(id, data);
    for (const f of filler) await a.put(idOf(f), f);
    await a.flush();
    const b = await node(objects, url, { arbiter });
    const c = await node(objects, url, { arbiter });
    assert.deepEqual(await c.hasMany([id]), [true]);

    // a GC (on A) condemns it; B's dedup hit sees that and B stores the chunk again
    await arbiter.condemn('gc-test', [id], Date.now());
    assert.equal(await b.touch(id), false, 'a condemned chunk is a miss');
    await b.put(id, data);
    await b.flush();
    // C learns of B's record before the tombstone: two records of one chunk
    await c.refresh();
    // A deletes the record it knows (B's is newer than the cut-off, and A does not know it yet)
    assert.deepEqual(await a.delete([id], { writtenBefore: Date.now() }), []);
    await a.flush();
    await arbiter.release('gc-test');
    await a.compact(); // the old pack goes from the bucket
    for (const n of [a, b, c]) {
      assert.ok((await n.get(id)).equals(data), 'every node reads the new record');
      assert.deepEqual(await n.hasMany([id]), [true]);
    }
    await c.refresh();
    assert.ok((await listAll(c)).some((s) => s.id === id), 'C indexes the new record after applying the tombstone');
    const d = await node(objects, url);
    assert.ok((await d.get(id)).equals(data), 'a new node finds it');
    await Promise.all([a, b, c, d].map((n) => n.close()));
    await removeAll(objects);
  });

  test('a dedup hit on a node whose index names a deleted record catches up and stores it again', async () => {
    const { objects, url } = await testObjects('nodes-stale');
    const arbiter = metadata.chunkArbitration;
    const a = await node(objects, url, { arbiter });
    const data = chunk(7000);
    const id = idOf(data);
    await a.put(id, data);
    await a.flush();
    const b = await node(objects, url, { arbiter });
    // a whole GC on A while B is idle: condemned, deleted, tombstoned (the epoch advances), released, compacted
    await arbiter.condemn('gc-test', [id], Date.now());
    await a.delete([id]);
    await a.flush();
    await arbiter.release('gc-test');
    await a.compact();
    assert.equal(await b.touch(id), false, 'B catches up before trusting its index');
    await b.put(id, data);
    await b.flush();
    assert.ok((await a.get(id)).equals(data));
    await Promise.all([a.close(), b.close()]);
    await removeAll(objects);
  });

  test('a chunk two nodes stored at once has two records; a delete that knows both removes both', async () => {
    const { objects, url } = await testObjects('nodes-twice');
    const a = await node(objects, url);
    const b = await node(objects, url);
    const data = chunk(4000);
    const id = idOf(data);
    await Promise.all([a.put(id, data), b.put(id, data)]);
    await Promise.all([a.flush(), b.flush()]);
    await a.refresh();
    await b.refresh();
    await a.delete([id]); // GC: every record A knows of
    await a.flush();
    await b.refresh();
    assert.deepEqual(await b.hasMany([id]), [false]);
    const fresh = await node(objects, url);
    assert.deepEqual(await fresh.hasMany([id]), [false]);
    await Promise.all([a.close(), b.close(), fresh.close()]);
    await removeAll(objects);
  });
});

/** Catch-ups a store has started (a seam for the burst assertion). */
function syncCount(store: S3ChunkStore): number {
  return store.catchUps;
}
