// Opens a stopped server's data directory in-process for the operator commands (gc, fsck,
// storage), with the chunk store the data dir recorded (fs, or its S3 bucket) unless `blocks`
// names one. The chunk store holds an exclusive lock: a running server refuses a second opener,
// and then the command must go through the server (--endpoint).
import { Store } from '../store/store.js';
import type { BlocksOptions } from '../config/config.js';
import type { ChunkStore } from '../blocks/chunk-store.js';
import { openChunkStore } from '../blocks/open-chunk-store.js';
import { BlockStorage } from '../blocks/block-storage.js';
import { KmsService } from '../services/kms/kms-service.js';
import { openClusterKeys } from '../services/kms/master-key.js';
import { KEK_FILE_ENV } from '../services/kms/kek.js';
import { LineageKeys } from '../services/ec2/encryption/lineage-keys.js';
import { Maintenance } from '../services/maintenance.js';

export interface OfflineContext {
  store: Store;
  blocks: BlockStorage;
  keys: LineageKeys;
  maintenance: Maintenance;
  close(): Promise<void>;
}

export async function openOffline(
  dataDir: string,
  blocksOptions?: BlocksOptions,
  databaseUrl = process.env.IMAGO_DATABASE_URL || undefined,
  kekFile = process.env[KEK_FILE_ENV] || undefined,
): Promise<OfflineContext> {
  const store = await Store.open({ dataDir, durability: 'full', databaseUrl });
  let masterKey: Buffer;
  try {
    ({ masterKey } = await openClusterKeys(store, dataDir, kekFile));
  } catch (e) {
    await store.close();
    throw e;
  }
  let chunks: ChunkStore;
  try {
    chunks = await openChunkStore(dataDir, { ...blocksOptions, arbiter: store.chunkArbitration });
    await chunks.hasMany([]); // opens the index: fails fast if a server holds it
  } catch (e) {
    await store.close();
    throw new Error(`cannot open ${dataDir} (is a server running on it? then use --endpoint): ${(e as Error).message}`);
  }
  const blocks = new BlockStorage(chunks, store.blockMaps);
  const keys = new LineageKeys(store, new KmsService(store, masterKey));
  return {
    store,
    blocks,
    keys,
    maintenance: new Maintenance({ store, blocks, keys }),
    async close() {
      await chunks.close();
      await store.close();
    },
  };
}
