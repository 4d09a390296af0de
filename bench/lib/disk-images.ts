// Generated raw disk images for import benchmarks, written sparse: zero blocks are holes (no
// disk space, read back from no disk), data blocks are distinct corpus blocks.
import { closeSync, fsyncSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import { BLOCK_SIZE } from '../../src/blocks/block-size.js';
import { distinctBlock, type Corpus } from './corpus.js';

export interface GeneratedImage {
  path: string;
  bytes: number;
  dataBlocks: number;
  zeroBlocks: number;
}

/**
 * `bytes` of image where `isData(index)` says which blocks hold data; the rest are holes.
 * `stamp` keeps blocks distinct from other images made with the same corpus.
 */
export function writeImage(path: string, bytes: number, corpus: Corpus, isData: (index: number) => boolean, stamp = 0): GeneratedImage {
  const fd = openSync(path, 'w');
  const block = Buffer.allocUnsafe(BLOCK_SIZE);
  let dataBlocks = 0;
  const blocks = Math.ceil(bytes / BLOCK_SIZE);
  try {
    ftruncateSync(fd, bytes);
    for (let i = 0; i < blocks; i++) {
      if (!isData(i)) continue;
      distinctBlock(corpus, stamp + i, block);
      writeSync(fd, block, 0, Math.min(BLOCK_SIZE, bytes - i * BLOCK_SIZE), i * BLOCK_SIZE);
      dataBlocks++;
    }
    fsyncSync(fd); // an image at rest: the import must not pay for writing it back
  } finally {
    closeSync(fd);
  }
  return { path, bytes, dataBlocks, zeroBlocks: blocks - dataBlocks };
}

/** About `share` of the blocks zero, in runs of 1-16 blocks (as free space in a filesystem is). */
export function zeroRuns(share: number, seed = 1): (index: number) => boolean {
  let state = seed;
  const rand = () => ((state = (state * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff);
  const zero = new Set<number>();
  let next = 0;
  return (index) => {
    while (next <= index) {
      const run = 1 + Math.floor(rand() * 16);
      const isZero = rand() < share;
      for (let j = 0; j < run; j++) if (isZero) zero.add(next + j);
      next += run;
    }
    return !zero.has(index);
  };
}
