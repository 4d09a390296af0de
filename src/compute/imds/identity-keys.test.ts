// test-servers: postgres
// The cluster's identity key pair in the database, on both engines: made once for every node,
// adopted from a data dir that had it as files (the key file then goes), never replaced by other
// files; the certificate published in each data dir.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { bothEngines, withStoreNodes } from '../../../test/helpers/store-nodes.js';
import { openKeyVault } from '../../services/kms/key-vault.js';
import { KEK_FILE } from '../../services/kms/kek.js';
import { CERTIFICATE_FILE, IDENTITY_DIR, IDENTITY_KEYS_NAME, KEY_FILE, loadIdentityKeys } from './identity-keys.js';
import { IdentitySigner, type IdentityKeys } from './identity-signer.js';

const writeFiles = (dataDir: string, keys: Partial<IdentityKeys>) => {
  mkdirSync(join(dataDir, IDENTITY_DIR), { recursive: true, mode: 0o700 });
  if (keys.key) writeFileSync(join(dataDir, IDENTITY_DIR, KEY_FILE), keys.key, { mode: 0o600 });
  if (keys.certificate) writeFileSync(join(dataDir, IDENTITY_DIR, CERTIFICATE_FILE), keys.certificate);
};

for (const engine of bothEngines()) {
  describe(engine, () => {
    test('made once for the cluster, wrapped; every node signs with it', () =>
      withStoreNodes(engine, async (nodes) => {
        const a = await nodes.node('a');
        const b = await nodes.node('b');
        const kek = join(a.dataDir, KEK_FILE);
        const [ka, kb] = await Promise.all([loadIdentityKeys(openKeyVault(a.store, a.dataDir), a.dataDir), loadIdentityKeys(openKeyVault(b.store, b.dataDir, kek), b.dataDir)]);
        assert.deepEqual(ka, kb);
        assert.equal(IdentitySigner.from(ka).sign('doc').signature, IdentitySigner.from(kb).sign('doc').signature);
        assert.ok(!existsSync(join(a.dataDir, IDENTITY_DIR, KEY_FILE)), 'no key on disk');
        assert.equal(readFileSync(join(a.dataDir, IDENTITY_DIR, CERTIFICATE_FILE), 'utf8'), ka.certificate, 'the certificate published');
        const row = (await a.store.keyMaterial.get(IDENTITY_KEYS_NAME))!;
        assert.ok(!row.wrapped.toString('latin1').includes('PRIVATE KEY'));
        assert.deepEqual(await loadIdentityKeys(openKeyVault(a.store, a.dataDir), a.dataDir), ka, 'a restart');
      }));

    test('an existing data dir\'s files are adopted, then removed; other files are left, with a warning', () =>
      withStoreNodes(engine, async (nodes) => {
        const a = await nodes.node('a');
        const old = await IdentitySigner.generateKeys();
        writeFiles(a.dataDir, old);
        assert.deepEqual(await loadIdentityKeys(openKeyVault(a.store, a.dataDir), a.dataDir), old, 'documents signed before still verify');
        assert.ok(!existsSync(join(a.dataDir, IDENTITY_DIR, KEY_FILE)));
        assert.equal(readFileSync(join(a.dataDir, IDENTITY_DIR, CERTIFICATE_FILE), 'utf8'), old.certificate, 'still published');

        const b = await nodes.node('b');
        // files of another pair than the cluster's: the cluster's is used, the files stay, a warning says so
        const stray = await IdentitySigner.generateKeys();
        writeFiles(b.dataDir, stray);
        const warnings: string[] = [];
        const kek = join(a.dataDir, KEK_FILE);
        assert.deepEqual(await loadIdentityKeys(openKeyVault(b.store, b.dataDir, kek), b.dataDir, (m) => warnings.push(m)), old);
        assert.equal(readFileSync(join(b.dataDir, IDENTITY_DIR, KEY_FILE), 'utf8'), stray.key);
        assert.equal(readFileSync(join(b.dataDir, IDENTITY_DIR, CERTIFICATE_FILE), 'utf8'), old.certificate, 'the cluster\'s certificate published');
        assert.match(warnings.join('\n'), /is not the cluster's instance identity key/);
      }));

    test('a key file without its certificate gets one', () =>
      withStoreNodes(engine, async (nodes) => {
        const a = await nodes.node('a');
        const lone = await IdentitySigner.generateKeys();
        writeFiles(a.dataDir, { key: lone.key });
        const adopted = await loadIdentityKeys(openKeyVault(a.store, a.dataDir), a.dataDir);
        assert.equal(adopted.key, lone.key);
        IdentitySigner.from(adopted);
        assert.equal(readFileSync(join(a.dataDir, IDENTITY_DIR, CERTIFICATE_FILE), 'utf8'), adopted.certificate);
      }));

    test('a certificate that does not belong to its key is refused, not stored', () =>
      withStoreNodes(engine, async (nodes) => {
        const a = await nodes.node('a');
        const [one, two] = [await IdentitySigner.generateKeys(), await IdentitySigner.generateKeys()];
        writeFiles(a.dataDir, { key: one.key, certificate: two.certificate });
        await assert.rejects(loadIdentityKeys(openKeyVault(a.store, a.dataDir), a.dataDir), /identity: the identity certificate does not belong to the identity key/);
        assert.equal(await a.store.keyMaterial.get(IDENTITY_KEYS_NAME), undefined);
        assert.ok(existsSync(join(a.dataDir, IDENTITY_DIR, KEY_FILE)));
      }));
  });
}
