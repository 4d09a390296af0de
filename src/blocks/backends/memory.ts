// In-process chunk store for tests and throwaway servers: nothing survives a restart. Buffers are
// copied in and out so callers can reuse theirs (the block pipeline does).
import { assertChunkId } from '../chunk-id.js';
import {
  ChunkNotFoundError,
  type ChunkId,
  type ChunkStat,
  type ChunkStore,
  type ChunkStoreCapabilities,
  type DeleteOptions,
} from '../chunk-store.js';

interface Entry {
  data: Buffer;
  writtenAt: number;
}

export class MemoryChunkStore implements ChunkStore {
  readonly name = 'memory';
  readonly capabilities: ChunkStoreCapabilities = { durable: false, listable: true, deferredReclaim: false };
  readonly #chunks = new Map<ChunkId, Entry>();
  #closed = false;

  async put(id: ChunkId, data: Buffer): Promise<void> {
    this.#open();
    assertChunkId(id);
    const existing = this.#chunks.get(id);
    if (existing) existing.writtenAt = Date.now();
    else this.#chunks.set(id, { data: Buffer.from(data), writtenAt: Date.now() });
  }

  async touch(id: ChunkId): Promise<boolean> {
    this.#open();
    assertChunkId(id);
    const existing = this.#chunks.get(id);
    if (existing) existing.writtenAt = Date.now();
    return existing !== undefined;
  }

  async get(id: ChunkId): Promise<Buffer> {
    this.#open();
    assertChunkId(id);
    const entry = this.#chunks.get(id);
    if (!entry) throw new ChunkNotFoundError(id);
    return Buffer.from(entry.data);
  }

  async hasMany(ids: readonly ChunkId[]): Promise<boolean[]> {
    this.#open();
    ids.forEach((id) => assertChunkId(id));
    return ids.map((id) => this.#chunks.has(id));
  }

  async delete(ids: readonly ChunkId[], options: DeleteOptions = {}): Promise<ChunkId[]> {
    this.#open();
    ids.forEach((id) => assertChunkId(id));
    const kept: ChunkId[] = [];
    for (const id of ids) {
      const entry = this.#chunks.get(id);
      if (entry && options.writtenBefore !== undefined && entry.writtenAt >= options.writtenBefore) kept.push(id);
      else this.#chunks.delete(id);
    }
    return kept;
  }

  async *list(): AsyncIterable<ChunkStat> {
    this.#open();
    // A snapshot: callers may delete while iterating (garbage collection does).
    const entries = [...this.#chunks];
    for (const [id, entry] of entries) yield { id, size: entry.data.length, writtenAt: entry.writtenAt };
  }

  async flush(): Promise<void> {
    this.#open();
  }

  async clear(): Promise<void> {
    this.#open();
    this.#chunks.clear();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#chunks.clear();
  }

  #open(): void {
    if (this.#closed) throw new Error('chunk store is closed');
  }
}
