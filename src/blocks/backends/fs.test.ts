import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, readFileSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import BetterSqlite3 from 'better-sqlite3';
import { ChunkNotFoundError, ChunkPermanentError } from '../chunk-store.js';
import { chunkStoreConformance, idOf, listAll } from '../chunk-store.conformance.js';
import { FsChunkStore } from './fs.js';
import { listPackFiles, packPath } from './fs/pack-files.js';
import { RECORD_HEADER_SIZE, encodeRecordHeader } from './fs/pack-record.js';

// Small packs so rotation and multi-pack compaction happen in every case.
const options = { packBytes: 256 * 1024 };

chunkStoreConformance('fs', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'imago-fs-chunks-'));
  return {
    open: async () => new FsChunkStore(dir, options),
    reopen: async () => new FsChunkStore(dir, options),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
});

describe('FsChunkStore: files, crashes and recovery', () => {
  let root: string;
  let n = 0;
  const freshDir = async () => {
    const dir = join(root, `case-${n++}`);
    await mkdir(dir);
    return dir;
  };
  before(async () => {
    root = await mkdtemp(join(tmpdir(), 'imago-fs-recovery-'));
  });
  after(() => rm(root, { recursive: true, force: true }));

  /** The active pack of a closed store: the highest-numbered one. */
  function lastPack(dir: string): string {
    const files = listPackFiles(dir);
    return files.get(Math.max(...files.keys()))!;
  }

  test('keeps file counts low: many chunks share a few pack files', async () => {
    const dir = await freshDir();
    const store = new FsChunkStore(dir, { packBytes: 1024 * 1024 });
    const chunks = Array.from({ length: 200 }, () => randomBytes(64 * 1024));
    await Promise.all(chunks.map((c) => store.put(idOf(c), c)));
    await store.flush();
    const packs = listPackFiles(dir).size;
    assert.ok(packs >= 13 && packs <= 16, `${packs} pack files for 200 chunks`);
    for (const c of chunks.slice(0, 20)) assert.ok((await store.get(idOf(c))).equals(c));
    await store.close();
  });

  test('a torn record at a pack tail is ignored and cut off on open', async () => {
    const dir = await freshDir();
    let store = new FsChunkStore(dir);
    const kept = [randomBytes(1000), randomBytes(2000)];
    for (const c of kept) await store.put(idOf(c), c);
    await store.close();
    const pack = lastPack(dir);
    const size = statSync(pack).size;
    // a crash in the middle of appending: the header and part of the data made it
    const torn = randomBytes(5000);
    const header = encodeRecordHeader(Buffer.from(idOf(torn), 'hex'), torn, Date.now());
    appendFileSync(pack, Buffer.concat([header, torn.subarray(0, 1234)]));

    store = new FsChunkStore(dir);
    assert.equal(statSync(pack).size, size, 'torn tail truncated');
    await assert.rejects(store.get(idOf(torn)), ChunkNotFoundError);
    for (const c of kept) assert.ok((await store.get(idOf(c))).equals(c));
    // appends continue where the valid data ends, and survive another reopen
    const next = randomBytes(3000);
    await store.put(idOf(next), next);
    await store.close();
    store = new FsChunkStore(dir);
    for (const c of [...kept, next]) assert.ok((await store.get(idOf(c))).equals(c));
    assert.equal((await listAll(store)).length, 3);
    await store.close();
  });

  test('garbage past the committed length is cut off on open', async () => {
    const dir = await freshDir();
    let store = new FsChunkStore(dir);
    const c = randomBytes(100);
    await store.put(idOf(c), c);
    await store.close();
    const pack = lastPack(dir);
    const size = statSync(pack).size;
    appendFileSync(pack, randomBytes(RECORD_HEADER_SIZE * 3));
    store = new FsChunkStore(dir);
    assert.equal(statSync(pack).size, size);
    assert.ok((await store.get(idOf(c))).equals(c));
    await store.close();
  });

  test('complete records written but never flushed are re-indexed on open', async () => {
    const dir = await freshDir();
    let store = new FsChunkStore(dir);
    const flushed = randomBytes(100);
    await store.put(idOf(flushed), flushed);
    await store.close();
    const unflushed = randomBytes(700);
    const writtenAt = Date.now() - 1000;
    appendFileSync(lastPack(dir), Buffer.concat([encodeRecordHeader(Buffer.from(idOf(unflushed), 'hex'), unflushed, writtenAt), unflushed]));
    store = new FsChunkStore(dir);
    assert.ok((await store.get(idOf(unflushed))).equals(unflushed));
    const stat = (await listAll(store)).find((s) => s.id === idOf(unflushed));
    assert.deepEqual(stat, { id: idOf(unflushed), size: 700, writtenAt });
    await store.close();
  });

  test('a process killed mid-write loses nothing flushed and indexes nothing partial', async () => {
    const dir = await freshDir();
    const storeUrl = new URL('./fs.ts', import.meta.url).href;
    const child = `
      import { createHash, randomBytes } from 'node:crypto';
      import { FsChunkStore } from ${JSON.stringify(storeUrl)};
      const store = new FsChunkStore(${JSON.stringify(dir)}, { packBytes: 1024 * 1024 });
      const idOf = (d) => createHash('sha256').update(d).digest('hex');
      const put = (i) => { const d = randomBytes(100000 + i); return store.put(idOf(d), d).then(() => idOf(d)); };
      const flushed = await Promise.all(Array.from({ length: 30 }, (_, i) => put(i)));
      await store.flush();
      process.stdout.write(JSON.stringify(flushed));
      // more writes in flight, some finished, none flushed, then the process dies
      for (let i = 0; i < 20; i++) void put(100 + i);
      setTimeout(() => process.kill(process.pid, 'SIGKILL'), 2);
    `;
    const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', child], { encoding: 'utf8' });
    assert.equal(r.signal, 'SIGKILL', r.stderr);
    const flushed = JSON.parse(r.stdout) as string[];
    assert.equal(flushed.length, 30);

    const store = new FsChunkStore(dir, { packBytes: 1024 * 1024 });
    assert.deepEqual(await store.hasMany(flushed), flushed.map(() => true));
    const listed = await listAll(store);
    assert.ok(listed.length >= 30);
    for (const stat of listed) {
      const data = await store.get(stat.id); // every index entry has its data, whole
      assert.equal(idOf(data), stat.id);
    }
    await store.close();
  });

  test('a chunk deleted before its flush does not come back after reopen', async () => {
    const dir = await freshDir();
    let store = new FsChunkStore(dir);
    const [a, b] = [randomBytes(100), randomBytes(200)];
    await store.put(idOf(a), a);
    await store.flush();
    await store.put(idOf(b), b);
    await store.delete([idOf(b)]);
    await store.close();
    store = new FsChunkStore(dir);
    assert.deepEqual(await store.hasMany([idOf(a), idOf(b)]), [true, false]);
    await store.close();
  });

  test('corrupt bytes are ChunkPermanentError, and only for the chunk they hit', async () => {
    const dir = await freshDir();
    let store = new FsChunkStore(dir);
    const [a, b] = [randomBytes(1000), randomBytes(1000)];
    await store.put(idOf(a), a);
    await store.put(idOf(b), b);
    await store.close();
    const pack = lastPack(dir);
    const bytes = readFileSync(pack);
    bytes[RECORD_HEADER_SIZE + 500] ^= 0x40; // inside a's data
    writeFileSync(pack, bytes);
    store = new FsChunkStore(dir);
    await assert.rejects(store.get(idOf(a)), (err: unknown) => err instanceof ChunkPermanentError && /checksum/.test(err.message));
    assert.ok((await store.get(idOf(b))).equals(b));
    await store.close();
  });

  test('lost pack data is ChunkPermanentError, never a crash or wrong bytes', async () => {
    const dir = await freshDir();
    let store = new FsChunkStore(dir, { packBytes: 3000 });
    const [a, b] = [randomBytes(2000), randomBytes(2000)]; // one pack each
    await store.put(idOf(a), a);
    await store.put(idOf(b), b);
    await store.close();
    const files = [...listPackFiles(dir).values()].sort();
    truncateSync(files[1], 100);
    await rm(files[0]);
    store = new FsChunkStore(dir, { packBytes: 3000 });
    await assert.rejects(store.get(idOf(a)), ChunkPermanentError);
    await assert.rejects(store.get(idOf(b)), ChunkPermanentError);
    await store.close();
  });

  test('compaction removes dead packs, and its results survive reopen', async () => {
    const dir = await freshDir();
    let store = new FsChunkStore(dir, { packBytes: 100_000 });
    const chunks = Array.from({ length: 60 }, () => randomBytes(10_000));
    for (const c of chunks) await store.put(idOf(c), c);
    await store.flush();
    const before = listPackFiles(dir).size;
    await store.delete(chunks.slice(0, 50).map(idOf));
    const { reclaimedBytes } = await store.compact();
    assert.ok(reclaimedBytes >= 50 * 10_000, `reclaimed ${reclaimedBytes}`);
    const after = listPackFiles(dir).size;
    assert.ok(after < before / 2, `${before} packs before, ${after} after`);
    await store.close();
    store = new FsChunkStore(dir, { packBytes: 100_000 });
    assert.equal((await listAll(store)).length, 10);
    for (const c of chunks.slice(50)) assert.ok((await store.get(idOf(c))).equals(c));
    await store.close();
  });

  test('open removes a compaction’s debris: unregistered outputs and retired packs', async () => {
    const dir = await freshDir();
    let store = new FsChunkStore(dir);
    const c = randomBytes(500);
    await store.put(idOf(c), c);
    await store.close();
    // a crash before the switch leaves an output pack no row knows
    const orphan = packPath(dir, 900);
    writeFileSync(orphan, randomBytes(1000));
    // a crash after the switch leaves a retired pack not yet removed
    const retired = packPath(dir, 901);
    writeFileSync(retired, randomBytes(1000));
    const db = new BetterSqlite3(join(dir, 'index.sqlite'));
    db.prepare("INSERT INTO packs (id, length, state) VALUES (901, 1000, 'retired')").run();
    db.close();

    store = new FsChunkStore(dir);
    const files = listPackFiles(dir);
    assert.ok(!files.has(900) && !files.has(901), [...files.keys()].join());
    assert.ok((await store.get(idOf(c))).equals(c));
    const more = randomBytes(500);
    await store.put(idOf(more), more);
    await store.close();
    store = new FsChunkStore(dir);
    assert.ok((await store.get(idOf(more))).equals(more));
    await store.close();
    assert.equal(dirname(packPath(dir, 1)), dirname(packPath(dir, 4095)));
  });

  test('random concurrent puts, deletes, flushes and compactions agree with a model, also after reopen', async () => {
    const dir = await freshDir();
    const opts = { packBytes: 64 * 1024, compactDeadRatio: 0.1 };
    let store = new FsChunkStore(dir, opts);
    let seed = 12345;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    const universe = Array.from({ length: 300 }, (_, i) => Buffer.from(`chunk ${i} `.repeat(1 + (i % 700))));
    const model = new Set<number>();
    for (let round = 0; round < 40; round++) {
      // distinct chunks per round, so the model's outcome does not depend on interleaving
      const picked = new Set<number>();
      while (picked.size < 15) picked.add(rand(universe.length));
      const ops: Promise<unknown>[] = [];
      for (const i of picked) {
        const c = universe[i];
        if (rand(3) === 0) {
          ops.push(store.delete([idOf(c)]));
          model.delete(i);
        } else {
          ops.push(store.put(idOf(c), c));
          model.add(i);
        }
      }
      if (rand(2) === 0) ops.push(store.flush());
      if (rand(4) === 0) ops.push(store.compact());
      const reads = [...model].filter((i) => !picked.has(i)).slice(0, 5);
      for (const i of reads) ops.push(store.get(idOf(universe[i])).then((b) => assert.ok(b.equals(universe[i]))));
      await Promise.all(ops);
      if (round % 10 === 9) {
        await store.close();
        store = new FsChunkStore(dir, opts);
      }
    }
    const expected = [...model].map((i) => idOf(universe[i])).sort();
    assert.deepEqual((await listAll(store)).map((s) => s.id).sort(), expected);
    for (const i of model) assert.ok((await store.get(idOf(universe[i]))).equals(universe[i]));
    await store.compact();
    await store.close();
    store = new FsChunkStore(dir, opts);
    assert.deepEqual((await listAll(store)).map((s) => s.id).sort(), expected);
    for (const i of model) assert.ok((await store.get(idOf(universe[i]))).equals(universe[i]));
    await store.close();
  });

  test('a directory is owned by one open store at a time', async () => {
    const dir = await freshDir();
    const store = new FsChunkStore(dir);
    assert.throws(() => new FsChunkStore(dir), /in use/);
    await store.close();
    const again = new FsChunkStore(dir);
    await again.close();
  });

  test('clear empties the directory of packs and the index', async () => {
    const dir = await freshDir();
    let store = new FsChunkStore(dir, { packBytes: 10_000 });
    const chunks = Array.from({ length: 10 }, () => randomBytes(5000));
    for (const c of chunks) await store.put(idOf(c), c);
    await store.clear();
    assert.equal(listPackFiles(dir).size, 0);
    await store.close();
    store = new FsChunkStore(dir, { packBytes: 10_000 });
    assert.deepEqual(await listAll(store), []);
    await store.close();
  });
});
