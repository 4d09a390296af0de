// The cache of built disk images: one sparse raw file per recipe version,
// `<cache>/<name>-<recipe hash>.raw`, so a changed recipe builds anew and an unchanged one is
// reused at once. A build writes a temporary name in the same directory and renames it into
// place (atomic: a reader sees a whole image or none, even with two builders at once); a lock
// file keeps a second process from repeating a build in progress (waiting for it instead).
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync, statSync, unlinkSync, writeFileSync, mkdirSync, renameSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, relative } from 'node:path';

export interface CachedImage {
  /** the recipe's name, e.g. `debian-12` */
  name: string;
  /** the recipe files' hash (16 hex digits) */
  hash: string;
  path: string;
  /** when the build finished (the file's modification time) */
  builtAt: Date;
  sizeBytes: number;
}

/** `$IMAGO_IMAGE_CACHE`, else `${XDG_CACHE_HOME:-$HOME/.cache}/imago/images`. */
export function defaultImageCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.IMAGO_IMAGE_CACHE) return env.IMAGO_IMAGE_CACHE;
  return join(env.XDG_CACHE_HOME || join(env.HOME || homedir(), '.cache'), 'imago', 'images');
}

/** SHA-256 over every file of a recipe folder (relative path, executable bit, content), 16 hex digits. */
export function recipeHash(dir: string): string {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(join(d, e.name));
      else if (e.isFile()) files.push(join(d, e.name));
    }
  };
  walk(dir);
  const h = createHash('sha256');
  for (const f of files.map((f) => relative(dir, f)).sort()) {
    const path = join(dir, f);
    h.update(`${f}\0${statSync(path).mode & 0o111 ? 'x' : '-'}\0`).update(readFileSync(path)).update('\0');
  }
  return h.digest('hex').slice(0, 16);
}

const imageFile = (name: string, hash: string) => `${name}-${hash}.raw`;

/** The cached build of this recipe version, if there is one. */
export function cachedImage(cacheDir: string, name: string, hash: string): CachedImage | undefined {
  const path = join(cacheDir, imageFile(name, hash));
  try {
    const st = statSync(path);
    return { name, hash, path, builtAt: st.mtime, sizeBytes: st.size };
  } catch {
    return undefined;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export interface CacheBuildHooks {
  /** another process is building the same version: we wait for it */
  onWait?: (pid: number) => void;
  /** how often to look at the other builder (default 2 s) */
  pollMs?: number;
}

/**
 * The cached build of a recipe version, running `build(tempPath)` to make it when there is none.
 * The lock is advisory: if two processes ever both build (a stale lock broken by both), each
 * renames its own complete file into place, so the cache is never corrupt.
 */
export async function withCachedImage(cacheDir: string, name: string, hash: string, build: (tempPath: string) => Promise<void>, hooks: CacheBuildHooks = {}): Promise<CachedImage> {
  mkdirSync(cacheDir, { recursive: true });
  const lock = join(cacheDir, `${name}-${hash}.lock`);
  for (;;) {
    const hit = cachedImage(cacheDir, name, hash);
    if (hit) return hit;
    try {
      writeFileSync(lock, String(process.pid), { flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const pid = Number(readFileSync(lock, 'utf8'));
      if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
        hooks.onWait?.(pid);
        await new Promise((r) => setTimeout(r, hooks.pollMs ?? 2000));
      } else {
        unlinkSync(lock); // left by a builder that died
      }
      continue;
    }
    const temp = join(cacheDir, `.${imageFile(name, hash)}.${process.pid}.tmp`);
    try {
      if (cachedImage(cacheDir, name, hash)) continue; // finished while we took the lock
      await build(temp);
      renameSync(temp, join(cacheDir, imageFile(name, hash)));
      pruneOtherVersions(cacheDir, name, hash);
    } finally {
      try {
        unlinkSync(temp);
      } catch {
        // renamed into place, or never written
      }
      unlinkSync(lock);
    }
  }
}

/** Earlier versions of a recipe's image: superseded (data directories keep their own copy). */
function pruneOtherVersions(cacheDir: string, name: string, hash: string): void {
  const version = /^[0-9a-f]{16}\.raw$/;
  for (const f of readdirSync(cacheDir)) {
    if (f.startsWith(`${name}-`) && version.test(f.slice(name.length + 1)) && f !== imageFile(name, hash)) unlinkSync(join(cacheDir, f));
  }
}
