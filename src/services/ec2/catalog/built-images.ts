// Publishing built images in the public catalog: a cached build (image-build.ts) is imported
// into the data directory's block store once — one sealed map of an 8 GiB volume, recorded in
// the catalog's state (built-image-record.ts) — and the catalog, seeded again, lists it in place
// of its placeholder, with the `/aws/service/debian/...` parameters pointing at it.
//
// `ensureBuiltImages` is what a server runs in the background at start-up: it imports a cached
// build if there is one, else builds (when asked to and able to), and never throws.
import type { BlockStorage } from '../../../blocks/block-storage.js';
import type { Logger } from '../../../logger.js';
import type { Store } from '../../../store/store.js';
import { BASE_DISK_GIB } from './base-disk.js';
import { builtStateKey, readBuiltImage, type BuiltImageRecord } from './built-image-record.js';
import { debian12BuildName, debianSerial } from './builtin-catalog.js';
import type { Catalog } from './catalog.js';
import { catalogId, emptyRows } from './catalog-rows.js';
import { buildImage, cachedBuild, ImageBuildError, RECIPES, type BuildProgress, type ImageRecipe } from './image-build.js';
import { defaultImageCacheDir, type CachedImage } from './image-cache.js';
import { importRawImage } from './raw-import.js';

const GIB = 1024 ** 3;

export interface PublishedImage {
  /** the recipe, e.g. `debian-12` */
  recipe: string;
  name: string;
  /** the image's id in every served region */
  imageIds: Record<string, string>;
  mapId: string;
  /** whether this call imported the build (false: it was imported before) */
  imported: boolean;
}

export interface ImportDeps {
  store: Store;
  blocks: BlockStorage;
  log?: Logger;
}

// one import at a time per store: start-up and an operator's request may ask at once
const importing = new WeakMap<Store, Promise<unknown>>();

function serialized<T>(store: Store, run: () => Promise<T>): Promise<T> {
  const next = (importing.get(store) ?? Promise.resolve()).then(run, run);
  importing.set(store, next.catch(() => {}));
  return next;
}

/**
 * Imports a cached build into the block store unless this very build was imported before, and
 * records it; the catalog publishes it at its next seeding.
 */
export function importBuiltImage(deps: ImportDeps, cached: CachedImage): Promise<{ record: BuiltImageRecord; imported: boolean }> {
  return serialized(deps.store, async () => {
    const { store, blocks, log } = deps;
    const previous = await readBuiltImage(store, cached.name);
    if (previous?.hash === cached.hash && (await blocks.getMap(previous.mapId))?.sealed) return { record: previous, imported: false };
    log?.info('importing built image', { image: cached.name, path: cached.path });
    const started = Date.now();
    let reported = 0;
    const { mapId, dataBlocks } = await importRawImage(blocks, cached.path, BASE_DISK_GIB * GIB, (done, total) => {
      if (done / total < reported + 0.25 && done < total) return;
      reported = done / total;
      log?.info('importing built image', { image: cached.name, percent: Math.floor(100 * reported) });
    });
    const builtAt = cached.builtAt.toISOString();
    const record: BuiltImageRecord = {
      hash: cached.hash,
      mapId,
      builtAt,
      // a new name for every build imported here (a rebuild the same day included)
      serial: Math.max(debianSerial(cached.builtAt) + 1, (previous?.serial ?? 0) + 1),
      retired: previous ? [...previous.retired, debian12BuildName(previous)] : [],
    };
    await store.catalog.seed(emptyRows(), { [builtStateKey(cached.name)]: JSON.stringify(record) });
    log?.info('imported built image', { image: cached.name, mapId, dataBlocks, ms: Date.now() - started });
    return { record, imported: true };
  });
}

/** A recorded build's catalog name and ids. */
export function publishedImage(recipe: string, record: BuiltImageRecord, regions: readonly string[], imported: boolean): PublishedImage {
  const name = debian12BuildName(record);
  return { recipe, name, imageIds: Object.fromEntries(regions.map((r) => [r, catalogId('ami', r, name)])), mapId: record.mapId, imported };
}

export interface BuiltImageDeps extends ImportDeps {
  catalog: Catalog;
  log: Logger;
  /** default: defaultImageCacheDir() */
  cacheDir?: string;
  /** build an image the cache lacks (needs root and Debian's mirror; minutes); else import only */
  build: boolean;
}

/**
 * Imports (and first builds, when `build` is set) one recipe's image, then seeds the catalog.
 * When the cache has no build and `build` is off: what an earlier import published, if any.
 * ImageBuildError when it cannot build.
 */
export async function ensureBuiltImage(deps: BuiltImageDeps, r: ImageRecipe, onProgress?: (p: BuildProgress) => void): Promise<PublishedImage | undefined> {
  const { log, catalog } = deps;
  const cacheDir = deps.cacheDir ?? defaultImageCacheDir();
  let cached = cachedBuild(r, cacheDir);
  if (!cached) {
    if (!deps.build) {
      // an earlier import stays published
      const record = await readBuiltImage(deps.store, r.name);
      if (record) return publishedImage(r.name, record, catalog.regions, false);
      log.info(`image ${r.name} is not in the image cache ${cacheDir}; ${buildHint(r)}`);
      return undefined;
    }
    cached = await buildImage(r, {
      cacheDir,
      onProgress: onProgress ?? ((p) => log.info('building image', { ...p })),
      onWait: (pid) => log.info('building image: waiting for another builder', { image: r.name, pid }),
    });
  }
  const { record, imported } = await importBuiltImage(deps, cached);
  for (const warning of (await catalog.seed()).warnings) log.warn(warning);
  return publishedImage(r.name, record, catalog.regions, imported);
}

const buildHint = (r: ImageRecipe) => `build it as root with: imago images build ${r.name}`;

/**
 * Every recipe's image published in the catalog: imported from the image cache, or built first
 * when `build` is set and the machine can; what cannot be done is logged. Never throws.
 */
export async function ensureBuiltImages(deps: BuiltImageDeps): Promise<PublishedImage[]> {
  const out: PublishedImage[] = [];
  for (const r of Object.values(RECIPES)) {
    try {
      const published = await ensureBuiltImage(deps, r);
      if (!published) continue;
      out.push(published);
      deps.log.info('built image published', { image: r.name, name: published.name, imported: published.imported });
    } catch (e) {
      if (e instanceof ImageBuildError) deps.log.warn(`image ${r.name} not published: ${e.message}; ${buildHint(r)}`);
      else deps.log.error('built image not published', { image: r.name, err: (e as Error).message });
    }
  }
  return out;
}
