import { chunkStoreConformance } from '../chunk-store.conformance.js';
import { MemoryChunkStore } from './memory.js';

chunkStoreConformance('memory', async () => ({
  open: async () => new MemoryChunkStore(),
  cleanup: async () => {},
}));
