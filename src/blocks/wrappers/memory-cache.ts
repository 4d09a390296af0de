// The read cache in memory: least recently used chunks go first once `maxBytes` is reached.
import type { ChunkId } from '../chunk-store.js';
import type { CacheStats, ChunkCache } from './read-cache.js';

export class MemoryChunkCache implements ChunkCache {
  readonly #entries = new Map<ChunkId, Buffer>();
  readonly stats: CacheStats = { hits: 0, misses: 0, bytes: 0, entries: 0 };

  constructor(readonly maxBytes: number) {}

  async get(id: ChunkId): Promise<Buffer | undefined> {
    const data = this.#entries.get(id);
    if (!data) {
      this.stats.misses++;
      return undefined;
    }
    this.stats.hits++;
    this.#entries.delete(id); // re-insert: the map's order is least recently used first
    this.#entries.set(id, data);
    return Buffer.from(data);
  }

  async set(id: ChunkId, data: Buffer): Promise<void> {
    if (data.length > this.maxBytes || this.#entries.has(id)) return;
    this.#entries.set(id, Buffer.from(data));
    this.stats.bytes += data.length;
    for (const [old, buf] of this.#entries) {
      if (this.stats.bytes <= this.maxBytes) break;
      this.#entries.delete(old);
      this.stats.bytes -= buf.length;
    }
    this.stats.entries = this.#entries.size;
  }

  async delete(ids: readonly ChunkId[]): Promise<void> {
    for (const id of ids) {
      const buf = this.#entries.get(id);
      if (!buf) continue;
      this.#entries.delete(id);
      this.stats.bytes -= buf.length;
    }
    this.stats.entries = this.#entries.size;
  }

  async clear(): Promise<void> {
    this.#entries.clear();
    this.stats.bytes = 0;
    this.stats.entries = 0;
  }

  async close(): Promise<void> {
    await this.clear();
  }
}
