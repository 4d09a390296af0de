// test-servers: postgres
// The arbiter's tables (migration 0020) on both engines, each node with its own handle where the
// engine allows it (PostgreSQL): touches keep the latest time, condemned rows are seen by every
// node until their owner releases them, the epoch only moves forward.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createDatabase } from '../../../test/helpers/test-database.js';
import { Store } from '../store.js';

const id = (n: number) => n.toString(16).padStart(64, '0');

for (const engine of ['sqlite', 'postgres'] as const) {
  describe(`chunk arbitration on ${engine}`, () => {
    let dir: string;
    let a: Store;
    let b: Store;

    before(async () => {
      dir = mkdtempSync(join(tmpdir(), `imago-arbitration-${engine}-`));
      if (engine === 'postgres') {
        if (!process.env.IMAGO_TEST_PG_URL) throw new Error('IMAGO_TEST_PG_URL is not set (npm test starts PostgreSQL: scripts/test-servers/postgres.sh)');
        const databaseUrl = await createDatabase();
        a = await Store.open({ dataDir: join(dir, 'a'), durability: 'normal', databaseUrl });
        b = await Store.open({ dataDir: join(dir, 'b'), durability: 'normal', databaseUrl });
      } else {
        a = b = await Store.open({ dataDir: dir, durability: 'normal' });
      }
    });
    after(async () => {
      await a.close();
      if (b !== a) await b.close();
      rmSync(dir, { recursive: true, force: true });
    });

    test('a reuse commits its touches, keeping the latest time; duplicates in a batch are one', async () => {
      const r = await a.chunkArbitration.reuse([id(1), id(2), id(1)], 1000);
      assert.deepEqual(r.condemned, []);
      assert.deepEqual((await b.chunkArbitration.touchedSince([id(1), id(2), id(3)], 1000)).sort(), [id(1), id(2)]);
      await b.chunkArbitration.reuse([id(1)], 900); // another node's clock, behind
      assert.deepEqual(await a.chunkArbitration.touchedSince([id(1)], 1000), [id(1)]);
      await b.chunkArbitration.reuse([id(2)], 2000);
      assert.deepEqual(await a.chunkArbitration.touchedSince([id(1), id(2)], 1500), [id(2)]);
      await a.chunkArbitration.pruneTouches(1500);
      assert.deepEqual(await b.chunkArbitration.touchedSince([id(1), id(2)], 0), [id(2)]);
    });

    test('condemned chunks are seen by every node until their owner releases them', async () => {
      await a.chunkArbitration.condemn('gc-a', [id(10), id(11)], 5);
      await a.chunkArbitration.condemn('gc-a', [id(10)], 6); // again: no error
      await b.chunkArbitration.condemn('gc-b', [id(11), id(12)], 7);
      assert.deepEqual((await b.chunkArbitration.reuse([id(10), id(11), id(12), id(13)], 10)).condemned.sort(), [id(10), id(11), id(12)]);
      await a.chunkArbitration.release('gc-a');
      assert.deepEqual((await b.chunkArbitration.reuse([id(10), id(11), id(12)], 11)).condemned.sort(), [id(11), id(12)]);
      await b.chunkArbitration.release('gc-b');
      assert.deepEqual((await a.chunkArbitration.reuse([id(10), id(11), id(12)], 12)).condemned, []);
      assert.deepEqual(await a.chunkArbitration.condemned(), []);
    });

    test('the tombstone epoch moves forward and a reuse reads it', async () => {
      const start = await a.chunkArbitration.epoch();
      await b.chunkArbitration.advanceEpoch();
      await a.chunkArbitration.advanceEpoch();
      assert.equal(await b.chunkArbitration.epoch(), start + 2);
      assert.equal((await a.chunkArbitration.reuse([id(20)], 1)).epoch, start + 2);
    });

    test('a reuse of more ids than one statement binds', async () => {
      const ids = Array.from({ length: 1234 }, (_, i) => id(100_000 + i));
      await a.chunkArbitration.condemn('gc-big', ids.slice(1000), 1);
      const r = await b.chunkArbitration.reuse(ids, 50);
      assert.equal(r.condemned.length, 234);
      assert.equal((await a.chunkArbitration.touchedSince(ids, 50)).length, 1234);
      await a.chunkArbitration.release('gc-big');
    });

    test('concurrent reuses of overlapping batches from two nodes do not deadlock', async () => {
      const ids = Array.from({ length: 200 }, (_, i) => id(200_000 + i));
      const shuffled = [...ids].reverse();
      await Promise.all(Array.from({ length: 20 }, (_, i) => (i % 2 ? a : b).chunkArbitration.reuse(i % 2 ? ids : shuffled, 100 + i)));
      assert.equal((await a.chunkArbitration.touchedSince(ids, 119)).length, 200);
    });
  });
}
