// A raw disk image file into the block store as one sealed block map, in process: read in order
// (holes cost nothing, blocks/image-reader.ts), zero blocks skipped, data blocks stored as
// content-addressed chunks, then the map's entries and its seal (data before the map that
// references it, as everywhere in the data plane).
import { statSync } from 'node:fs';
import { BLOCK_SIZE } from '../../../blocks/block-size.js';
import type { BlockStorage } from '../../../blocks/block-storage.js';
import { ImageReader } from '../../../blocks/image-reader.js';

const PIECE = 8 * BLOCK_SIZE;

export interface RawImport {
  mapId: string;
  /** blocks holding data (the others are zeros, not stored) */
  dataBlocks: number;
}

/**
 * Stores `path` as the first bytes of a new sealed map of `sizeBytes` (the file may be smaller:
 * the rest reads as zeros). `onProgress(bytesRead, fileBytes)` after each 4 MiB.
 */
export async function importRawImage(blocks: BlockStorage, path: string, sizeBytes: number, onProgress?: (done: number, total: number) => void): Promise<RawImport> {
  const fileBytes = statSync(path).size;
  if (fileBytes > sizeBytes) throw new Error(`${path} holds ${fileBytes} bytes, more than the ${sizeBytes}-byte volume`);
  const entries: [number, string][] = [];
  const reader = await ImageReader.open(path);
  try {
    for await (const { offset, data } of reader.pieces(fileBytes, PIECE, 2)) {
      // the piece's blocks at once (the codec runs on worker threads); the buffer is reused after
      const ids = await Promise.all(Array.from({ length: Math.ceil(data.length / BLOCK_SIZE) }, (_, i) => blocks.storeBlock(data.subarray(i * BLOCK_SIZE, (i + 1) * BLOCK_SIZE))));
      ids.forEach((id, i) => id && entries.push([offset / BLOCK_SIZE + i, id]));
      onProgress?.(offset + data.length, fileBytes);
    }
  } finally {
    await reader.close();
  }
  await blocks.flush();
  const mapId = await blocks.createMap({ sizeBytes, lineageId: null, sealed: false });
  await blocks.putEntries(mapId, entries);
  await blocks.seal(mapId);
  return { mapId, dataBlocks: entries.length };
}
