// The one behaviour every ChunkStore backend must show (memory, fs, s3, and the wrappers). A backend's test
// file calls `chunkStoreConformance` with a harness; backend-specific cases (crashes, torn files)
// stay in that file. Only the interface is used here, so a remote backend can run it unchanged.
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { BLOCK_SIZE } from './block-size.js';
import { ChunkNotFoundError, type ChunkId, type ChunkStat, type ChunkStore } from './chunk-store.js';

export interface ChunkStoreHarness {
  /** Opens a fresh, empty store. Called once per harness. */
  open(): Promise<ChunkStore>;
  /** Opens the same storage again after `close()`; only for durable backends. */
  reopen?(): Promise<ChunkStore>;
  /** Removes whatever the harness created (the store is closed already). */
  cleanup(): Promise<void>;
}

export function chunkStoreConformance(label: string, makeHarness: () => Promise<ChunkStoreHarness>): void {
  async function withStore(fn: (store: ChunkStore, harness: ChunkStoreHarness) => Promise<ChunkStore | void>) {
    const harness = await makeHarness();
    let store = await harness.open();
    try {
      store = (await fn(store, harness)) ?? store;
    } finally {
      await store.close();
      await harness.cleanup();
    }
  }

  describe(`ChunkStore conformance: ${label}`, () => {
    test('declares a name and capabilities', () =>
      withStore(async (store) => {
        assert.equal(typeof store.name, 'string');
        assert.ok(store.name.length > 0);
        for (const flag of ['durable', 'listable', 'deferredReclaim'] as const) {
          assert.equal(typeof store.capabilities[flag], 'boolean', flag);
        }
      }));

    test('get returns exactly what put stored, for every size a payload can have', () =>
      withStore(async (store) => {
        const payloads = [0, 1, 29, 4097, BLOCK_SIZE, BLOCK_SIZE + 29].map((n) => randomBytes(n));
        for (const data of payloads) await store.put(idOf(data), data);
        for (const data of payloads) assert.ok((await store.get(idOf(data))).equals(data));
        await store.flush();
        for (const data of payloads) assert.ok((await store.get(idOf(data))).equals(data));
      }));

    test('stored bytes do not alias the caller’s buffers', () =>
      withStore(async (store) => {
        const data = randomBytes(1000);
        const copy = Buffer.from(data);
        const id = idOf(data);
        await store.put(id, data);
        data.fill(7); // the block pipeline reuses its buffers
        const first = await store.get(id);
        assert.ok(first.equals(copy));
        first.fill(9);
        assert.ok((await store.get(id)).equals(copy));
      }));

    test('a missing chunk is ChunkNotFoundError carrying its id', () =>
      withStore(async (store) => {
        const id = idOf(Buffer.from('never stored'));
        await assert.rejects(store.get(id), (err: unknown) => {
          assert.ok(err instanceof ChunkNotFoundError);
          assert.equal(err.id, id);
          assert.equal(err.kind, 'not-found');
          return true;
        });
      }));

    test('malformed ids are rejected with TypeError', () =>
      withStore(async (store) => {
        for (const bad of ['', 'abc', 'A'.repeat(64), 'g'.repeat(64), '0'.repeat(63), '0'.repeat(65), '../' + '0'.repeat(61)]) {
          await assert.rejects(store.put(bad, Buffer.from('x')), TypeError, bad);
          await assert.rejects(store.get(bad), TypeError, bad);
          await assert.rejects(store.hasMany([bad]), TypeError, bad);
          await assert.rejects(store.delete([bad]), TypeError, bad);
        }
      }));

    test('putting an existing id keeps the stored bytes and refreshes writtenAt', () =>
      withStore(async (store) => {
        const data = Buffer.from('first');
        const id = idOf(data);
        await store.put(id, data);
        const before = await statOf(store, id);
        await sleep(5);
        const reputAt = Date.now();
        await store.put(id, Buffer.from('other bytes, same id'));
        assert.ok((await store.get(id)).equals(data));
        const after = await statOf(store, id);
        assert.equal(after.size, data.length);
        if (before.writtenAt !== undefined) {
          assert.ok(after.writtenAt !== undefined && after.writtenAt >= reputAt, 'writtenAt refreshed');
        }
        await store.flush();
        assert.equal((await listAll(store)).length, 1);
        if (before.writtenAt !== undefined) assert.ok((await statOf(store, id)).writtenAt! >= reputAt);
      }));

    test('touch (when supported) refreshes writtenAt of a stored chunk and says whether it is stored', () =>
      withStore(async (store) => {
        if (!store.touch) return;
        const data = Buffer.from('touched');
        const id = idOf(data);
        assert.equal(await store.touch(id), false, 'not stored');
        assert.equal((await store.hasMany([id]))[0], false, 'a touch stores nothing');
        await assert.rejects(store.touch('nope'), TypeError);
        await store.put(id, data);
        for (const flushed of [false, true]) {
          if (flushed) await store.flush();
          const before = await statOf(store, id);
          await sleep(5);
          const touchedAt = Date.now();
          assert.equal(await store.touch(id), true);
          assert.ok((await store.get(id)).equals(data));
          if (before.writtenAt !== undefined) assert.ok((await statOf(store, id)).writtenAt! >= touchedAt, `writtenAt refreshed (flushed: ${flushed})`);
        }
        await store.flush();
        await store.delete([id]);
        assert.equal(await store.touch(id), false, 'deleted');
      }));

    test('hasMany answers in order, with duplicates and for an empty list', () =>
      withStore(async (store) => {
        const [a, b, c] = ['a', 'b', 'c'].map((s) => Buffer.from(s));
        await store.put(idOf(a), a);
        await store.put(idOf(c), c);
        assert.deepEqual(await store.hasMany([]), []);
        assert.deepEqual(await store.hasMany([idOf(a), idOf(b), idOf(c), idOf(a)]), [true, false, true, true]);
        await store.flush();
        assert.deepEqual(await store.hasMany([idOf(b), idOf(c)]), [false, true]);
      }));

    test('delete removes only the named chunks and ignores missing ids', () =>
      withStore(async (store) => {
        const chunks = Array.from({ length: 6 }, (_, i) => Buffer.from(`chunk ${i}`));
        for (const c of chunks.slice(0, 3)) await store.put(idOf(c), c);
        await store.flush();
        for (const c of chunks.slice(3)) await store.put(idOf(c), c); // some not flushed yet
        await store.delete([]);
        await store.delete([idOf(chunks[0]), idOf(chunks[4]), idOf(Buffer.from('missing'))]);
        assert.deepEqual(await store.hasMany(chunks.map(idOf)), [false, true, true, true, false, true]);
        await assert.rejects(store.get(idOf(chunks[0])), ChunkNotFoundError);
        await assert.rejects(store.get(idOf(chunks[4])), ChunkNotFoundError);
        assert.ok((await store.get(idOf(chunks[5]))).equals(chunks[5]));
        await store.flush();
        assert.deepEqual((await listAll(store)).map((s) => s.id).sort(), [1, 2, 3, 5].map((i) => idOf(chunks[i])).sort());
        // a deleted chunk can be stored again
        await store.put(idOf(chunks[0]), chunks[0]);
        assert.ok((await store.get(idOf(chunks[0]))).equals(chunks[0]));
      }));

    test('delete with writtenBefore keeps the chunks put or touched since', () =>
      withStore(async (store) => {
        for (const flushed of [false, true]) {
          const [old, reput, touched, fresh] = ['old', 'reput', 'touched', 'fresh'].map((s) => Buffer.from(`${s} ${flushed}`));
          for (const c of [old, reput, touched]) await store.put(idOf(c), c);
          if (flushed) await store.flush();
          await sleep(5);
          const cutoff = Date.now();
          await sleep(5);
          await store.put(idOf(reput), reput);
          if (store.touch) assert.equal(await store.touch(idOf(touched)), true);
          else await store.put(idOf(touched), touched);
          await store.put(idOf(fresh), fresh);
          const all = [old, reput, touched, fresh, Buffer.from('missing')].map(idOf);
          const kept = await store.delete(all, { writtenBefore: cutoff });
          assert.deepEqual([...kept].sort(), [reput, touched, fresh].map(idOf).sort(), `flushed: ${flushed}`);
          assert.deepEqual(await store.hasMany(all), [false, true, true, true, false]);
          assert.deepEqual(await store.delete(all), [], 'an unconditional delete keeps nothing');
          assert.deepEqual(await store.hasMany(all), [false, false, false, false, false]);
        }
      }));

    test('a touch racing a conditional delete either keeps the chunk or reports it gone', () =>
      withStore(async (store) => {
        const chunks = Array.from({ length: 40 }, (_, i) => Buffer.from(`race ${i}`));
        for (const c of chunks) await store.put(idOf(c), c);
        await store.flush();
        await sleep(5);
        const cutoff = Date.now();
        await sleep(2);
        // half the touches start before the delete, half after, all in flight together
        const refresh = (c: Buffer) => (store.touch ? store.touch(idOf(c)) : store.put(idOf(c), c).then(() => true));
        const early = chunks.slice(0, 20).map(refresh);
        const deleting = store.delete(chunks.map(idOf), { writtenBefore: cutoff });
        const late = chunks.slice(20).map(refresh);
        const [stored, kept] = await Promise.all([Promise.all([...early, ...late]), deleting]);
        const present = await store.hasMany(chunks.map(idOf));
        for (const [i, c] of chunks.entries()) {
          if (stored[i]) assert.ok(present[i], `chunk ${i}: a touch that found it stored must keep it`);
          if (kept.includes(idOf(c))) assert.ok(present[i], `chunk ${i}: reported kept`);
          if (store.touch) assert.equal(present[i], kept.includes(idOf(c)), `chunk ${i}: a touch stores nothing, so only kept chunks remain`);
        }
        await store.flush();
        for (const [i, c] of chunks.entries()) if (present[i]) assert.ok((await store.get(idOf(c))).equals(c));
      }));

    test('list yields every chunk once with its stored size and write time', () =>
      withStore(async (store) => {
        const started = Date.now();
        const chunks = Array.from({ length: 1200 }, (_, i) => Buffer.from(`small chunk number ${i}`.repeat(1 + (i % 5))));
        for (const [i, c] of chunks.entries()) {
          await store.put(idOf(c), c);
          if (i === 700) await store.flush(); // some flushed, some pending
        }
        const ended = Date.now();
        const listed = await listAll(store);
        assert.equal(listed.length, chunks.length);
        assert.equal(new Set(listed.map((s) => s.id)).size, chunks.length);
        const bySize = new Map(chunks.map((c) => [idOf(c), c.length]));
        for (const stat of listed) {
          assert.equal(stat.size, bySize.get(stat.id), stat.id);
          if (stat.writtenAt !== undefined) assert.ok(stat.writtenAt >= started && stat.writtenAt <= ended, 'writtenAt in range');
        }
      }));

    test('list tolerates deletes while iterating (garbage collection does that)', () =>
      withStore(async (store) => {
        const chunks = Array.from({ length: 1500 }, (_, i) => Buffer.from(`gc ${i}`));
        for (const c of chunks) await store.put(idOf(c), c);
        await store.flush();
        let seen = 0;
        for await (const stat of store.list()) {
          seen++;
          await store.delete([stat.id]);
        }
        assert.equal(seen, chunks.length);
        assert.deepEqual(await listAll(store), []);
      }));

    test('concurrent puts (with duplicates), gets and flushes are safe', () =>
      withStore(async (store) => {
        const chunks = Array.from({ length: 60 }, (_, i) => randomBytes(i % 3 === 0 ? BLOCK_SIZE : 3000 + i));
        const ops: Promise<unknown>[] = [];
        for (const [i, c] of chunks.entries()) {
          ops.push(store.put(idOf(c), c));
          ops.push(store.put(idOf(c), c)); // the same block uploaded twice at once
          if (i % 10 === 9) ops.push(store.flush());
          if (i % 7 === 0) ops.push(store.hasMany([idOf(c)]));
        }
        await Promise.all(ops);
        await Promise.all(chunks.map(async (c) => assert.ok((await store.get(idOf(c))).equals(c))));
        await Promise.all([store.flush(), store.flush()]);
        assert.equal((await listAll(store)).length, chunks.length);
      }));

    test('flush with nothing pending resolves, repeatedly', () =>
      withStore(async (store) => {
        await store.flush();
        await store.flush();
        await Promise.all([store.flush(), store.flush(), store.flush()]);
      }));

    test('compact keeps survivors (bytes and write time) and forgets deleted chunks; without compact, deletes reclaim at once', () =>
      withStore(async (store) => {
        if (!store.compact) return deletesReclaimAtOnce(store);
        const chunks = Array.from({ length: 40 }, (_, i) => randomBytes(20_000 + i));
        for (const c of chunks) await store.put(idOf(c), c);
        await store.flush();
        const before = new Map((await listAll(store)).map((s) => [s.id, s]));
        const doomed = chunks.filter((_, i) => i % 2 === 0).map(idOf);
        await store.delete(doomed);
        const { reclaimedBytes } = await store.compact();
        if (store.capabilities.deferredReclaim) assert.ok(reclaimedBytes >= 20 * 20_000, `reclaimed ${reclaimedBytes}`);
        else assert.ok(reclaimedBytes >= 0);
        for (const [i, c] of chunks.entries()) {
          if (i % 2 === 0) await assert.rejects(store.get(idOf(c)), ChunkNotFoundError);
          else assert.ok((await store.get(idOf(c))).equals(c));
        }
        const after = await listAll(store);
        assert.equal(after.length, 20);
        for (const stat of after) {
          assert.equal(stat.size, before.get(stat.id)!.size);
          assert.equal(stat.writtenAt, before.get(stat.id)!.writtenAt, 'compaction keeps write times');
        }
        await store.compact(); // nothing left to do is fine
      }));

    test('puts, gets and deletes during compaction (or a flush, without compact) are safe', () =>
      withStore(async (store) => {
        const old = Array.from({ length: 30 }, (_, i) => randomBytes(30_000 + i));
        for (const c of old) await store.put(idOf(c), c);
        await store.flush();
        await store.delete(old.slice(0, 20).map(idOf));
        const fresh = Array.from({ length: 30 }, (_, i) => randomBytes(10_000 + i));
        await Promise.all([
          store.compact ? store.compact() : store.flush(),
          ...fresh.map((c) => store.put(idOf(c), c)),
          // (not old[25]: a get racing the delete of its own chunk may see either)
          ...old.slice(20).filter((_, i) => i !== 5).map(async (c) => assert.ok((await store.get(idOf(c))).equals(c))),
          store.delete([idOf(old[25])]),
          store.put(idOf(old[0]), old[0]), // re-put of a deleted chunk while it is being compacted away
        ]);
        await store.flush();
        const expected = [...fresh, ...old.slice(20).filter((_, i) => i !== 5), old[0]];
        for (const c of expected) assert.ok((await store.get(idOf(c))).equals(c));
        await assert.rejects(store.get(idOf(old[25])), ChunkNotFoundError);
        assert.equal((await listAll(store)).length, expected.length);
      }));

    test('clear removes everything and the store stays usable', () =>
      withStore(async (store) => {
        const chunks = Array.from({ length: 10 }, (_, i) => Buffer.from(`clear ${i}`));
        for (const c of chunks.slice(0, 5)) await store.put(idOf(c), c);
        await store.flush();
        for (const c of chunks.slice(5)) await store.put(idOf(c), c);
        await store.clear();
        assert.deepEqual(await listAll(store), []);
        assert.deepEqual(await store.hasMany(chunks.map(idOf)), chunks.map(() => false));
        await store.put(idOf(chunks[0]), chunks[0]);
        await store.flush();
        assert.ok((await store.get(idOf(chunks[0]))).equals(chunks[0]));
      }));

    test('a durable store keeps flushed chunks, deletes and write times across close and reopen; another promises nothing', () =>
      withStore(async (store, harness) => {
        if (!store.capabilities.durable) {
          assert.equal(harness.reopen, undefined, 'a store that is not durable cannot be reopened');
          return;
        }
        assert.ok(harness.reopen, 'a durable backend’s harness can reopen');
        const chunks = Array.from({ length: 12 }, (_, i) => randomBytes(i === 0 ? BLOCK_SIZE : 5000 + i));
        for (const c of chunks) await store.put(idOf(c), c);
        await store.delete([idOf(chunks[1])]);
        await store.flush();
        const before = (await listAll(store)).sort(byId);
        await store.close();
        store = await harness.reopen();
        assert.deepEqual((await listAll(store)).sort(byId), before);
        for (const [i, c] of chunks.entries()) {
          if (i === 1) await assert.rejects(store.get(idOf(c)), ChunkNotFoundError);
          else assert.ok((await store.get(idOf(c))).equals(c));
        }
        if (store.compact) {
          await store.delete(chunks.slice(2, 8).map(idOf));
          await store.compact();
          await store.close();
          store = await harness.reopen();
          const left = [0, 8, 9, 10, 11].map((i) => idOf(chunks[i])).sort();
          assert.deepEqual((await listAll(store)).map((s) => s.id).sort(), left);
          for (const i of [0, 8, 9, 10, 11]) assert.ok((await store.get(idOf(chunks[i]))).equals(chunks[i]));
        }
        return store;
      }));
  });
}

export function idOf(data: Buffer): ChunkId {
  return createHash('sha256').update(data).digest('hex');
}

export async function listAll(store: ChunkStore): Promise<ChunkStat[]> {
  const out: ChunkStat[] = [];
  for await (const stat of store.list()) out.push(stat);
  return out;
}

async function statOf(store: ChunkStore, id: ChunkId): Promise<ChunkStat> {
  const stat = (await listAll(store)).find((s) => s.id === id);
  assert.ok(stat, `${id} listed`);
  return stat;
}

function byId(a: ChunkStat, b: ChunkStat): number {
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/** A store without compact() must not defer reclaiming: a delete frees the chunk from listing and reads at once. */
async function deletesReclaimAtOnce(store: ChunkStore): Promise<void> {
  assert.equal(store.capabilities.deferredReclaim, false, 'a store that defers reclaim offers compact()');
  const chunks = Array.from({ length: 6 }, (_, i) => randomBytes(10_000 + i));
  for (const c of chunks) await store.put(idOf(c), c);
  await store.flush();
  await store.delete(chunks.slice(0, 3).map(idOf));
  for (const c of chunks.slice(0, 3)) await assert.rejects(store.get(idOf(c)), ChunkNotFoundError);
  assert.deepEqual((await listAll(store)).map((s) => s.id).sort(), chunks.slice(3).map(idOf).sort());
}
