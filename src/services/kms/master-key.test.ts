// test-servers: postgres
// The master key in the database, on both engines: made once, adopted from what a data dir had
// before (master.key, IMAGO_MASTER_KEY) and then never in plaintext again, refused when what the
// node is given is not the database's.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { bothEngines, withStoreNodes } from '../../../test/helpers/store-nodes.js';
import { MASTER_KEY_ENV, MASTER_KEY_FILE, MASTER_KEY_NAME, openClusterKeys } from './master-key.js';
import { KEK_FILE, Kek } from './kek.js';
import { KeyMaterialError, keyFingerprint } from './key-file.js';

const writeKey = (path: string, key: Buffer) => {
  mkdirSync(join(path, '..'), { recursive: true });
  writeFileSync(path, `${key.toString('base64')}\n`, { mode: 0o600 });
};

for (const engine of bothEngines()) {
  describe(engine, () => {
    test('made once, stored only wrapped under the KEK, the same for every node with that KEK', () =>
      withStoreNodes(engine, async (nodes) => {
        const a = await nodes.node('a');
        const { masterKey } = await openClusterKeys(a.store, a.dataDir, undefined, {});
        assert.equal(masterKey.length, 32);
        assert.ok(existsSync(join(a.dataDir, KEK_FILE)));
        assert.ok(!existsSync(join(a.dataDir, MASTER_KEY_FILE)), 'no plaintext master key');
        const row = (await a.store.keyMaterial.get(MASTER_KEY_NAME))!;
        const kek = Kek.load(a.dataDir);
        assert.equal(row.kek_id, kek.id);
        assert.ok(!row.wrapped.includes(masterKey));
        assert.deepEqual(kek.unwrap(MASTER_KEY_NAME, row.wrapped), masterKey);

        assert.deepEqual((await openClusterKeys(a.store, a.dataDir, undefined, {})).masterKey, masterKey, 'a restart');
        const b = await nodes.node('b');
        assert.deepEqual((await openClusterKeys(b.store, b.dataDir, join(a.dataDir, KEK_FILE), {})).masterKey, masterKey, 'another node given the KEK');
      }));

    test('an existing data dir: master.key is adopted, then removed; its data keeps its key', () =>
      withStoreNodes(engine, async (nodes) => {
        const a = await nodes.node('a');
        const old = randomBytes(32);
        writeKey(join(a.dataDir, MASTER_KEY_FILE), old);
        assert.deepEqual((await openClusterKeys(a.store, a.dataDir, undefined, {})).masterKey, old);
        assert.ok(!existsSync(join(a.dataDir, MASTER_KEY_FILE)), 'removed once the database holds it');
        assert.deepEqual((await openClusterKeys(a.store, a.dataDir, undefined, {})).masterKey, old, 'and found there after');
        // a stale master.key (not the database's) is refused and kept, never silently ignored
        const stale = randomBytes(32);
        writeKey(join(a.dataDir, MASTER_KEY_FILE), stale);
        await assert.rejects(openClusterKeys(a.store, a.dataDir, undefined, {}), (e) => {
          assert.ok(e instanceof KeyMaterialError);
          assert.match(e.message, new RegExp(`master\\.key \\(fingerprint ${keyFingerprint(stale)}\\) is not the master key in the database \\(fingerprint ${keyFingerprint(old)}\\)`));
          assert.ok(!e.message.includes(stale.toString('base64')) && !e.message.includes(old.toString('base64')));
          return true;
        });
        assert.ok(existsSync(join(a.dataDir, MASTER_KEY_FILE)));
      }));

    test('IMAGO_MASTER_KEY is adopted; one that is not the database\'s refuses the start', () =>
      withStoreNodes(engine, async (nodes) => {
        const a = await nodes.node('a');
        const key = randomBytes(32);
        const env = { [MASTER_KEY_ENV]: key.toString('base64') };
        assert.deepEqual((await openClusterKeys(a.store, a.dataDir, undefined, env)).masterKey, key);
        assert.deepEqual((await openClusterKeys(a.store, a.dataDir, undefined, env)).masterKey, key);
        assert.deepEqual((await openClusterKeys(a.store, a.dataDir, undefined, {})).masterKey, key, 'no longer needed');
        const other = randomBytes(32);
        await assert.rejects(
          openClusterKeys(a.store, a.dataDir, undefined, { [MASTER_KEY_ENV]: other.toString('base64') }),
          (e) => e instanceof KeyMaterialError && e.message.includes(`IMAGO_MASTER_KEY (fingerprint ${keyFingerprint(other)}) is not the master key in the database (fingerprint ${keyFingerprint(key)})`),
        );
        await assert.rejects(openClusterKeys(a.store, a.dataDir, undefined, { [MASTER_KEY_ENV]: 'too-short' }), /IMAGO_MASTER_KEY must be the base64 encoding of exactly 32 bytes/);
      }));

    test('a node with another KEK is refused: both fingerprints, and what to do', () =>
      withStoreNodes(engine, async (nodes) => {
        const a = await nodes.node('a');
        const { masterKey } = await openClusterKeys(a.store, a.dataDir, undefined, {});
        const b = await nodes.node('b');
        const otherKek = join(b.dataDir, '..', 'other.kek');
        const otherKey = randomBytes(32);
        writeKey(otherKek, otherKey);
        await assert.rejects(openClusterKeys(b.store, b.dataDir, otherKek, {}), (e) => {
          assert.ok(e instanceof KeyMaterialError);
          assert.match(e.message, /every node sharing a database needs the same --kek-file/);
          assert.ok(e.message.includes(Kek.load(a.dataDir).id) && e.message.includes(keyFingerprint(otherKey)), e.message);
          assert.ok(!e.message.includes(masterKey.toString('base64')) && !e.message.includes(otherKey.toString('base64')));
          return true;
        });
      }));
  });
}
