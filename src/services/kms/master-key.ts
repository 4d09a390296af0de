// The master key that wraps every KMS key's material at rest: env IMAGO_MASTER_KEY (base64 of
// 32 bytes) when set, else `<dataDir>/master.key`, created with mode 0600 on first start.
// Losing it loses every key (and so all encrypted data); keep it out of backups of the data dir
// by setting the env variable in production.
import { randomBytes } from 'node:crypto';
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export const MASTER_KEY_ENV = 'IMAGO_MASTER_KEY';
export const MASTER_KEY_FILE = 'master.key';

export class MasterKeyError extends Error {}

function decode(text: string, source: string): Buffer {
  const trimmed = text.trim();
  const key = Buffer.from(trimmed, 'base64');
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(trimmed) || key.length !== 32) {
    throw new MasterKeyError(`${source} must be the base64 encoding of exactly 32 bytes`);
  }
  return key;
}

export function loadMasterKey(dataDir: string, env: NodeJS.ProcessEnv = process.env): Buffer {
  const fromEnv = env[MASTER_KEY_ENV];
  if (fromEnv !== undefined && fromEnv !== '') return decode(fromEnv, MASTER_KEY_ENV);
  const path = join(dataDir, MASTER_KEY_FILE);
  try {
    return decode(readFileSync(path, 'utf8'), path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  return createKeyFile(dataDir, path);
}

// Written to a private temp file, synced, then hard-linked into place: a crash never leaves a
// half-written master.key, and of two racing starts exactly one key wins.
function createKeyFile(dataDir: string, path: string): Buffer {
  mkdirSync(dataDir, { recursive: true });
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
  const dir = openSync(dataDir, 'r');
  try {
    fsyncSync(dir);
  } finally {
    closeSync(dir);
  }
  return decode(readFileSync(path, 'utf8'), path);
}
