// A volume as a block device: byte-addressed reads and writes over its base map (a snapshot's
// data, shared, never copied) and its own copy-on-write overlay (blocks written since).
//
// Writes land in a small write-back cache of whole blocks. Beyond DIRTY_LIMIT blocks the oldest
// are encoded in the background (through the codec pool, several at once, without holding up
// the writer until MAX_ENCODING are in flight); `flush()` encodes the rest, makes the chunks
// durable, then commits the overlay entries (data before metadata). A crash loses only writes
// not yet flushed, as with any disk. Operations on one device run one at a time, in order
// (`exclusive`); background encodes and read-ahead run outside that order and only ever touch
// blocks nobody can change under them.
//
// Whole blocks of zeros (written, WRITE_ZEROES, TRIM) are never encoded: they become a null
// overlay entry at once, or nothing when the block holds nothing already. Sequential reads
// fetch the blocks ahead of the reader in parallel.
import { BLOCK_SIZE, isZeroBlock } from './block-size.js';
import { ZERO_BLOCK, type BlockStorage, type LineageKey } from './block-storage.js';
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
/** Background encodes in flight before a writer waits for them (8 MiB more at most). */
const MAX_ENCODING = 16;
/** Blocks fetched ahead of a sequential reader, at most (8 MiB). */
const READ_AHEAD = 16;

interface Encoding {
  block: Buffer;
  /** a later write replaced the block: this encode's chunk must not be recorded */
  superseded: boolean;
}

interface Prefetch {
  chunk: ChunkId;
  block: Promise<Buffer>;
}

export class VolumeDevice {
  private base: ReadonlyMap<number, ChunkId> = new Map();
  /** committed overlay: block -> chunk (null = zeroed) */
  private readonly overlay = new Map<number, ChunkId | null>();
  /** encoded but not yet committed overlay entries */
  private readonly pending = new Map<number, ChunkId | null>();
  /** modified blocks not yet encoded, in modification order */
  private readonly dirty = new Map<number, Buffer>();
  /** blocks being encoded (the newest encode of each), readable meanwhile */
  private readonly encoding = new Map<number, Encoding>();
  /** every encode running, superseded ones included */
  private readonly encodes = new Set<Promise<void>>();
  /** why a background encode failed (its block went back to `dirty`); flush retries */
  private failure: unknown;
  private readonly prefetched = new Map<number, Prefetch>();
  /** the block after the last one read: a read starting there is sequential */
  private nextSequential = -1;
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
    this.prefetched.clear();
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

  /** The chunk currently holding a block as encoded (undefined/null: zeros); cached writes aside. */
  chunkOf(index: number): ChunkId | null | undefined {
    if (this.pending.has(index)) return this.pending.get(index);
    if (this.overlay.has(index)) return this.overlay.get(index);
    return this.base.get(index);
  }

  /** Blocks held in memory: written and not yet encoded, and being encoded. */
  cached(): { dirty: number; encoding: number } {
    return { dirty: this.dirty.size, encoding: this.encodes.size };
  }

  private block(index: number): Promise<Buffer> {
    const cached = this.dirty.get(index) ?? this.encoding.get(index)?.block;
    if (cached) return Promise.resolve(cached);
    const chunk = this.chunkOf(index);
    const ahead = this.prefetched.get(index);
    if (ahead) {
      this.prefetched.delete(index);
      // fetched before a write or flush changed the block: fetch what it holds now
      if (ahead.chunk === chunk) return ahead.block.catch(() => this.storage.loadBlock(chunk, this.backing.key));
    }
    return this.storage.loadBlock(chunk, this.backing.key);
  }

  read(offset: number, length: number): Promise<Buffer> {
    return this.exclusive(async () => {
      this.check(offset, length);
      if (length === 0) return Buffer.alloc(0);
      const first = Math.floor(offset / BLOCK_SIZE);
      const last = Math.floor((offset + length - 1) / BLOCK_SIZE);
      const cached = (index: number) => this.dirty.has(index) || this.encoding.has(index);
      const blocks: Promise<Buffer>[] = [];
      for (let index = first; index <= last; index++) blocks.push(this.block(index));
      if (first === this.nextSequential || (first === 0 && this.nextSequential < 0)) this.readAhead(last + 1, last - first + 1);
      this.nextSequential = last + 1;
      if (first === last && length === BLOCK_SIZE && offset % BLOCK_SIZE === 0 && !cached(first)) {
        // one whole stored block: the decoded buffer is ours to hand over (zeros are shared)
        const block = await blocks[0];
        return block === ZERO_BLOCK ? Buffer.alloc(BLOCK_SIZE) : block;
      }
      const out = Buffer.allocUnsafe(length);
      let done = 0;
      for (const [i, block] of (await Promise.all(blocks)).entries()) {
        const within = i === 0 ? offset % BLOCK_SIZE : 0;
        const n = Math.min(BLOCK_SIZE - within, length - done);
        block.copy(out, done, within, within + n);
        done += n;
      }
      return out;
    });
  }

  /** Starts fetching stored blocks after a sequential read: twice its length, up to READ_AHEAD. */
  private readAhead(from: number, readBlocks: number): void {
    const end = Math.min(from + Math.min(READ_AHEAD, 2 * readBlocks + 2), Math.ceil(this.backing.sizeBytes / BLOCK_SIZE));
    for (let index = from; index < end; index++) {
      if (this.prefetched.has(index) || this.dirty.has(index) || this.encoding.has(index)) continue;
      const chunk = this.chunkOf(index);
      if (!chunk) continue; // zeros cost nothing to read
      const block = this.storage.loadBlock(chunk, this.backing.key);
      block.catch(() => undefined); // a failed fetch is retried (and reported) by the read
      this.prefetched.set(index, { chunk, block });
    }
    for (const index of this.prefetched.keys()) {
      if (this.prefetched.size <= 2 * READ_AHEAD) break;
      this.prefetched.delete(index); // the oldest: the reader went elsewhere
    }
  }

  write(offset: number, data: Uint8Array): Promise<void> {
    return this.exclusive(() => this.modify(offset, data.length, data));
  }

  /** Zeroes a range (WRITE_ZEROES, TRIM): whole blocks without reading or encoding anything. */
  writeZeroes(offset: number, length: number): Promise<void> {
    return this.exclusive(() => this.modify(offset, length, undefined));
  }

  /** Writes `data` (undefined: zeros) over a range; caller holds `exclusive`. */
  private async modify(offset: number, length: number, data: Uint8Array | undefined): Promise<void> {
    if (this.readOnly) throw new VolumeDeviceError('the volume is read-only');
    this.check(offset, length);
    if (this.failure) throw this.failure; // the backend is failing: say so until a flush gets through
    let done = 0;
    while (done < length) {
      const pos = offset + done;
      const index = Math.floor(pos / BLOCK_SIZE);
      const within = pos % BLOCK_SIZE;
      const n = Math.min(BLOCK_SIZE - within, length - done);
      const part = data?.subarray(done, done + n);
      if (n === BLOCK_SIZE) {
        if (!part || isZeroBlock(part)) this.zero(index);
        else this.replace(index, Buffer.from(part));
      } else {
        const dirty = this.dirty.get(index);
        const block = dirty ?? Buffer.from(await this.block(index)); // cached and stored blocks are shared: copy
        if (part) block.set(part, within);
        else block.fill(0, within, within + n);
        this.replace(index, block);
      }
      done += n;
    }
    await this.spill();
  }

  /** A new version of a block, cached (the youngest). */
  private replace(index: number, block: Buffer): void {
    this.supersede(index);
    this.dirty.delete(index); // keep insertion order = modification order
    this.dirty.set(index, block);
  }

  /** A whole block of zeros: a null entry, or nothing if the block holds nothing. */
  private zero(index: number): void {
    this.supersede(index);
    this.dirty.delete(index);
    if (this.overlay.get(index) === undefined && !this.base.has(index) && !this.pending.has(index)) return;
    this.pending.set(index, null);
  }

  private supersede(index: number): void {
    const running = this.encoding.get(index);
    if (running) {
      running.superseded = true;
      this.encoding.delete(index);
    }
    this.prefetched.delete(index);
  }

  /** Encodes the oldest cached blocks beyond the limit; waits while too many encodes run. */
  private async spill(): Promise<void> {
    for (const [index, block] of this.dirty) {
      if (this.dirty.size <= DIRTY_LIMIT) break;
      this.encode(index, block);
    }
    while (this.encodes.size > MAX_ENCODING) await Promise.race(this.encodes);
  }

  private encode(index: number, block: Buffer): void {
    this.dirty.delete(index);
    const entry: Encoding = { block, superseded: false };
    this.encoding.set(index, entry);
    const done: Promise<void> = this.storage
      .storeBlock(block, this.backing.key)
      .then(
        (chunk) => {
          if (!entry.superseded) this.pending.set(index, chunk);
        },
        (e: unknown) => {
          if (entry.superseded) return;
          this.failure ??= e;
          this.dirty.set(index, block); // kept for the next flush to retry
        },
      )
      .finally(() => {
        if (this.encoding.get(index) === entry) this.encoding.delete(index);
        this.encodes.delete(done);
      });
    this.encodes.add(done);
  }

  /** Waits for background encodes (their chunks stored, not yet committed). */
  async idle(): Promise<void> {
    while (this.encodes.size) await Promise.all(this.encodes);
  }

  /**
   * Encodes every cached block, so `chunkOf` answers for all completed writes (block status);
   * nothing is made durable. Caller holds `exclusive`.
   */
  async settleLocked(): Promise<void> {
    this.failure = undefined;
    for (const [index, block] of this.dirty) this.encode(index, block);
    await this.idle();
    if (this.failure) {
      const failure = this.failure;
      this.failure = undefined; // the blocks are cached again: a later flush retries them
      throw failure;
    }
  }

  /** Makes every completed write durable. */
  flush(): Promise<void> {
    return this.exclusive(() => this.flushLocked());
  }

  /** flush() for callers already inside `exclusive`. */
  async flushLocked(): Promise<void> {
    await this.settleLocked();
    if (this.pending.size === 0) return;
    await this.storage.flush();
    const entries = [...this.pending];
    await this.overlays.put(this.backing.volumeId, entries);
    for (const [index, chunk] of entries) this.overlay.set(index, chunk);
    this.pending.clear();
  }

  /**
   * After a snapshot took the (flushed) overlay into a new base map: the device reads the same
   * as before, so its view stays as it is (base + overlay in memory, the overlay's rows now in
   * the new map); only later opens resolve the new map. O(1), not O(volume): an incremental
   * snapshot of a large volume costs its changed blocks only. Caller holds `exclusive`.
   */
  async rebaseLocked(newBaseMapId: string): Promise<void> {
    if (this.pending.size || this.dirty.size || this.encodes.size) throw new VolumeDeviceError('rebase needs a flushed device');
    this.backing = { ...this.backing, baseMapId: newBaseMapId };
  }

  /** Grows the device (ModifyVolume). */
  resize(sizeBytes: number): void {
    if (sizeBytes < this.backing.sizeBytes) throw new VolumeDeviceError('volumes only grow');
    this.backing = { ...this.backing, sizeBytes };
  }
}
