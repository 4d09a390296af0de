// The data plane's facade: blocks in and out of the chunk store through the codec, and block
// maps (the manifests of snapshots and volume bases) in the metadata store.
//
//   storeBlock(data)  -> chunk id (null for an all-zero block, which is never stored)
//   loadBlock(id)     -> the 512 KiB block
//   resolve(map)      -> the effective `index -> chunk` of a map and its ancestors (cached)
//
// Write order is data -> chunk store flush -> map entries -> seal (the metadata commit), so a
// crash never leaves an entry pointing at data that is not durable.
//
// Encoding and decoding run on the codec pool's worker threads (codec-pool.ts): callers await
// them like any other I/O, and many blocks in flight use every core.
import { BLOCK_SIZE, isZeroBlock } from './block-size.js';
import type { ChunkKey } from './chunk-key.js';
import { sharedCodecPool, type CodecPool } from './codec-pool.js';
import { ChunkNotFoundError, type ChunkId, type ChunkStore } from './chunk-store.js';
import type { BlockMapsRepo, BlockMapRow, MapEntry } from '../store/repos/block-maps.js';
import { createHash, randomBytes } from 'node:crypto';
import { ChecksumMismatchError } from './block-codec.js';

/** The key an encrypted lineage's chunks are made with, and its identity. */
export interface LineageKey {
  lineageId: string;
  chunkKey: ChunkKey;
}

export interface ResolvedMap {
  mapId: string;
  sizeBytes: number;
  lineageId: string | null;
  /** non-zero blocks only */
  entries: ReadonlyMap<number, ChunkId>;
  /** ids of this map and its ancestors, nearest first */
  chain: readonly string[];
}

export interface NewMap {
  parentMapId?: string | null;
  sizeBytes: number;
  lineageId: string | null;
  /** unsealed maps are being written (uploads); GC keeps them while leased */
  sealed?: boolean;
  leaseMs?: number;
}

export const ZERO_BLOCK: Buffer = Buffer.alloc(BLOCK_SIZE);
const ZERO_BLOCK_SHA256_HEX = createHash('sha256').update(ZERO_BLOCK).digest('hex');

export function newMapId(): string {
  return `map-${randomBytes(12).toString('hex')}`;
}

/** Maps deeper than this are written flat (materialised) instead of incrementally. */
export const MAX_MAP_DEPTH = 64;

/** Blocks a rewrite keeps in flight (loads and stores overlap, the pool stays busy). */
const REWRITE_WINDOW = 16;

export interface BlockStorageOptions {
  /** resolved map entries kept in the cache (default 4,000,000: ~2 TiB of 512 KiB blocks) */
  cacheLimit?: number;
  /** where blocks are encoded and decoded (default: the process-wide pool) */
  codec?: CodecPool;
}

export class BlockStorage {
  readonly codec: CodecPool;
  private readonly cache = new Map<string, ResolvedMap>();
  private cachedEntries = 0;
  private readonly cacheLimit: number;

  constructor(
    readonly chunks: ChunkStore,
    readonly maps: BlockMapsRepo,
    options: BlockStorageOptions = {},
  ) {
    this.cacheLimit = options.cacheLimit ?? 4_000_000;
    this.codec = options.codec ?? sharedCodecPool();
  }

  /**
   * Encodes and stores one block (shorter blocks are zero-padded). Returns null for zeros.
   * `knownId`: the block's chunk id when the caller computed it already (an unencrypted block's
   * SHA-256, e.g. a verified upload checksum): it is not hashed again, and a block already
   * stored is not encoded at all. Without it the worker hashes and encodes in one go, and a
   * duplicate costs an encode (the store keeps the bytes it has).
   * `giveUp`: the caller will not use `data` again, so its memory may move to a codec worker
   * instead of being copied (`data` is then empty).
   * `sha256`: the SHA-256 (hex) the block must have, e.g. an upload's checksum, or
   * ChecksumMismatchError. Checked where the block is hashed anyway: on the codec worker with
   * its encoding (an unencrypted block's id is that hash, so the block is hashed once, off the
   * thread serving HTTP); a block already stored under that id is hashed here instead and not
   * encoded at all. A claimed id is never trusted before the bytes were hashed.
   */
  async storeBlock(data: Uint8Array, key?: LineageKey, knownId?: ChunkId, giveUp = false, sha256?: string): Promise<ChunkId | null> {
    let block = data;
    if (block.length < BLOCK_SIZE) {
      const padded = Buffer.alloc(BLOCK_SIZE);
      padded.set(block);
      block = padded;
    }
    if (isZeroBlock(block)) {
      if (sha256 !== undefined && sha256 !== ZERO_BLOCK_SHA256_HEX) throw new ChecksumMismatchError(ZERO_BLOCK_SHA256_HEX);
      return null;
    }
    // Deduplicated: refreshing the chunk's write time makes GC's grace window cover the reference
    // we are about to add; if GC removed it meanwhile, we store it again.
    if (knownId && (await this.touch(knownId))) return knownId;
    if (sha256 !== undefined && !key && (await this.touch(sha256))) {
      const actual = createHash('sha256').update(block).digest('hex');
      if (actual !== sha256) throw new ChecksumMismatchError(actual);
      return sha256;
    }
    const encoded = await this.codec.encode(block, key?.chunkKey, knownId, giveUp || block !== data, sha256);
    await this.chunks.put(encoded.id, encoded.payload);
    return encoded.id;
  }

  /** Refreshes a stored chunk's write time; false when it is not stored. */
  private async touch(id: ChunkId): Promise<boolean> {
    if (this.chunks.touch) return this.chunks.touch(id);
    try {
      await this.chunks.put(id, await this.chunks.get(id));
      return true;
    } catch (e) {
      if (e instanceof ChunkNotFoundError) return false;
      throw e;
    }
  }

  async loadBlock(id: ChunkId | null | undefined, key?: LineageKey, verify = false): Promise<Buffer> {
    if (!id) return ZERO_BLOCK;
    const payload = await this.chunks.get(id);
    const block = await this.codec.decode(id, payload, { key: key?.chunkKey, verify });
    if (block.length === BLOCK_SIZE) return block;
    const full = Buffer.alloc(BLOCK_SIZE);
    full.set(block);
    return full;
  }

  flush(): Promise<void> {
    return this.chunks.flush();
  }

  async createMap(m: NewMap): Promise<string> {
    const mapId = newMapId();
    let depth = 0;
    if (m.parentMapId) {
      const parent = await this.maps.get(m.parentMapId);
      if (!parent) throw new Error(`parent map ${m.parentMapId} does not exist`);
      depth = parent.depth + 1;
    }
    await this.maps.create({
      map_id: mapId,
      parent_map_id: m.parentMapId ?? null,
      depth,
      size_bytes: m.sizeBytes,
      lineage_id: m.lineageId,
      sealed: m.sealed ? 1 : 0,
      lease_until: m.sealed ? null : new Date(Date.now() + (m.leaseMs ?? 24 * 3600_000)).toISOString(),
    });
    return mapId;
  }

  putEntries(mapId: string, entries: readonly MapEntry[]): Promise<void> {
    this.forget(mapId);
    return this.maps.putEntries(mapId, entries);
  }

  async seal(mapId: string): Promise<void> {
    await this.maps.seal(mapId);
  }

  getMap(mapId: string): Promise<BlockMapRow | undefined> {
    return this.maps.get(mapId);
  }

  /** The effective entries of a map and its ancestors. Sealed maps are cached. */
  async resolve(mapId: string): Promise<ResolvedMap> {
    const hit = this.cache.get(mapId);
    if (hit) {
      this.cache.delete(mapId); // LRU: re-insert at the end
      this.cache.set(mapId, hit);
      return hit;
    }
    const chain = await this.maps.chain(mapId);
    if (chain.length === 0) throw new Error(`block map ${mapId} does not exist`);
    const entries = new Map<number, ChunkId>();
    for (const e of await this.maps.chainEntries(chain.map((m) => m.map_id))) {
      if (e.chunk_id) entries.set(e.block_index, e.chunk_id);
      else entries.delete(e.block_index);
    }
    const resolved: ResolvedMap = {
      mapId,
      sizeBytes: chain[0].size_bytes,
      lineageId: chain[0].lineage_id,
      entries,
      chain: chain.map((m) => m.map_id),
    };
    if (chain[0].sealed) this.remember(resolved);
    return resolved;
  }

  async readBlock(mapId: string, index: number, key?: LineageKey): Promise<Buffer> {
    const map = await this.resolve(mapId);
    return this.loadBlock(map.entries.get(index), key);
  }

  /** Whether two maps belong to one lineage (one descends from the other, or they share an ancestor). */
  async related(a: string, b: string): Promise<boolean> {
    if (a === b) return true;
    const [ra, rb] = await Promise.all([this.resolve(a), this.resolve(b)]);
    const set = new Set(ra.chain);
    return rb.chain.some((id) => set.has(id));
  }

  /** Block indexes whose content differs between two maps (first may be absent: all blocks). */
  async changedBlocks(firstMapId: string | undefined, secondMapId: string): Promise<{ index: number; first: ChunkId | null; second: ChunkId | null }[]> {
    const second = await this.resolve(secondMapId);
    const first = firstMapId ? await this.resolve(firstMapId) : undefined;
    const out: { index: number; first: ChunkId | null; second: ChunkId | null }[] = [];
    const indexes = new Set<number>([...second.entries.keys(), ...(first ? first.entries.keys() : [])]);
    for (const index of [...indexes].sort((x, y) => x - y)) {
      const a = first?.entries.get(index) ?? null;
      const b = second.entries.get(index) ?? null;
      if (a !== b) out.push({ index, first: a, second: b });
    }
    return out;
  }

  /**
   * Writes a new, flat map holding the same data as `sourceMapId` under another key (or none):
   * a re-encrypting copy rewrites every block. `onProgress` gets a fraction in [0, 1].
   */
  async rewriteMap(sourceMapId: string, from: LineageKey | undefined, to: LineageKey | undefined, sizeBytes?: number, onProgress?: (f: number) => void): Promise<string> {
    const source = await this.resolve(sourceMapId);
    const mapId = await this.createMap({ sizeBytes: sizeBytes ?? source.sizeBytes, lineageId: to?.lineageId ?? null });
    const entries: MapEntry[] = [];
    let done = 0;
    const todo = source.entries.entries();
    const worker = async () => {
      for (let next = todo.next(); !next.done; next = todo.next()) {
        const [index, chunk] = next.value;
        const block = await this.loadBlock(chunk, from);
        entries.push([index, await this.storeBlock(block, to, undefined, block !== ZERO_BLOCK)]);
        if (++done % 64 === 0) onProgress?.(done / source.entries.size);
      }
    };
    await Promise.all(Array.from({ length: REWRITE_WINDOW }, worker));
    await this.flush();
    await this.putEntries(mapId, entries);
    await this.seal(mapId);
    onProgress?.(1);
    return mapId;
  }

  /** A flat copy of a deep map, same key (keeps chains short). */
  async flatten(sourceMapId: string): Promise<string> {
    const source = await this.resolve(sourceMapId);
    const mapId = await this.createMap({ sizeBytes: source.sizeBytes, lineageId: source.lineageId });
    await this.putEntries(mapId, [...source.entries]);
    await this.seal(mapId);
    return mapId;
  }

  /** Drops cached resolutions of a map (and, conservatively, of everything: children embed parents). */
  forget(mapId: string): void {
    if (this.cache.has(mapId)) {
      this.cache.clear();
      this.cachedEntries = 0;
    }
  }

  clearCache(): void {
    this.cache.clear();
    this.cachedEntries = 0;
  }

  private remember(resolved: ResolvedMap): void {
    this.cache.set(resolved.mapId, resolved);
    this.cachedEntries += resolved.entries.size;
    for (const [id, old] of this.cache) {
      if (this.cachedEntries <= this.cacheLimit) break;
      this.cache.delete(id);
      this.cachedEntries -= old.entries.size;
    }
  }
}
