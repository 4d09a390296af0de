// The data plane's storage layer: fixed blocks, the codec that turns them into chunks, and the
// chunk stores that keep those.
export { BLOCK_SIZE, isZeroBlock } from './block-size.js';
export { BlockCodec, type BlockCodecOptions, type DecodeOptions, type EncodedChunk } from './block-codec.js';
export { ChunkKey } from './chunk-key.js';
export { assertChunkId, chunkIdFromBytes, chunkIdToBytes, isChunkId } from './chunk-id.js';
export {
  ChunkNotFoundError,
  ChunkPermanentError,
  type ChunkId,
  type ChunkStat,
  type ChunkStore,
  type ChunkStoreCapabilities,
} from './chunk-store.js';
export { MemoryChunkStore } from './backends/memory.js';
export { FsChunkStore, type FsChunkStoreOptions } from './backends/fs.js';
