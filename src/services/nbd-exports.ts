// What the NBD server exports, by name: `vol-…` a volume (read-write; state available or
// in-use), `snap-…` a completed snapshot (read-only: its data as of completion). The name is
// the whole address: NBD has no accounts, so the server only listens on loopback.
import type { NbdExport, NbdResolver } from '../blocks/nbd/nbd-export.js';
import type { BlockStorage } from '../blocks/block-storage.js';
import { VolumeDevice, type OverlayStore } from '../blocks/volume-device.js';
import { volumeNbdDevice } from '../blocks/nbd/volume-export.js';
import type { Store } from '../store/store.js';
import type { StorageDomain } from './ec2/storage-domain.js';
import { GIB } from './ec2/snapshots/snapshot-service.js';

export interface NbdExportDeps {
  store: Store;
  blocks: BlockStorage;
  storage: StorageDomain;
}

/** A snapshot's device has no overlay: it is never written. */
const NO_OVERLAY: OverlayStore = {
  load: async () => [],
  put: async () => {
    throw new Error('a snapshot export is read-only');
  },
};

export function nbdExports(deps: NbdExportDeps): NbdResolver {
  const volume = async (name: string): Promise<NbdExport | undefined> => {
    const row = await deps.store.volumes.get(name);
    if (!row) return undefined;
    if (row.state !== 'available' && row.state !== 'in-use') throw new Error(`the volume is ${row.state}`);
    const { device, release } = await deps.storage.volumes.openDevice(row);
    return { device: volumeNbdDevice(device), release };
  };
  const snapshot = async (name: string): Promise<NbdExport | undefined> => {
    const row = await deps.store.snapshots.get(name);
    if (!row) return undefined;
    if (row.state !== 'completed') throw new Error(`the snapshot is ${row.state}`);
    // the owner's unwrapping of the data key: the same access the volume exports use
    const key = row.data_key_id ? (await deps.storage.keys.openAsOwner(row.data_key_id)).lineage : undefined;
    const device = await VolumeDevice.open(deps.blocks, NO_OVERLAY, { volumeId: row.snapshot_id, sizeBytes: row.volume_size * GIB, baseMapId: row.map_id, key, readOnly: true });
    return { device: volumeNbdDevice(device), release: async () => undefined };
  };
  return async (name) => {
    if (name.startsWith('vol-')) return volume(name);
    if (name.startsWith('snap-')) return snapshot(name);
    return undefined;
  };
}
