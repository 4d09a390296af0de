// The block-storage side of EC2 as domain services (no wire types): encryption keys and
// defaults, snapshots, volumes. Built once by the composition root and shared by the EC2
// handlers, the EBS direct APIs, images, and the CLI.
import type { BlockStorage } from '../../blocks/block-storage.js';
import type { VolumeDevices } from '../../blocks/volume-devices.js';
import type { JobRunner } from '../../jobs/job-runner.js';
import type { Store } from '../../store/store.js';
import type { KmsService } from '../kms/kms-service.js';
import { LineageKeys } from './encryption/lineage-keys.js';
import { EbsDefaults } from './encryption/ebs-defaults.js';
import { SnapshotService } from './snapshots/snapshot-service.js';
import { VolumeService } from './volumes/volume-service.js';

export interface StorageDomainDeps {
  store: Store;
  kms: KmsService;
  blocks: BlockStorage;
  devices: VolumeDevices;
  jobs: JobRunner;
  /** how long pending -> ready transitions take (snapshots, volumes) */
  settleMs: number;
}

export interface StorageDomain {
  keys: LineageKeys;
  defaults: EbsDefaults;
  snapshots: SnapshotService;
  volumes: VolumeService;
}

export function createStorageDomain(deps: StorageDomainDeps): StorageDomain {
  const keys = new LineageKeys(deps.store, deps.kms);
  const defaults = new EbsDefaults(deps.store, deps.kms);
  const snapshots = new SnapshotService({ ...deps, keys, defaults });
  const volumes = new VolumeService({ ...deps, keys, defaults, snapshots });
  return { keys, defaults, snapshots, volumes };
}
