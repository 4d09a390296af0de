// The EBS direct APIs' domain in this process, over the real durable stores (FsChunkStore with
// its fsyncs, the SQLite metadata store at full durability): PutSnapshotBlock without HTTP,
// SigV4 or a client, to separate the data path's cost from the wire's.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FsChunkStore } from '../../src/blocks/backends/fs.js';
import { BlockStorage } from '../../src/blocks/block-storage.js';
import { VolumeDevices } from '../../src/blocks/volume-devices.js';
import { JobRunner } from '../../src/jobs/job-runner.js';
import { Logger } from '../../src/logger.js';
import { ebsDomain, type EbsDomain } from '../../src/services/ebs/index.js';
import { createStorageDomain } from '../../src/services/ec2/storage-domain.js';
import { KmsService } from '../../src/services/kms/kms-service.js';
import { Store } from '../../src/store/store.js';

export interface InProcessEbs extends EbsDomain {
  dir: string;
  blocks: BlockStorage;
  close(): Promise<void>;
}

export async function openInProcessEbs(): Promise<InProcessEbs> {
  const dir = mkdtempSync(join(tmpdir(), 'imago-bench-ebs-'));
  const store = await Store.open({ dataDir: dir, durability: 'full' });
  const chunks = new FsChunkStore(join(dir, 'blocks'));
  const blocks = new BlockStorage(chunks, store.blockMaps);
  const devices = new VolumeDevices(blocks, { load: (id) => store.volumes.overlay(id), put: (id, e) => store.volumes.putOverlay(id, e) });
  const jobs = new JobRunner(store.jobs, new Logger('silent'));
  const kms = new KmsService(store, randomBytes(32));
  const storage = createStorageDomain({ store, kms, blocks, devices, jobs, settleMs: 0 });
  const domain = ebsDomain({ storage, blocks, store, jobs, masterKey: randomBytes(32), durability: 'full' });
  return {
    ...domain,
    dir,
    blocks,
    async close() {
      await jobs.stop();
      await chunks.close();
      await store.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
