// The key-encryption key (KEK): the one secret every node is given (`--kek-file FILE`, or
// IMAGO_KEK_FILE; default `<data-dir>/kek.key`, created on first start). The cluster's key
// material lives in the database sealed under a key derived from it (key-vault.ts), each blob
// bound to its name; `id` is its fingerprint, stored beside each blob so a node given another
// KEK is told so by name.
import { join } from 'node:path';
import { deriveKey, seal, unseal } from './key-wrap.js';
import { KeyMaterialError, keyFingerprint, loadOrCreateKeyFile, readKeyFile } from './key-file.js';

export const KEK_FILE = 'kek.key';
export const KEK_FILE_ENV = 'IMAGO_KEK_FILE';

const aad = (name: string) => Buffer.from(`imago-key-material|${name}`, 'utf8');

export class Kek {
  /** the fingerprint, never the key */
  readonly id: string;
  private readonly wrapKey: Buffer;

  constructor(
    key: Buffer,
    /** where it came from, for messages */
    readonly source: string,
  ) {
    this.id = keyFingerprint(key);
    this.wrapKey = deriveKey(key, 'imago key-material wrap v1');
  }

  /** `kekFile` when given (it must exist: a typo would otherwise make a new KEK), else `<dataDir>/kek.key`, created when absent. */
  static load(dataDir: string, kekFile?: string): Kek {
    if (kekFile === undefined) {
      const path = join(dataDir, KEK_FILE);
      return new Kek(loadOrCreateKeyFile(path), path);
    }
    const key = readKeyFile(kekFile);
    if (!key) {
      throw new KeyMaterialError(`--kek-file ${kekFile} does not exist: give every node the same file, the base64 of 32 random bytes (e.g. head -c 32 /dev/urandom | base64 > ${kekFile}; chmod 600 ${kekFile})`);
    }
    return new Kek(key, kekFile);
  }

  wrap(name: string, plaintext: Buffer): Buffer {
    return seal(this.wrapKey, plaintext, aad(name));
  }

  /** undefined when the blob was not wrapped under this KEK for this name */
  unwrap(name: string, wrapped: Buffer): Buffer | undefined {
    return unseal(this.wrapKey, wrapped, aad(name));
  }
}
