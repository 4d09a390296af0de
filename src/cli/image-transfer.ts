// `imago import FILE` and `imago export SNAPSHOT FILE`: disk images in and out of a running
// server through the EBS direct APIs. Streams in 512 KiB blocks (memory stays flat whatever the
// image size), skips zero blocks, uploads several blocks at once, resumes an interrupted
// import, and uses qemu-img for formats other than raw (refusing images that name a backing
// file on this host: an untrusted qcow2 must not read local files).
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, openSync, readFileSync, readSync, rmSync, statSync, writeFileSync, ftruncateSync, writeSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BLOCK_SIZE, isZeroBlock } from '../blocks/block-size.js';
import { EbsClient, type EbsClientOptions } from './ebs-client.js';
import { ImageReader } from '../blocks/image-reader.js';
import { Progress } from './progress.js';

const GIB = 1024 ** 3;
/** Uploads in flight: enough for the server's commit rounds to fill while one is being made durable. */
const DEFAULT_CONCURRENCY = 32;
/** Blocks per read (2 MiB: the zero check stays in cache) and reads running ahead of it. */
const READ_BLOCKS = 4;
const READ_AHEAD = 2;

export interface ImportOptions extends EbsClientOptions {
  file: string;
  /** raw, qcow2, vmdk, vpc, vhdx… (default: detected by qemu-img, else raw) */
  format?: string;
  description?: string;
  concurrency?: number;
  allowBackingFile?: boolean;
  progress?: boolean;
}

export interface ImportResult {
  snapshotId: string;
  volumeSizeGib: number;
  blocksWritten: number;
  zeroBlocksSkipped: number;
  resumedBlocks: number;
  bytesRead: number;
  seconds: number;
}

interface ResumeState {
  snapshotId: string;
  endpoint: string;
  size: number;
  mtimeMs: number;
  /** every block below this index is uploaded (a pending snapshot cannot be listed) */
  doneBelow: number;
}

function qemuImg(args: string[]): string {
  const r = spawnSync('qemu-img', args, { encoding: 'utf8', maxBuffer: 16 * 1024 * 1024 });
  if (r.error) throw new Error(`qemu-img is needed for this image format (apt-get install qemu-utils): ${r.error.message}`);
  if (r.status !== 0) throw new Error(`qemu-img ${args[0]} failed: ${r.stderr.trim()}`);
  return r.stdout;
}

function detectFormat(file: string): { format: string; backing?: string } {
  const head = Buffer.alloc(4);
  const fd = openSync(file, 'r');
  try {
    readSync(fd, head, 0, 4, 0);
  } finally {
    closeSync(fd);
  }
  const looksQcow = head.toString('latin1') === 'QFI\xfb';
  const probe = spawnSync('qemu-img', ['info', '--output=json', file], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    if (looksQcow) throw new Error('this is a qcow2 image: qemu-img is needed to read it (apt-get install qemu-utils)');
    return { format: 'raw' };
  }
  const info = JSON.parse(probe.stdout) as { format: string; 'backing-filename'?: string };
  return { format: info.format, backing: info['backing-filename'] };
}

/** A raw view of the image: the file itself, or a sparse temporary conversion. */
function asRaw(o: ImportOptions): { path: string; cleanup(): void } {
  const detected = o.format ? { format: o.format, backing: o.format === 'raw' ? undefined : detectFormat(o.file).backing } : detectFormat(o.file);
  if (detected.backing && !o.allowBackingFile) {
    throw new Error(`refusing ${o.file}: it names a backing file (${detected.backing}); pass --allow-backing-file if you trust it`);
  }
  if (detected.format === 'raw') return { path: o.file, cleanup: () => undefined };
  const dir = mkdtempSync(join(tmpdir(), 'imago-import-'));
  const path = join(dir, 'image.raw');
  // explicit -f: never let qemu-img probe a format (a raw image could pose as qcow2)
  qemuImg(['convert', '-f', detected.format, '-O', 'raw', '-S', String(BLOCK_SIZE), o.file, path]);
  return { path, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export async function importImage(o: ImportOptions): Promise<ImportResult> {
  const started = Date.now();
  const client = new EbsClient(o);
  const source = statSync(o.file);
  const stateFile = `${o.file}.imago-import.json`;
  let state: ResumeState | undefined;
  if (existsSync(stateFile)) {
    const saved = JSON.parse(readFileSync(stateFile, 'utf8')) as ResumeState;
    if (saved.size === source.size && saved.mtimeMs === source.mtimeMs && saved.endpoint === o.endpoint) state = saved;
  }
  const raw = asRaw(o);
  try {
    const size = statSync(raw.path).size;
    const volumeSizeGib = Math.max(1, Math.ceil(size / GIB));
    if (!state) {
      const started = await client.startSnapshot({ VolumeSize: volumeSizeGib, Description: o.description ?? `Imported from ${o.file}` });
      state = { snapshotId: started.SnapshotId, endpoint: o.endpoint, size: source.size, mtimeMs: source.mtimeMs, doneBelow: 0 };
      writeFileSync(stateFile, JSON.stringify(state));
    }
    const snapshotId = state.snapshotId;
    const resumeFrom = state.doneBelow;
    // the low-water mark: blocks below the smallest index still in flight are all uploaded
    const pending = new Set<number>();
    let nextIndex = 0;
    let lastSaved = 0;
    const saveProgress = (force = false) => {
      if (!force && Date.now() - lastSaved < 200) return;
      lastSaved = Date.now();
      let doneBelow = nextIndex;
      for (const i of pending) doneBelow = Math.min(doneBelow, i);
      writeFileSync(stateFile, JSON.stringify({ ...state, doneBelow }));
    };
    const progress = new Progress(size, o.progress ?? process.stderr.isTTY);
    const concurrency = o.concurrency ?? DEFAULT_CONCURRENCY;
    const inFlight = new Set<Promise<void>>();
    let written = 0;
    let resumed = 0;
    let zeros = 0;
    let failure: unknown;
    // Read in pieces of several blocks, a few reads ahead, bypassing the page cache where the
    // filesystem allows (image-reader.ts: holes then cost nothing), and copy only data blocks
    // out, into buffers reused once their upload is answered: no allocation or zero-fill per block.
    const spare: Buffer[] = [];
    const reader = await ImageReader.open(raw.path);
    try {
      for await (const piece of reader.pieces(size, READ_BLOCKS * BLOCK_SIZE, READ_AHEAD)) {
        for (let at = 0; at < piece.data.length; at += BLOCK_SIZE) {
          if (failure) throw failure;
          const index = (piece.offset + at) / BLOCK_SIZE;
          const view = piece.data.subarray(at, Math.min(at + BLOCK_SIZE, piece.data.length));
          progress.add(view.length);
          nextIndex = index + 1;
          if (isZeroBlock(view)) {
            zeros++;
            continue;
          }
          if (index < resumeFrom) {
            // uploaded before the interruption: count it, don't send it again
            written++;
            resumed++;
            continue;
          }
          const buf = spare.pop() ?? Buffer.allocUnsafe(BLOCK_SIZE);
          view.copy(buf);
          if (view.length < BLOCK_SIZE) buf.fill(0, view.length); // the image's last, short block
          pending.add(index);
          const p = client.putBlock(snapshotId, index, buf).then(
            () => {
              written++;
              pending.delete(index);
              spare.push(buf);
              saveProgress();
              inFlight.delete(p);
            },
            (e: unknown) => {
              failure ??= e;
              inFlight.delete(p);
            },
          );
          inFlight.add(p);
          if (inFlight.size >= concurrency) await Promise.race(inFlight);
        }
      }
      await Promise.all(inFlight);
      if (failure) throw failure;
      saveProgress(true);
    } finally {
      await Promise.allSettled(inFlight);
      await reader.close();
      progress.finish();
    }
    await client.completeSnapshot(snapshotId, written);
    rmSync(stateFile, { force: true });
    return { snapshotId, volumeSizeGib, blocksWritten: written, zeroBlocksSkipped: zeros, resumedBlocks: resumed, bytesRead: size, seconds: (Date.now() - started) / 1000 };
  } finally {
    client.close();
    raw.cleanup();
  }
}

export interface ExportOptions extends EbsClientOptions {
  snapshotId: string;
  file: string;
  /** raw (default) or any qemu-img output format */
  format?: string;
  concurrency?: number;
  progress?: boolean;
}

/** Writes a snapshot as a sparse raw image (or converts it with qemu-img). */
export async function exportSnapshot(o: ExportOptions): Promise<{ bytes: number; blocks: number; seconds: number }> {
  const started = Date.now();
  const client = new EbsClient(o);
  const { volumeSize, blocks } = await client.listBlocks(o.snapshotId);
  const size = volumeSize * GIB;
  const format = o.format ?? 'raw';
  const dir = format === 'raw' ? undefined : mkdtempSync(join(tmpdir(), 'imago-export-'));
  const rawPath = dir ? join(dir, 'image.raw') : o.file;
  const fd = openSync(rawPath, 'w');
  const progress = new Progress(blocks.size * BLOCK_SIZE, o.progress ?? process.stderr.isTTY);
  try {
    ftruncateSync(fd, size); // sparse: unwritten blocks read as zeros and take no space
    const queue = [...blocks].sort((a, b) => a[0] - b[0]);
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [index, token] = next;
        const data = await client.getBlock(o.snapshotId, index, token);
        writeSync(fd, data, 0, data.length, index * BLOCK_SIZE);
        progress.add(data.length);
      }
    };
    await Promise.all(Array.from({ length: o.concurrency ?? 4 }, worker));
  } finally {
    client.close();
    closeSync(fd);
    progress.finish();
  }
  if (dir) {
    try {
      qemuImg(['convert', '-f', 'raw', '-O', format, rawPath, o.file]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  return { bytes: size, blocks: blocks.size, seconds: (Date.now() - started) / 1000 };
}
