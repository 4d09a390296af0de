// Pack file naming and the few filesystem calls the store needs. Packs fan out 4096 to a
// directory (32 MiB packs: 128 GiB per directory), so no directory grows without bound.
import { constants, closeSync, fsyncSync, openSync, readdirSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

const PER_DIR = 4096;

export function packDir(root: string, pack: number): string {
  return join(root, 'packs', Math.floor(pack / PER_DIR).toString(16).padStart(4, '0'));
}

export function packPath(root: string, pack: number): string {
  return join(packDir(root, pack), `${pack.toString().padStart(8, '0')}.pack`);
}

/** Every pack file on disk, by id (names that are not ours are left alone). */
export function listPackFiles(root: string): Map<number, string> {
  const out = new Map<number, string>();
  const packs = join(root, 'packs');
  for (const sub of readdirSync(packs, { withFileTypes: true })) {
    if (!sub.isDirectory() || !/^[0-9a-f]{4}$/.test(sub.name)) continue;
    for (const file of readdirSync(join(packs, sub.name))) {
      const m = /^(\d{8,})\.pack$/.exec(file);
      if (m) out.set(Number(m[1]), join(packs, sub.name, file));
    }
  }
  return out;
}

/** Makes a directory's entries (new or removed files) durable. */
export function fsyncDirSync(dir: string): void {
  const fd = openSync(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Read-write without O_APPEND: appends are positional, at offsets reserved in memory. */
export function openForWrite(path: string): Promise<FileHandle> {
  return open(path, constants.O_RDWR | constants.O_CREAT, 0o644);
}

/** Writes all of `buffers` at `position`, looping over short writes. */
export async function writeFully(fh: FileHandle, buffers: Buffer[], position: number): Promise<void> {
  let total = buffers.reduce((n, b) => n + b.length, 0);
  let { bytesWritten } = await fh.writev(buffers, position);
  while (bytesWritten < total) {
    const rest = Buffer.concat(buffers).subarray(bytesWritten);
    position += bytesWritten;
    total = rest.length;
    buffers = [rest];
    ({ bytesWritten } = await fh.writev(buffers, position));
    if (bytesWritten === 0) throw new Error('write made no progress');
  }
}

/** Reads up to `length` bytes at `position`; fewer only at end of file. */
export async function readFully(fh: FileHandle, length: number, position: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const { bytesRead } = await fh.read(buf, done, length - done, position + done);
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done === length ? buf : buf.subarray(0, done);
}

export async function fsyncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}
