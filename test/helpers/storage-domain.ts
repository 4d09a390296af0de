// The EC2 storage domain in-process for unit tests: a real metadata store in a temp directory,
// an in-memory chunk store, real KMS, and the job runner driven by hand (`settle()` runs every
// due job). Snapshots with data are written the way the EBS direct APIs write them.
import { randomBytes } from 'node:crypto';
import { BlockStorage } from '../../src/blocks/block-storage.js';
import { BLOCK_SIZE } from '../../src/blocks/block-size.js';
import { MemoryChunkStore } from '../../src/blocks/backends/memory.js';
import { VolumeDevices } from '../../src/blocks/volume-devices.js';
import { JobRunner } from '../../src/jobs/job-runner.js';
import { Logger } from '../../src/logger.js';
import { Store } from '../../src/store/store.js';
import type { Scope } from '../../src/store/scope.js';
import type { SnapshotRow } from '../../src/store/repos/snapshots.js';
import { KmsService } from '../../src/services/kms/kms-service.js';
import { createStorageDomain, type StorageDomain } from '../../src/services/ec2/storage-domain.js';
import { createImageDomain, type ImageDomain } from '../../src/services/ec2/image-domain.js';
import type { RegisterImageRequest } from '../../src/api/ec2/types.js';
import { removeDir, tempDir } from './server.js';

export interface DomainHarness extends StorageDomain {
  store: Store;
  blocks: BlockStorage;
  kms: KmsService;
  jobs: JobRunner;
  /** runs every due job (snapshot completion, copies) until none is left */
  settle(): Promise<void>;
  /** a completed snapshot holding `data` (index -> bytes, zero-padded to a block), optionally encrypted */
  snapshotWith(caller: Scope, sizeGib: number, data: Map<number, Buffer>, kmsKeyRef?: string): Promise<SnapshotRow>;
  close(): Promise<void>;
}

export async function openDomain(): Promise<DomainHarness> {
  const dir = tempDir('imago-domain-');
  const store = await Store.open({ dataDir: dir, durability: 'normal' });
  const blocks = new BlockStorage(new MemoryChunkStore(), store.blockMaps);
  const devices = new VolumeDevices(blocks, { load: (id) => store.volumes.overlay(id), put: (id, e) => store.volumes.putOverlay(id, e) });
  const jobs = new JobRunner(store.jobs, new Logger('silent'));
  const kms = new KmsService(store, randomBytes(32));
  const domain = createStorageDomain({ store, kms, blocks, devices, jobs, settleMs: 0 });
  const settle = async () => {
    for (let i = 0; i < 20 && (await store.jobs.due(new Date(Date.now() + 1000), 1)).length; i++) await jobs.drain();
  };
  return {
    ...domain,
    store,
    blocks,
    kms,
    jobs,
    settle,
    async snapshotWith(caller, sizeGib, data, kmsKeyRef) {
      const key = kmsKeyRef ? await domain.keys.create(caller, kmsKeyRef) : undefined;
      const row = await domain.snapshots.createWritable(caller, {
        sizeGib,
        source: 'ebs-direct',
        key: key && { dataKeyId: key.dataKeyId, kmsKeyArn: key.kmsKeyArn, lineageId: key.lineage.lineageId },
      });
      const entries: [number, string | null][] = [];
      for (const [index, bytes] of data) entries.push([index, await blocks.storeBlock(bytes, key?.lineage)]);
      await blocks.flush();
      await blocks.putEntries(row.map_id, entries);
      await domain.snapshots.seal(row, true);
      return (await store.snapshots.get(row.snapshot_id))!;
    },
    async close() {
      await jobs.stop();
      await store.close();
      removeDir(dir);
    },
  };
}

/** `count` distinct non-zero blocks at indexes 0, 2, 4, … */
export function sampleBlocks(count: number, seed = 1): Map<number, Buffer> {
  const out = new Map<number, Buffer>();
  for (let i = 0; i < count; i++) {
    const block = Buffer.alloc(BLOCK_SIZE, (seed * 31 + i) % 251);
    block.write(`block ${i} seed ${seed}`);
    out.set(i * 2, block);
  }
  return out;
}

/** The image domain over a harness and one registered, launchable image named `name` (a one-block root). */
export async function launchableImage(h: DomainHarness, caller: Scope, name: string): Promise<{ images: ImageDomain; imageId: string }> {
  const images = createImageDomain({ store: h.store, kms: h.kms, storage: h, jobs: h.jobs, settleMs: 0 });
  const snap = await h.snapshotWith(caller, 1, new Map([[0, Buffer.from('boot sector')]]));
  const req = { Name: name, Architecture: 'x86_64', RootDeviceName: '/dev/xvda', VirtualizationType: 'hvm', BlockDeviceMappings: [{ DeviceName: '/dev/xvda', Ebs: { SnapshotId: snap.snapshot_id } }] } as RegisterImageRequest;
  const imageId = (await images.images.register(caller, req, [], () => undefined)).image_id;
  await h.settle();
  return { images, imageId };
}
