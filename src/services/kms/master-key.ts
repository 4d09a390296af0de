// The master key: it wraps every KMS key's material and keys page tokens, IMDS tokens and EBS
// tokens. It lives in the database, wrapped under the KEK (key-vault.ts), so every node sharing the
// database has the same one. The first start makes it — adopting what a data dir made before
// key material moved into the database (IMAGO_MASTER_KEY, else `<dataDir>/master.key`), so the
// data encrypted under it stays readable — or generates it. An adopted master.key is removed once
// the database holds the key durably; a key given in IMAGO_MASTER_KEY or master.key that is not
// the database's refuses the start (data encrypted under it would not open, silently).
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import { KeyMaterialError, decodeKey, keyFingerprint, readKeyFile, removeKeyFile } from './key-file.js';
import { openKeyVault, type KeyVault } from './key-vault.js';
import type { Store } from '../../store/store.js';

export const MASTER_KEY_ENV = 'IMAGO_MASTER_KEY';
export const MASTER_KEY_FILE = 'master.key';
/** its name in the key_material table */
export const MASTER_KEY_NAME = 'master-key';

export interface ClusterKeys {
  vault: KeyVault;
  masterKey: Buffer;
}

/** What `imago serve` and the offline commands open first: the node's KEK over the store, and the master key. */
export async function openClusterKeys(store: Pick<Store, 'keyMaterial' | 'sync'>, dataDir: string, kekFile?: string, env: NodeJS.ProcessEnv = process.env): Promise<ClusterKeys> {
  const vault = openKeyVault(store, dataDir, kekFile);
  return { vault, masterKey: await loadMasterKey(vault, dataDir, env) };
}

export async function loadMasterKey(vault: KeyVault, dataDir: string, env: NodeJS.ProcessEnv = process.env): Promise<Buffer> {
  const text = env[MASTER_KEY_ENV];
  const fromEnv = text === undefined || text === '' ? undefined : decodeKey(text, MASTER_KEY_ENV);
  const path = join(dataDir, MASTER_KEY_FILE);
  const fromFile = readKeyFile(path);
  const key = await vault.ensure(MASTER_KEY_NAME, () => fromEnv ?? fromFile ?? randomBytes(32));
  if (fromEnv && !fromEnv.equals(key)) {
    throw new KeyMaterialError(
      `${MASTER_KEY_ENV} (fingerprint ${keyFingerprint(fromEnv)}) is not the master key in the database (fingerprint ${keyFingerprint(key)}): ` +
        'what was encrypted under it would not open. Unset it (the master key lives in the database now), or point --database at the database it belongs to.',
    );
  }
  if (fromFile?.equals(key)) {
    removeKeyFile(path); // the database holds it, synced: the plaintext copy goes
  } else if (fromFile && !fromEnv) {
    throw new KeyMaterialError(
      `${path} (fingerprint ${keyFingerprint(fromFile)}) is not the master key in the database (fingerprint ${keyFingerprint(key)}): ` +
        'what was encrypted under it would not open. Point --database at the database it belongs to, or move the file out of the data dir if it is stale.',
    );
  }
  return key;
}
