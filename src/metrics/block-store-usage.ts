// The block store's size for /_imago/metrics: what every snapshot and volume holds (logical:
// their non-zero blocks, each counted per holder), what that is once deduplicated (the distinct
// chunks they reference) and what the chunk store really keeps (its encoded chunks: compressed,
// encrypted where the lineage is, and garbage not yet collected). The first two come from block
// maps (storage-accounting.ts, no chunk is read); the third lists the chunk store.
import { BLOCK_SIZE } from '../blocks/block-size.js';
import { chunkReferences, type AccountingDeps } from '../services/ec2/snapshots/storage-accounting.js';

export interface BlockStoreUsage {
  logicalBytes: number;
  deduplicatedBytes: number;
  /** undefined when the chunk store cannot be listed */
  storedBytes?: number;
  storedChunks?: number;
  /** when computed (ms since epoch), and how long it took (s) */
  at: number;
  seconds: number;
}

export async function blockStoreUsage(deps: AccountingDeps): Promise<BlockStoreUsage> {
  const started = Date.now();
  const { refs } = await chunkReferences(deps, () => false);
  let holders = 0;
  for (const n of refs.values()) holders += n;
  const chunks = deps.blocks.chunks;
  let storedBytes: number | undefined;
  let storedChunks: number | undefined;
  if (chunks.capabilities.listable) {
    storedBytes = 0;
    storedChunks = 0;
    for await (const stat of chunks.list()) {
      storedBytes += stat.size;
      storedChunks++;
    }
  }
  const at = Date.now();
  return { logicalBytes: holders * BLOCK_SIZE, deduplicatedBytes: refs.size * BLOCK_SIZE, storedBytes, storedChunks, at, seconds: (at - started) / 1000 };
}
