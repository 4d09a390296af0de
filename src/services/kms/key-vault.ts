// The cluster's key material (the master key, the instance identity key), kept in the database
// wrapped under the KEK so that every node sharing the database uses the same keys and none is
// ever stored in the clear. `ensure(name, create)` unwraps the stored material, or, when no node
// has stored it yet, wraps what `create` gives (a file being adopted, or new material), inserts it
// unless another node got there first, and reads back whichever insert won: nodes starting
// together converge on one. A node whose KEK is not the one a row names is refused, naming both
// fingerprints.
import type { Store } from '../../store/store.js';
import { Kek } from './kek.js';
import { KeyMaterialError } from './key-file.js';

export class KeyVault {
  constructor(
    private readonly store: Pick<Store, 'keyMaterial' | 'sync'>,
    readonly kek: Kek,
  ) {}

  /**
   * The material stored under `name`, created from `create()` when there is none. On return it is
   * durable (synced whatever --durability says), so a caller may delete the file it adopted.
   */
  async ensure(name: string, create: () => Buffer | Promise<Buffer>): Promise<Buffer> {
    let row = await this.store.keyMaterial.get(name);
    if (!row) {
      await this.store.keyMaterial.insertIfAbsent({ name, wrapped: this.kek.wrap(name, await create()), kek_id: this.kek.id });
      row = await this.store.keyMaterial.get(name);
      if (!row) throw new Error(`key material ${name} is missing right after its insert`);
    }
    await this.store.sync();
    if (row.kek_id !== this.kek.id) {
      throw new KeyMaterialError(
        `the ${name} in the database is wrapped under KEK ${row.kek_id}, but this node's KEK (${this.kek.source}) is ${this.kek.id}: ` +
          'every node sharing a database needs the same --kek-file (or IMAGO_KEK_FILE); copy the first node\'s KEK file to this node and pass it',
      );
    }
    const material = this.kek.unwrap(name, row.wrapped);
    if (!material) throw new KeyMaterialError(`the ${name} in the database does not unwrap under KEK ${this.kek.id}, which it names: the row was altered`);
    return material;
  }
}

/** The vault of a node: its KEK (`kekFile`, else `<dataDir>/kek.key`) over the store. */
export function openKeyVault(store: Pick<Store, 'keyMaterial' | 'sync'>, dataDir: string, kekFile?: string): KeyVault {
  return new KeyVault(store, Kek.load(dataDir, kekFile));
}
