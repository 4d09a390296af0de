// One open VolumeDevice per volume in the process, shared by everything that reads or writes
// it (NBD exports, CreateSnapshot, CreateImage), so their views never diverge.
import type { BlockStorage } from './block-storage.js';
import { VolumeDevice, type OverlayStore, type VolumeBacking } from './volume-device.js';

interface Entry {
  device: Promise<VolumeDevice>;
  users: number;
}

export class VolumeDevices {
  private readonly open = new Map<string, Entry>();

  constructor(
    private readonly storage: BlockStorage,
    private readonly overlays: OverlayStore,
  ) {}

  /** Opens (or shares) the device of a volume; call `release` when done. */
  async acquire(backing: VolumeBacking): Promise<{ device: VolumeDevice; release: () => Promise<void> }> {
    let entry = this.open.get(backing.volumeId);
    if (!entry) {
      const opening: Entry = { device: VolumeDevice.open(this.storage, this.overlays, backing), users: 0 };
      this.open.set(backing.volumeId, opening);
      opening.device.catch(() => {
        if (this.open.get(backing.volumeId) === opening) this.open.delete(backing.volumeId);
      });
      entry = opening;
    }
    entry.users++;
    const device = await entry.device;
    let released = false;
    return {
      device,
      release: async () => {
        if (released) return;
        released = true;
        try {
          await device.flush();
        } finally {
          // a failed flush still lets go: the volume must not stay "open" for ever
          if (--entry.users === 0 && this.open.get(backing.volumeId) === entry) this.open.delete(backing.volumeId);
        }
      },
    };
  }

  /** Whether something (an NBD export, an image being made) holds the volume's device open. */
  isOpen(volumeId: string): boolean {
    return (this.open.get(volumeId)?.users ?? 0) > 0;
  }

  /** The open device of a volume, if any. */
  async get(volumeId: string): Promise<VolumeDevice | undefined> {
    return this.open.get(volumeId)?.device;
  }

  /** Flushes every open device (shutdown). */
  async flushAll(): Promise<void> {
    await Promise.all([...this.open.values()].map(async (e) => (await e.device).flush()));
  }

  /** Forgets every device without flushing (admin reset). */
  reset(): void {
    this.open.clear();
  }
}
