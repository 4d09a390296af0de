// test-servers: s3
// The S3 chunk store against a real S3-compatible server (Ceph RGW, started by npm test): the
// conformance suite, then what only this backend has — objects per pack, immutable writes,
// a rebuild of the index from the bucket, the spool after a crash, compaction's objects.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { ChunkStoreUnavailableError } from '../chunk-store.js';
import { chunkStoreConformance, idOf, listAll } from '../chunk-store.conformance.js';
import { ensureTestBucket, freshPrefix, objectsAt, removeAll, s3Target, testObjects } from '../../../test/helpers/s3.js';
import { openChunkStore } from '../open-chunk-store.js';
import { S3ChunkStore } from './s3.js';
import type { ObjectStore } from './s3/s3-objects.js';

// small packs so sealing, several packs and compaction happen in every case
const PACK = 256 * 1024;

chunkStoreConformance('s3', async () => {
  const { objects, url } = await testObjects('conformance');
  const cacheDir = await mkdtemp(join(tmpdir(), 'imago-s3-cache-'));
  const open = () => S3ChunkStore.open({ objects, cacheDir, identity: url, packBytes: PACK });
  return { open, reopen: open, cleanup: async () => Promise.all([rm(cacheDir, { recursive: true, force: true }), removeAll(objects)]).then(() => undefined) };
});

// and as servers use it: behind retries, a concurrency limit and a disk read cache, without a spool
chunkStoreConformance('s3 behind the wrappers (openChunkStore)', async () => {
  const t = s3Target();
  await ensureTestBucket(t);
  const dataDir = await mkdtemp(join(tmpdir(), 'imago-s3-data-'));
  const env = { AWS_ACCESS_KEY_ID: t.accessKeyId, AWS_SECRET_ACCESS_KEY: t.secretAccessKey };
  // durability 'full', as a server at the default: no spool
  const options = { url: `s3://${t.bucket}/${freshPrefix('wrapped')}`, s3Endpoint: t.endpoint, packBytes: PACK, readCacheMiB: 4, durability: 'full' as const };
  const open = () => openChunkStore(dataDir, options, env);
  const cleanup = async () => {
    await rm(dataDir, { recursive: true, force: true });
    await removeAll(objectsAt(options.url.slice(`s3://${t.bucket}/`.length)).objects);
  };
  return { open, reopen: open, cleanup };
});

/** Passes every call through, letting a test fail or alter some. */
class InterposedObjects implements ObjectStore {
  onPut?: (key: string, body: Buffer, options: { ifAbsent?: boolean }, put: () => Promise<'created' | 'exists'>) => Promise<'created' | 'exists'>;
  puts: string[] = [];

  constructor(readonly inner: ObjectStore) {}
  get description() {
    return this.inner.description;
  }
  checkBucket() {
    return this.inner.checkBucket();
  }
  put(key: string, body: Buffer, options: { ifAbsent?: boolean; metadata?: Record<string, string> } = {}) {
    this.puts.push(key);
    const put = () => this.inner.put(key, body, options);
    return this.onPut ? this.onPut(key, body, options, put) : put();
  }
  get(key: string, range?: { start: number; end: number }) {
    return this.inner.get(key, range);
  }
  getTail(key: string, bytes: number) {
    return this.inner.getTail(key, bytes);
  }
  head(key: string) {
    return this.inner.head(key);
  }
  list(prefix: string) {
    return this.inner.list(prefix);
  }
  deleteMany(keys: readonly string[]) {
    return this.inner.deleteMany(keys);
  }
}

async function keys(objects: ObjectStore, prefix: string): Promise<string[]> {
  const out: string[] = [];
  for await (const o of objects.list(prefix)) out.push(o.key);
  return out;
}

const chunk = (n: number) => randomBytes(n);

describe('S3ChunkStore: objects, immutability, rebuilds, crashes', () => {
  const dirs: string[] = [];
  const cacheDir = async () => {
    const dir = await mkdtemp(join(tmpdir(), 'imago-s3-case-'));
    dirs.push(dir);
    return dir;
  };
  after(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  test('packs many chunks into a few objects', async () => {
    const { objects, url } = await testObjects('packing');
    const store = await S3ChunkStore.open({ objects, cacheDir: await cacheDir(), identity: url, packBytes: 1024 * 1024 });
    const chunks = Array.from({ length: 200 }, () => chunk(64 * 1024));
    await Promise.all(chunks.map((c) => store.put(idOf(c), c)));
    await store.flush();
    const packs = await keys(objects, 'packs/');
    assert.ok(packs.length >= 13 && packs.length <= 16, `${packs.length} pack objects for 200 chunks`);
    assert.deepEqual(await keys(objects, 'tombstones/'), []);
    for (const c of chunks.slice(0, 20)) assert.ok((await store.get(idOf(c))).equals(c));
    await store.close();
  });

  test('uploads are conditional where the server honours it; a retry whose first answer was lost is accepted', async () => {
    const { objects, url } = await testObjects('conditional');
    const lossy = new InterposedObjects(objects);
    const store = await S3ChunkStore.open({ objects: lossy, cacheDir: await cacheDir(), identity: url });
    assert.equal(store.conditionalWrites, true, 'RGW answers 412 to If-None-Match: *');
    let lost = 0;
    lossy.onPut = async (key, _body, options, put) => {
      assert.ok(options.ifAbsent, `${key} is written conditionally`);
      const result = await put();
      if (key.startsWith('packs/') && lost++ === 0) throw new ChunkStoreUnavailableError('the answer was lost');
      return result;
    };
    const data = chunk(5000);
    await store.put(idOf(data), data);
    await assert.rejects(store.flush(), ChunkStoreUnavailableError);
    await store.flush(); // the same pack again: 412, and the object there is ours
    assert.equal(lossy.puts.filter((k) => k.startsWith('packs/')).length, 2);
    assert.equal((await keys(objects, 'packs/')).length, 1);
    assert.ok((await store.get(idOf(data))).equals(data));
    await store.close();
  });

  test('an object already at a pack’s name with other content fails the upload instead of being overwritten', async () => {
    const { objects, url } = await testObjects('collision');
    const interposed = new InterposedObjects(objects);
    const store = await S3ChunkStore.open({ objects: interposed, cacheDir: await cacheDir(), identity: url });
    interposed.onPut = async (key, _body, _options, put) => {
      if (key.startsWith('packs/')) await objects.put(key, Buffer.from('someone else’s bytes'));
      return put();
    };
    const data = chunk(1000);
    await store.put(idOf(data), data);
    await assert.rejects(store.flush(), /exists .* with other content/);
    assert.equal((await objects.get((await keys(objects, 'packs/'))[0])).toString(), 'someone else’s bytes');
    interposed.onPut = undefined;
    await assert.rejects(store.close());
  });

  test('a server without conditional writes (501, like Swift) gets plain uploads', async () => {
    const { objects, url } = await testObjects('unconditional');
    const swiftLike = new InterposedObjects(objects);
    swiftLike.onPut = async (key, body, options) => {
      if (options.ifAbsent) throw Object.assign(new Error('NotImplemented: Conditional object PUTs are not supported'), { status: 501 });
      return objects.put(key, body);
    };
    const store = await S3ChunkStore.open({ objects: swiftLike, cacheDir: await cacheDir(), identity: url });
    assert.equal(store.conditionalWrites, false);
    const data = chunk(3000);
    await store.put(idOf(data), data);
    await store.flush();
    assert.ok((await store.get(idOf(data))).equals(data));
    assert.deepEqual(await keys(objects, 'probe/'), [], 'the probe object is removed');
    await store.close();
  });

  test('another node (a new cache) rebuilds the index from the bucket: packs, tombstones, compactions', async () => {
    const { objects, url } = await testObjects('rebuild');
    const a = await S3ChunkStore.open({ objects, cacheDir: await cacheDir(), identity: url, packBytes: PACK });
    const chunks = Array.from({ length: 30 }, (_, i) => chunk(20_000 + i));
    for (const c of chunks) await a.put(idOf(c), c);
    await a.flush();
    await a.delete(chunks.slice(0, 5).map(idOf));
    await a.flush();
    assert.equal((await keys(objects, 'tombstones/')).length, 1);

    const bDir = await cacheDir();
    let b = await S3ChunkStore.open({ objects, cacheDir: bDir, identity: url, packBytes: PACK });
    assert.deepEqual((await listAll(b)).sort(byId), (await listAll(a)).sort(byId));
    for (const c of chunks.slice(5)) assert.ok((await b.get(idOf(c))).equals(c));
    assert.deepEqual(await b.hasMany(chunks.slice(0, 5).map(idOf)), [false, false, false, false, false]);
    await b.close();

    // node A deletes more and compacts: B's next open forgets the old packs and finds the new
    await a.delete(chunks.slice(5, 20).map(idOf));
    await a.compact();
    b = await S3ChunkStore.open({ objects, cacheDir: bDir, identity: url, packBytes: PACK });
    assert.deepEqual((await listAll(b)).map((s) => s.id).sort(), chunks.slice(20).map(idOf).sort());
    for (const c of chunks.slice(20)) assert.ok((await b.get(idOf(c))).equals(c));
    await b.close();
    await a.close();
  });

  test('compaction deletes the rewritten packs and the tombstones that named only them', async () => {
    const { objects, url } = await testObjects('compaction');
    const store = await S3ChunkStore.open({ objects, cacheDir: await cacheDir(), identity: url, packBytes: PACK });
    const chunks = Array.from({ length: 40 }, (_, i) => chunk(20_000 + i));
    for (const c of chunks) await store.put(idOf(c), c);
    await store.flush();
    const before = await keys(objects, 'packs/');
    await store.delete(chunks.slice(0, 30).map(idOf));
    await store.flush();
    assert.equal((await keys(objects, 'tombstones/')).length, 1);
    const { reclaimedBytes } = await store.compact();
    assert.ok(reclaimedBytes >= 30 * 20_000, `reclaimed ${reclaimedBytes}`);
    const after = await keys(objects, 'packs/');
    assert.ok(after.length < before.length, `${before.length} packs before, ${after.length} after`);
    assert.deepEqual(await keys(objects, 'tombstones/'), [], 'no pack a tombstone named is left');
    for (const c of chunks.slice(30)) assert.ok((await store.get(idOf(c))).equals(c));
    await store.close();
  });

  test('puts that resolved survive a crash before any flush: the spool is uploaded on open', async () => {
    const { url, prefix } = await testObjects('spool');
    const dir = await cacheDir();
    const child = `
      import { createHash, randomBytes } from 'node:crypto';
      import { S3ChunkStore } from ${JSON.stringify(new URL('./s3.ts', import.meta.url).href)};
      import { objectsAt } from ${JSON.stringify(new URL('../../../test/helpers/s3.ts', import.meta.url).href)};
      const { objects } = objectsAt(${JSON.stringify(prefix)});
      const store = await S3ChunkStore.open({ objects, cacheDir: ${JSON.stringify(dir)}, identity: ${JSON.stringify(url)}, packBytes: 4 * 1024 * 1024 });
      const idOf = (d) => createHash('sha256').update(d).digest('hex');
      const put = async (i) => { const d = randomBytes(100000 + i); await store.put(idOf(d), d); return idOf(d); };
      const flushed = await Promise.all(Array.from({ length: 10 }, (_, i) => put(i)));
      await store.flush();
      const unflushed = await Promise.all(Array.from({ length: 20 }, (_, i) => put(100 + i)));
      process.stdout.write(JSON.stringify({ flushed, unflushed }));
      process.kill(process.pid, 'SIGKILL');
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], { encoding: 'utf8', env: process.env });
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    const { flushed, unflushed } = JSON.parse(r.stdout) as { flushed: string[]; unflushed: string[] };
    const same = objectsAt(prefix).objects;
    assert.ok((await readdir(join(dir, 'spool'))).length > 0, 'the crash left a spool file');
    const store = await S3ChunkStore.open({ objects: same, cacheDir: dir, identity: url });
    assert.deepEqual(await readdir(join(dir, 'spool')), []);
    for (const id of [...flushed, ...unflushed]) assert.equal(idOf(await store.get(id)), id);
    await store.close();
    // and the bucket alone has them all
    const other = await S3ChunkStore.open({ objects: same, cacheDir: await cacheDir(), identity: url });
    assert.deepEqual(await other.hasMany([...flushed, ...unflushed]), [...flushed, ...unflushed].map(() => true));
    await other.close();
  });

  test('a cache made for another location is rebuilt, not trusted', async () => {
    const dir = await cacheDir();
    const first = await testObjects('identity-a');
    let store = await S3ChunkStore.open({ objects: first.objects, cacheDir: dir, identity: first.url });
    const data = chunk(100);
    await store.put(idOf(data), data);
    await store.close();
    const second = await testObjects('identity-b');
    store = await S3ChunkStore.open({ objects: second.objects, cacheDir: dir, identity: second.url });
    assert.deepEqual(await listAll(store), []);
    await store.close();
  });
});

function byId(a: { id: string }, b: { id: string }): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}
