// The base of every wrapper: a ChunkStore that forwards each call to the store it wraps,
// through one overridable `call` (where a wrapper retries, limits or measures). It keeps the
// inner store's name and capabilities, and has `touch`/`compact`/`refresh` exactly when the
// inner does.
import type { ChunkId, ChunkStat, ChunkStore, ChunkStoreCapabilities, DeleteOptions } from '../chunk-store.js';

export type Operation = 'put' | 'touch' | 'get' | 'hasMany' | 'delete' | 'flush' | 'compact' | 'clear' | 'refresh';

export class ForwardingChunkStore implements ChunkStore {
  readonly name: string;
  readonly capabilities: ChunkStoreCapabilities;
  readonly touch?: (id: ChunkId) => Promise<boolean>;
  readonly compact?: () => Promise<{ reclaimedBytes: number }>;
  readonly refresh?: () => Promise<void>;

  constructor(protected readonly inner: ChunkStore) {
    this.name = inner.name;
    this.capabilities = inner.capabilities;
    if (inner.touch) this.touch = (id) => this.call('touch', () => inner.touch!(id));
    if (inner.compact) this.compact = () => this.call('compact', () => inner.compact!());
    if (inner.refresh) this.refresh = () => this.call('refresh', () => inner.refresh!());
  }

  /** Runs one operation on the inner store; wrappers override this. */
  protected call<T>(_op: Operation, fn: () => Promise<T>): Promise<T> {
    return fn();
  }

  put(id: ChunkId, data: Buffer): Promise<void> {
    return this.call('put', () => this.inner.put(id, data));
  }

  get(id: ChunkId): Promise<Buffer> {
    return this.call('get', () => this.inner.get(id));
  }

  hasMany(ids: readonly ChunkId[]): Promise<boolean[]> {
    return this.call('hasMany', () => this.inner.hasMany(ids));
  }

  delete(ids: readonly ChunkId[], options?: DeleteOptions): Promise<ChunkId[]> {
    return this.call('delete', () => this.inner.delete(ids, options));
  }

  list(): AsyncIterable<ChunkStat> {
    return this.inner.list();
  }

  flush(): Promise<void> {
    return this.call('flush', () => this.inner.flush());
  }

  clear(): Promise<void> {
    return this.call('clear', () => this.inner.clear());
  }

  close(): Promise<void> {
    return this.inner.close();
  }
}
