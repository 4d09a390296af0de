// Key files: the base64 of 32 random bytes on one line, private to their owner (0600). The KEK
// (kek.ts) is one; before key material moved into the database (migration 0019) the master key
// was one too (`<data-dir>/master.key`, adopted by master-key.ts).
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';

/** Key material that cannot be used as it is: the message says what to do (server start-up refuses with it). */
export class KeyMaterialError extends Error {}

export function decodeKey(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || key.length !== 32) {
    throw new KeyMaterialError(`${source} must be the base64 encoding of exactly 32 bytes`);
  }
  return key;
}

/** The key in `path`, or undefined when there is no such file. */
export function readKeyFile(path: string): Buffer | undefined {
  try {
    return decodeKey(readFileSync(path, 'utf8'), path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
}

/** A key's name in messages and in the store: it tells keys apart and reveals nothing of them. */
export function keyFingerprint(key: Buffer): string {
  return createHash('sha256').update('imago key fingerprint v1\0').update(key).digest('hex').slice(0, 16);
}

/**
 * The key in `path`, created (random, 0600) when absent. Written to a private temp file, synced,
 * then hard-linked into place: a crash never leaves a half-written key, and of two racing
 * starts exactly one key wins.
 */
export function loadOrCreateKeyFile(path: string): Buffer {
  const existing = readKeyFile(path);
  if (existing) return existing;
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${randomBytes(32).toString('base64')}\n`);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  } finally {
    unlinkSync(tmp);
  }
  syncDir(dir);
  return decodeKey(readFileSync(path, 'utf8'), path);
}

/** Removes a key file for good (the directory entry synced). */
export function removeKeyFile(path: string): void {
  unlinkSync(path);
  syncDir(dirname(path));
}

function syncDir(dir: string): void {
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}
