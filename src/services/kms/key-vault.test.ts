// test-servers: postgres
// The vault on both engines: nodes starting together converge on one material, a row under
// another KEK or altered is refused, the admin reset keeps the cluster's keys.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { bothEngines, withStoreNodes } from '../../../test/helpers/store-nodes.js';
import { Kek, KEK_FILE } from './kek.js';
import { KeyVault, openKeyVault } from './key-vault.js';
import { KeyMaterialError } from './key-file.js';

for (const engine of bothEngines()) {
  describe(engine, () => {
    test('two nodes starting at once converge on one material', () =>
      withStoreNodes(engine, async (nodes) => {
        const [a, b] = [await nodes.node('a'), await nodes.node('b')];
        const kek = new Kek(randomBytes(32), 'shared');
        const vaults = [new KeyVault(a.store, kek), new KeyVault(b.store, kek)];
        let made = 0;
        const results = await Promise.all(
          Array.from({ length: 8 }, (_, i) =>
            vaults[i % 2].ensure('race', async () => {
              made++;
              await new Promise((r) => setTimeout(r, 5));
              return randomBytes(32);
            }),
          ),
        );
        assert.ok(made >= 2, 'they really raced');
        for (const r of results) assert.deepEqual(r, results[0]);
        assert.deepEqual(await vaults[1].ensure('race', () => randomBytes(32)), results[0], 'and stay so');
      }));

    test('a row under another KEK, or altered, is refused', () =>
      withStoreNodes(engine, async (nodes) => {
        const a = await nodes.node('a');
        const vault = openKeyVault(a.store, a.dataDir);
        const secret = await vault.ensure('secret', () => randomBytes(32));
        const other = new KeyVault(a.store, new Kek(randomBytes(32), '/etc/imago/other.kek'));
        await assert.rejects(
          other.ensure('secret', () => randomBytes(32)),
          (e) => e instanceof KeyMaterialError && e.message.includes(`wrapped under KEK ${vault.kek.id}, but this node's KEK (/etc/imago/other.kek) is ${other.kek.id}`),
        );
        const row = (await a.store.keyMaterial.get('secret'))!;
        assert.ok(!row.wrapped.includes(secret));
        // the same wrapped bytes under another name do not unwrap (the name is bound)
        await a.store.keyMaterial.insertIfAbsent({ name: 'moved', wrapped: row.wrapped, kek_id: row.kek_id });
        await assert.rejects(vault.ensure('moved', () => randomBytes(32)), /does not unwrap under KEK .* the row was altered/);
      }));

    test('the admin reset keeps the cluster\'s key material', () =>
      withStoreNodes(engine, async (nodes) => {
        const a = await nodes.node('a');
        const vault = openKeyVault(a.store, a.dataDir);
        const secret = await vault.ensure('kept', () => randomBytes(32));
        await a.store.wipe();
        assert.deepEqual(await openKeyVault(a.store, a.dataDir, join(a.dataDir, KEK_FILE)).ensure('kept', () => randomBytes(32)), secret);
      }));
  });
}
