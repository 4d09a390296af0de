// Real data for block benchmarks: files of /usr/bin and /usr/lib concatenated (half each),
// cut into 512 KiB blocks: executables, shared objects, data files and scripts compress about
// 2x with zstd-1, like an OS disk. Falls back to random blocks where those trees are missing.
import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { BLOCK_SIZE, isZeroBlock } from '../../src/blocks/block-size.js';

function* files(dir: string): Generator<string> {
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true }).sort((a, b) => (a.name < b.name ? -1 : 1));
  } catch {
    return;
  }
  for (const e of entries) {
    const path = join(dir, e.name);
    if (e.isDirectory()) yield* files(path);
    else if (e.isFile()) yield path;
  }
}

export interface Corpus {
  /** the non-zero blocks */
  blocks: Buffer[];
  /** all blocks read, zeros included */
  total: number;
  source: string;
}

export function loadCorpus(mib: number): Corpus {
  const target = mib * 1024 * 1024;
  const parts: Buffer[] = [];
  let have = 0;
  for (const root of ['/usr/bin', '/usr/lib']) {
    const quota = have + target / 2;
    for (const path of files(root)) {
      try {
        const data = readFileSync(path);
        parts.push(data.subarray(0, quota - have));
        have += Math.min(data.length, quota - have);
      } catch {
        continue;
      }
      if (have >= quota) break;
    }
  }
  const corpus = Buffer.concat(parts).subarray(0, Math.floor(Math.min(have, target) / BLOCK_SIZE) * BLOCK_SIZE);
  const all: Buffer[] = [];
  for (let o = 0; o < corpus.length; o += BLOCK_SIZE) all.push(corpus.subarray(o, o + BLOCK_SIZE));
  const blocks = all.filter((b) => !isZeroBlock(b));
  if (blocks.length < 8) {
    return { blocks: Array.from({ length: Math.max(8, mib * 2) }, () => randomBytes(BLOCK_SIZE)), total: mib * 2, source: 'random (no /usr/bin, /usr/lib here)' };
  }
  return { blocks, total: all.length, source: `/usr/bin + /usr/lib (${(corpus.length / 2 ** 20).toFixed(0)} MiB)` };
}

/**
 * Block `index` of an endless stream of distinct blocks with the corpus's compressibility: a
 * corpus block with the index stamped at both ends (no two equal, so nothing deduplicates).
 */
export function distinctBlock(corpus: Corpus, index: number, into: Buffer = Buffer.allocUnsafe(BLOCK_SIZE)): Buffer {
  corpus.blocks[index % corpus.blocks.length].copy(into);
  into.writeUInt32LE(index >>> 0, 0);
  into.writeUInt32LE((index ^ 0x5bd1e995) >>> 0, BLOCK_SIZE - 4);
  into.writeUInt32LE(Math.floor(index / 2 ** 32), 4);
  return into;
}
