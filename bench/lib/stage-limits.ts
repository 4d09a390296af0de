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
import { ratio, table } from './report.js';
import { judge } from './targets.js';

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

/**
 * The slowest of the stages every block write must pass (SHA-256 for the checksum and chunk id,
 * zstd-1 for the compression attempt), each on one core: what issue 15 judges ingest against.
 * Short (`blocks` blocks, 3 runs) so it can be taken right before and after each measured point:
 * the machine is shared, and a limit measured minutes earlier can be off by 2x.
 */
export function requiredStage(blocks: Buffer[], n = 32): { name: string; mbps: number } {
  const sample = blocks.slice(0, n);
  const sha = rate(sample.length * BLOCK_SIZE, () => sample.forEach((b) => createHash('sha256').update(b).digest()), 3);
  const z = new Zstd(1);
  const dst = Buffer.allocUnsafe(Zstd.bound(BLOCK_SIZE));
  const zstd = rate(sample.length * BLOCK_SIZE, () => sample.forEach((b) => z.compressInto(dst, b)), 3);
  return zstd <= sha ? { name: 'zstd-1', mbps: zstd } : { name: 'SHA-256', mbps: sha };
}

/** zstd-1's CPU time per MB (process CPU time, not wall: the same on a loaded machine). */
export function zstdCpuMsPerMB(blocks: Buffer[], n = 64): number {
  const sample = blocks.slice(0, n);
  const z = new Zstd(1);
  const dst = Buffer.allocUnsafe(Zstd.bound(BLOCK_SIZE));
  sample.forEach((b) => z.compressInto(dst, b));
  const start = process.cpuUsage();
  for (let r = 0; r < 3; r++) sample.forEach((b) => z.compressInto(dst, b));
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000 / ((3 * sample.length * BLOCK_SIZE) / 1e6);
}

/** `fn` with the required stage measured right before and after it: its result and the mean of the two limits. */
export async function withRequiredStage<T>(blocks: Buffer[], fn: () => Promise<T>): Promise<{ result: T; limit: { name: string; mbps: number } }> {
  const before = requiredStage(blocks);
  const result = await fn();
  const after = requiredStage(blocks);
  const name = before.name === after.name ? before.name : `${before.name}/${after.name}`;
  return { result, limit: { name, mbps: (before.mbps + after.mbps) / 2 } };
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

/** Issue 15: ingest over HTTP and through `imago import` reaches this share of the slowest required stage. */
export const INGEST_TARGET = 0.6;

/** Judged: MB/s against INGEST_TARGET x the slowest required stage measured around it. */
export function judgeShare(target: string, mbps: number, limit: { name: string; mbps: number }): void {
  judge(
    target,
    `${mbps.toFixed(0)} MB/s = ${ratio(mbps, limit.mbps)} of ${limit.name} (${limit.mbps.toFixed(0)} MB/s, one core, measured around it)`,
    `>= ${INGEST_TARGET.toFixed(2)}x (${(limit.mbps * INGEST_TARGET).toFixed(0)} MB/s)`,
    mbps >= limit.mbps * INGEST_TARGET,
  );
}
