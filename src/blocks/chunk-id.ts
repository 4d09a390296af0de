// Chunk ids travel as 64 lower-case hex characters and are stored as 32 raw bytes. Backends
// validate them at the door: a malformed id is a caller bug, not a missing chunk.
import type { ChunkId } from './chunk-store.js';

const HEX_ID = /^[0-9a-f]{64}$/;

export function isChunkId(value: string): value is ChunkId {
  return HEX_ID.test(value);
}

export function assertChunkId(value: string): asserts value is ChunkId {
  if (!HEX_ID.test(value)) throw new TypeError(`invalid chunk id ${JSON.stringify(value.slice(0, 80))}`);
}

export function chunkIdToBytes(id: ChunkId): Buffer {
  assertChunkId(id);
  return Buffer.from(id, 'hex');
}

export function chunkIdFromBytes(bytes: Uint8Array): ChunkId {
  if (bytes.length !== 32) throw new TypeError(`chunk id must be 32 bytes, got ${bytes.length}`);
  return Buffer.from(bytes.buffer, bytes.byteOffset, 32).toString('hex');
}
