// The narrow interface every chunk backend implements (memory, fs, s3). A chunk is an
// opaque byte string addressed by a 32-byte id chosen by the caller (the block codec: SHA-256
// of plaintext, or a keyed MAC for encrypted lineages). Backends know nothing of compression,
// encryption or snapshots. Cross-cutting behaviour (hash-on-read, retries, metrics) is a
// wrapper around a backend, never an `if` inside one.

/** 32 bytes; shown as 64 lower-case hex characters. */
export type ChunkId = string;

export interface ChunkStoreCapabilities {
  /** data survives a process crash once `flush()` resolved */
  durable: boolean;
  /** `list()` is supported (required by garbage collection and fsck) */
  listable: boolean;
  /** deletes reclaim space only after `compact()` */
  deferredReclaim: boolean;
}

export interface ChunkStat {
  id: ChunkId;
  /** stored (encoded) size in bytes */
  size: number;
  /**
   * when the chunk was last put (ms since epoch), if the backend knows. A put of an id that
   * exists refreshes it: garbage collection's grace window must also cover a dedup hit whose
   * reference is not committed yet.
   */
  writtenAt?: number;
}

export class ChunkNotFoundError extends Error {
  readonly kind = 'not-found' as const;
  constructor(readonly id: ChunkId) {
    super(`chunk ${id} not found`);
  }
}

/**
 * The backend could not be reached or answered with a server-side failure (a network reset, a
 * timeout, an HTTP 5xx, throttling): the same call may succeed later. The retry wrapper retries
 * these; every other error is final.
 */
export class ChunkStoreUnavailableError extends Error {
  readonly kind = 'unavailable' as const;
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

export interface DeleteOptions {
  /**
   * Delete only chunks last written (put or touched) before this time, ms since epoch; the
   * others are kept. Checked atomically with respect to put and touch: garbage collection's
   * guard against a write that deduplicated onto a chunk between its plan and its delete.
   */
  writtenBefore?: number;
}

/** Corrupt or unreadable data: retrying will not help. */
export class ChunkPermanentError extends Error {
  readonly kind = 'permanent' as const;
  constructor(
    readonly id: ChunkId,
    message: string,
  ) {
    super(`chunk ${id}: ${message}`);
  }
}

export interface ChunkStore {
  readonly name: string;
  readonly capabilities: ChunkStoreCapabilities;
  /**
   * Stores a chunk; storing an id that exists keeps the stored bytes (only its `writtenAt` is
   * refreshed). Durable only after `flush()`. Throws TypeError for a malformed id.
   */
  put(id: ChunkId, data: Buffer): Promise<void>;
  /**
   * Refreshes the `writtenAt` of a stored chunk, as a put of its id would, without its bytes
   * (a dedup hit needs no payload); false when it is not stored. Optional: without it callers
   * put the chunk's own bytes again.
   */
  touch?(id: ChunkId): Promise<boolean>;
  /** Throws ChunkNotFoundError / ChunkPermanentError. The buffer is the caller's. */
  get(id: ChunkId): Promise<Buffer>;
  /** For each id, whether it is stored. */
  hasMany(ids: readonly ChunkId[]): Promise<boolean[]>;
  /**
   * Deletes chunks; missing ids are ignored. Resolves with the ids kept because they were
   * written at or after `options.writtenBefore` (empty without it).
   */
  delete(ids: readonly ChunkId[], options?: DeleteOptions): Promise<ChunkId[]>;
  /** Every stored chunk. */
  list(): AsyncIterable<ChunkStat>;
  /** Durability barrier: every put that resolved before this call is on stable storage. */
  flush(): Promise<void>;
  /**
   * Learns what other nodes sharing the store did since it was opened or last caught up
   * (chunks stored, deleted, moved), so `list()` shows them. Optional: only stores several
   * nodes share have it; garbage collection calls it before planning.
   */
  refresh?(): Promise<void>;
  /** Reclaims space left by deletes (no-op where deletes reclaim at once). */
  compact?(): Promise<{ reclaimedBytes: number }>;
  /** Removes everything (admin reset). */
  clear(): Promise<void>;
  close(): Promise<void>;
}
