// A local read cache in front of a (remote) chunk store: a chunk read once is read again from
// the cache. Chunks are immutable under their id, so a cached chunk is never stale — only
// deletes must reach it: a delete (or clear) drops the ids, and a read that started before a
// delete does not fill the cache after it. Concurrent misses on one id share one inner read.
// Puts do not fill it (ingest would flush the working set). Two tiers: memory-cache.ts (a
// bounded LRU in this process) and disk-cache.ts (a bounded directory that survives restarts).
import type { ChunkId, ChunkStore, DeleteOptions } from '../chunk-store.js';
import { ForwardingChunkStore } from './forwarding.js';

export interface ChunkCache {
  /** a copy the caller may keep, or undefined */
  get(id: ChunkId): Promise<Buffer | undefined>;
  /** keeps a copy (may evict others, may decline) */
  set(id: ChunkId, data: Buffer): Promise<void>;
  delete(ids: readonly ChunkId[]): Promise<void>;
  clear(): Promise<void>;
  close(): Promise<void>;
  readonly stats: CacheStats;
}

export interface CacheStats {
  hits: number;
  misses: number;
  bytes: number;
  entries: number;
}

export class ReadCachingChunkStore extends ForwardingChunkStore {
  readonly #cache: ChunkCache;
  readonly #reading = new Map<ChunkId, Promise<Buffer>>();
  /** bumped by every delete and clear: a read older than the last one does not fill the cache */
  #epoch = 0;

  constructor(inner: ChunkStore, cache: ChunkCache) {
    super(inner);
    this.#cache = cache;
  }

  get cacheStats(): CacheStats {
    return this.#cache.stats;
  }

  override async get(id: ChunkId): Promise<Buffer> {
    const cached = await this.#cache.get(id);
    if (cached) return cached;
    let read = this.#reading.get(id);
    if (!read) {
      const epoch = this.#epoch;
      read = this.inner.get(id).then(async (data) => {
        if (this.#epoch === epoch) await this.#cache.set(id, data);
        return data;
      });
      this.#reading.set(id, read);
      const done = () => void (this.#reading.get(id) === read && this.#reading.delete(id));
      read.then(done, done);
    }
    // every reader gets its own copy: a caller may hand its buffer to a worker (moving it)
    return Buffer.from(await read);
  }

  override async delete(ids: readonly ChunkId[], options?: DeleteOptions): Promise<ChunkId[]> {
    this.#epoch++;
    await this.#cache.delete(ids);
    try {
      return await this.inner.delete(ids, options);
    } finally {
      this.#epoch++;
      for (const id of ids) this.#reading.delete(id);
    }
  }

  override async clear(): Promise<void> {
    this.#epoch++;
    await this.#cache.clear();
    this.#reading.clear();
    await this.inner.clear();
  }

  override async close(): Promise<void> {
    try {
      await this.inner.close();
    } finally {
      await this.#cache.close();
    }
  }
}
