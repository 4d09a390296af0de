// A volume as a block device: byte-addressed reads and writes over its base map (a snapshot's
// data, shared, never copied) and its own copy-on-write overlay (blocks written since).
//
// Writes land in a small write-back cache of whole blocks; `flush()` encodes them into chunks,
// makes the chunks durable, then commits the overlay entries (data before metadata). A crash
// loses only writes not yet flushed, as with any disk. All operations on one device run one
// at a time (a device is used by one NBD connection or one in-process reader at a time).
import { BLOCK_SIZE } from './block-size.js';
import type { BlockStorage, LineageKey } from './block-storage.js';
import type { ChunkId } from './chunk-store.js';
import type { MapEntry } from '../store/repos/block-maps.js';

export interface OverlayStore {
  load(volumeId: string): Promise<MapEntry[]>;
  put(volumeId: string, entries: readonly MapEntry[]): Promise<void>;
}

export interface VolumeBacking {
  volumeId: string;
  sizeBytes: number;
  baseMapId: string | null;
  key?: LineageKey;
  readOnly?: boolean;
}

export class VolumeDeviceError extends Error {}

/** Whole blocks kept in memory before being encoded (bounded: 64 × 512 KiB = 32 MiB). */
const DIRTY_LIMIT = 64;

export class VolumeDevice {
  private base: ReadonlyMap<number, ChunkId> = new Map();
  /** committed overlay: block -> chunk (null = zeroed) */
  private readonly overlay = new Map<number, ChunkId | null>();
  /** encoded but not yet committed overlay entries */
  private readonly pending = new Map<number, ChunkId | null>();
  /** modified blocks not yet encoded, in modification order */
  private readonly dirty = new Map<number, Buffer>();
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly storage: BlockStorage,
    private readonly overlays: OverlayStore,
    private backing: VolumeBacking,
  ) {}

  static async open(storage: BlockStorage, overlays: OverlayStore, backing: VolumeBacking): Promise<VolumeDevice> {
    const device = new VolumeDevice(storage, overlays, backing);
    await device.load();
    return device;
  }

  get volumeId(): string {
    return this.backing.volumeId;
  }

  get size(): number {
    return this.backing.sizeBytes;
  }

  get readOnly(): boolean {
    return Boolean(this.backing.readOnly);
  }

  private async load(): Promise<void> {
    this.base = this.backing.baseMapId ? (await this.storage.resolve(this.backing.baseMapId)).entries : new Map();
    this.overlay.clear();
    for (const [index, chunk] of await this.overlays.load(this.backing.volumeId)) this.overlay.set(index, chunk);
  }

  /** Runs `fn` with the device to itself (no other operation interleaves). */
  exclusive<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.queue.then(fn, fn);
    this.queue = run.catch(() => undefined);
    return run;
  }

  private check(offset: number, length: number): void {
    if (!Number.isInteger(offset) || !Number.isInteger(length) || offset < 0 || length < 0 || offset + length > this.backing.sizeBytes) {
      throw new VolumeDeviceError(`range ${offset}+${length} is outside the ${this.backing.sizeBytes}-byte volume`);
    }
  }

  /** The chunk currently holding a block (undefined/null: zeros). */
  chunkOf(index: number): ChunkId | null | undefined {
    if (this.pending.has(index)) return this.pending.get(index);
    if (this.overlay.has(index)) return this.overlay.get(index);
    return this.base.get(index);
  }

  private async block(index: number): Promise<Buffer> {
    const dirty = this.dirty.get(index);
    if (dirty) return dirty;
    return this.storage.loadBlock(this.chunkOf(index), this.backing.key);
  }

  read(offset: number, length: number): Promise<Buffer> {
    return this.exclusive(async () => {
      this.check(offset, length);
      const out = Buffer.allocUnsafe(length);
      let done = 0;
      while (done < length) {
        const pos = offset + done;
        const index = Math.floor(pos / BLOCK_SIZE);
        const within = pos % BLOCK_SIZE;
        const n = Math.min(BLOCK_SIZE - within, length - done);
        const block = await this.block(index);
        block.copy(out, done, within, within + n);
        done += n;
      }
      return out;
    });
  }

  write(offset: number, data: Uint8Array): Promise<void> {
    return this.exclusive(async () => {
      if (this.readOnly) throw new VolumeDeviceError('the volume is read-only');
      this.check(offset, data.length);
      let done = 0;
      while (done < data.length) {
        const pos = offset + done;
        const index = Math.floor(pos / BLOCK_SIZE);
        const within = pos % BLOCK_SIZE;
        const n = Math.min(BLOCK_SIZE - within, data.length - done);
        let block: Buffer;
        if (n === BLOCK_SIZE) block = Buffer.from(data.subarray(done, done + n));
        else {
          const current = await this.block(index);
          block = this.dirty.has(index) ? current : Buffer.from(current);
          block.set(data.subarray(done, done + n), within);
        }
        this.dirty.delete(index); // keep insertion order = modification order
        this.dirty.set(index, block);
        done += n;
      }
      while (this.dirty.size > DIRTY_LIMIT) await this.encodeOldest();
    });
  }

  writeZeroes(offset: number, length: number): Promise<void> {
    const zeros = Buffer.alloc(Math.min(length, 8 * BLOCK_SIZE));
    return (async () => {
      for (let done = 0; done < length; done += zeros.length) {
        await this.write(offset + done, zeros.subarray(0, Math.min(zeros.length, length - done)));
      }
    })();
  }

  private async encodeOldest(): Promise<void> {
    const [index, block] = this.dirty.entries().next().value as [number, Buffer];
    this.dirty.delete(index);
    this.pending.set(index, await this.storage.storeBlock(block, this.backing.key));
  }

  /** Makes every completed write durable. */
  flush(): Promise<void> {
    return this.exclusive(() => this.flushLocked());
  }

  /** flush() for callers already inside `exclusive`. */
  async flushLocked(): Promise<void> {
    while (this.dirty.size > 0) await this.encodeOldest();
    if (this.pending.size === 0) return;
    await this.storage.flush();
    const entries = [...this.pending];
    await this.overlays.put(this.backing.volumeId, entries);
    for (const [index, chunk] of entries) this.overlay.set(index, chunk);
    this.pending.clear();
  }

  /** After a snapshot took the overlay into a new base map (caller holds `exclusive`). */
  async rebaseLocked(newBaseMapId: string): Promise<void> {
    this.backing = { ...this.backing, baseMapId: newBaseMapId };
    await this.load();
  }

  /** Grows the device (ModifyVolume). */
  resize(sizeBytes: number): void {
    if (sizeBytes < this.backing.sizeBytes) throw new VolumeDeviceError('volumes only grow');
    this.backing = { ...this.backing, sizeBytes };
  }
}
