// The per-core limits of the block write path, measured in the same run as the benchmark they
// judge (the machine is shared and noisy: only ratios measured together mean anything):
// SHA-256, zstd-1 (the chosen compressor, reused context and buffers), AES-256-GCM, and
// sequential 512 KiB writes ended by fsync on the filesystem the data goes to. bench/codec.ts
// prints the same primitives (and more) on their own.
import { createCipheriv, createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { BLOCK_SIZE } from '../../src/blocks/block-size.js';
import { Zstd } from '../../src/blocks/zstd.js';
import { rate } from './rates.js';
import { table } from './report.js';

export function sha256Rate(blocks: Buffer[]): number {
  return rate(blocks.length * BLOCK_SIZE, () => blocks.forEach((b) => createHash('sha256').update(b).digest()));
}

export function zstdRate(blocks: Buffer[], level = 1): number {
  const z = new Zstd(level);
  const dst = Buffer.allocUnsafe(Zstd.bound(BLOCK_SIZE));
  return rate(blocks.length * BLOCK_SIZE, () => blocks.forEach((b) => z.compressInto(dst, b)));
}

export function aesGcmEncryptRate(blocks: Buffer[]): number {
  const key = randomBytes(32);
  const iv = randomBytes(12);
  return rate(blocks.length * BLOCK_SIZE, () =>
    blocks.forEach((b) => {
      const c = createCipheriv('aes-256-gcm', key, iv);
      c.update(b);
      c.final();
      c.getAuthTag();
    }),
  );
}

/** Sequential 512 KiB writes of `mib` MiB into a new file in `dir`, fsync every 32 MiB and at the end. */
export function writeFsyncRate(dir: string, blocks: Buffer[], mib = 256): number {
  const path = join(dir, `stage-limit-${process.pid}.tmp`);
  const n = (mib * 2 ** 20) / BLOCK_SIZE;
  try {
    return rate(
      n * BLOCK_SIZE,
      () => {
        const fd = openSync(path, 'w');
        try {
          for (let i = 0; i < n; i++) {
            writeSync(fd, blocks[i % blocks.length]);
            if ((i + 1) % 64 === 0) fsyncSync(fd);
          }
          fsyncSync(fd);
        } finally {
          closeSync(fd);
        }
      },
      3,
    );
  } finally {
    rmSync(path, { force: true });
  }
}

export interface StageLimits {
  sha256: number;
  zstd1: number;
  aesGcm: number;
  writeFsync: number;
  /** the slowest of the four, and its name */
  slowest: { name: string; mbps: number };
}

export function measureStageLimits(blocks: Buffer[], dir: string): StageLimits {
  const sample = blocks.slice(0, 128);
  const l = { sha256: sha256Rate(sample), zstd1: zstdRate(sample, 1), aesGcm: aesGcmEncryptRate(sample), writeFsync: writeFsyncRate(dir, sample) };
  const [name, mbps] = Object.entries(l).sort((a, b) => a[1] - b[1])[0];
  return { ...l, slowest: { name, mbps } };
}

export function printStageLimits(l: StageLimits, data: string): void {
  console.log(`per-core stage limits, measured now on ${data} (MB/s, one thread)`);
  console.log(
    table(
      ['SHA-256', 'zstd-1', 'AES-256-GCM', 'write+fsync', 'slowest'],
      [[l.sha256, l.zstd1, l.aesGcm, l.writeFsync, `${l.slowest.name} ${l.slowest.mbps.toFixed(0)}`]],
    ),
  );
}
