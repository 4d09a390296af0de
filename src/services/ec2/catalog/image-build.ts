// Building the catalog's bootable images from their recipes (`images/<name>/build.sh`, shell
// scripts over Debian's tools) into the image cache (image-cache.ts). A build needs root and
// Debian's mirror and takes minutes, so its prerequisites are checked first and reported in one
// sentence; its progress comes as the script's `phase: NAME` lines, timed here.
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { delimiter, join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { recipeHash, withCachedImage, cachedImage, type CachedImage } from './image-cache.js';

export interface ImageRecipe {
  /** what `imago images build NAME` takes */
  name: string;
  /** the folder holding build.sh and everything it reads (all of it is hashed) */
  dir: string;
  /** commands build.sh needs on the host, with the Debian package that has each */
  tools: Record<string, string>;
  /** mirrors the build downloads from: environment variable build.sh reads, default, and a file to probe */
  mirrors: { env: string; url: string; probe: string }[];
}

const IMAGES_DIR = fileURLToPath(new URL('../../../../images/', import.meta.url));

export const RECIPES: Record<string, ImageRecipe> = {
  'debian-12': {
    name: 'debian-12',
    dir: join(IMAGES_DIR, 'debian-12'),
    tools: { mmdebstrap: 'mmdebstrap', sfdisk: 'fdisk', 'mkfs.ext4': 'e2fsprogs', 'mkfs.vfat': 'dosfstools', mcopy: 'mtools', mmd: 'mtools', chroot: 'coreutils' },
    mirrors: [
      { env: 'DEBIAN_MIRROR', url: 'http://deb.debian.org/debian', probe: 'dists/bookworm/Release' },
      { env: 'DEBIAN_SECURITY_MIRROR', url: 'http://deb.debian.org/debian-security', probe: 'dists/bookworm-security/Release' },
    ],
  },
};

export class ImageBuildError extends Error {}

/** The recipe called `name`; ImageBuildError naming the known ones otherwise. */
export function recipe(name: string): ImageRecipe {
  const r = RECIPES[name];
  if (!r) throw new ImageBuildError(`no image recipe ${name} (known: ${Object.keys(RECIPES).join(', ')})`);
  return r;
}

// root's tools live in sbin, which a user's PATH may lack
const SEARCH_PATH = [...(process.env.PATH ?? '').split(delimiter), '/usr/local/sbin', '/usr/sbin', '/sbin'].filter(Boolean);

function mirrorUrl(m: ImageRecipe['mirrors'][number], env: NodeJS.ProcessEnv): string {
  return (env[m.env] || m.url).replace(/\/+$/, '');
}

/** What stops this machine from building the recipe, one phrase each (empty: nothing). */
export async function missingPrerequisites(r: ImageRecipe, env: NodeJS.ProcessEnv = process.env): Promise<string[]> {
  const missing: string[] = [];
  if (process.getuid?.() !== 0) missing.push('it must run as root (mmdebstrap installs packages into a chroot)');
  const packages = new Set<string>();
  for (const [tool, pkg] of Object.entries(r.tools)) if (!SEARCH_PATH.some((d) => existsSync(join(d, tool)))) packages.add(pkg);
  if (packages.size) missing.push(`missing tools: apt-get install ${[...packages].join(' ')}`);
  for (const m of r.mirrors) {
    const url = `${mirrorUrl(m, env)}/${m.probe}`;
    try {
      const res = await fetch(url, { method: 'HEAD', signal: AbortSignal.timeout(10_000) });
      if (!res.ok) missing.push(`the Debian mirror answered ${res.status} for ${url} (set ${m.env})`);
    } catch (e) {
      missing.push(`the Debian mirror is unreachable: ${url}: ${(e as Error).message} (set ${m.env})`);
    }
  }
  return missing;
}

export interface BuildProgress {
  image: string;
  /** a phase of build.sh (`packages`, `customize`, `disk`), or `done` */
  phase: string;
  /** since the build started */
  elapsedMs: number;
}

export interface BuildOptions {
  cacheDir: string;
  onProgress?: (p: BuildProgress) => void;
  /** another process is building the same image: we wait for it */
  onWait?: (pid: number) => void;
  env?: NodeJS.ProcessEnv;
}

/** The recipe's image from the cache, if this version was built. */
export function cachedBuild(r: ImageRecipe, cacheDir: string): CachedImage | undefined {
  return cachedImage(cacheDir, r.name, recipeHash(r.dir));
}

/**
 * The recipe's image: from the cache, else built into it (prerequisites checked first; a
 * failure is an ImageBuildError with the end of the script's output).
 */
export async function buildImage(r: ImageRecipe, o: BuildOptions): Promise<CachedImage> {
  const env = o.env ?? process.env;
  return withCachedImage(
    o.cacheDir,
    r.name,
    recipeHash(r.dir),
    async (out) => {
      const missing = await missingPrerequisites(r, env);
      if (missing.length) throw new ImageBuildError(`cannot build ${r.name}: ${missing.join('; ')}`);
      await runBuild(r, out, env, o.onProgress);
    },
    { onWait: o.onWait },
  );
}

async function runBuild(r: ImageRecipe, out: string, env: NodeJS.ProcessEnv, onProgress?: (p: BuildProgress) => void): Promise<void> {
  const started = Date.now();
  const progress = (phase: string) => onProgress?.({ image: r.name, phase, elapsedMs: Date.now() - started });
  const mirrors = Object.fromEntries(r.mirrors.map((m) => [m.env, mirrorUrl(m, env)]));
  const child = spawn('bash', [join(r.dir, 'build.sh'), out], {
    env: { ...env, ...mirrors, PATH: SEARCH_PATH.join(delimiter), LC_ALL: 'C.UTF-8' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // the end of the output, for the error; phases as progress
  const tail: string[] = [];
  const read = (stream: NodeJS.ReadableStream) =>
    new Promise<void>((resolve) => {
      const lines = createInterface({ input: stream });
      lines.on('line', (line) => {
        const phase = /^phase: (\S+)$/.exec(line);
        if (phase) return progress(phase[1]);
        tail.push(line);
        if (tail.length > 40) tail.shift();
      });
      lines.on('close', resolve);
    });
  const exited = new Promise<number | null>((resolve, reject) => {
    child.once('error', reject);
    child.once('close', (code) => resolve(code));
  });
  const [code] = await Promise.all([exited, read(child.stdout), read(child.stderr)]);
  if (code !== 0) throw new ImageBuildError(`building ${r.name} failed (build.sh exited ${code}):\n${tail.join('\n')}`);
  progress('done');
}
