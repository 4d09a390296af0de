// A built image imported into a data directory (built-images.ts), as the catalog's state keeps
// it (`built:<recipe>`): which cached build it was, the block map holding its disk, and the
// catalog keys it supersedes, so the catalog publishes it and retires what it replaced.
import type { Store } from '../../../store/store.js';

export interface BuiltImageRecord {
  /** the recipe version (image-cache.ts): the same build is imported once */
  hash: string;
  /** the sealed block map of the root volume */
  mapId: string;
  /** ISO time the build finished: the release date in the image's name */
  builtAt: string;
  /** the build serial in the image's name (grows with every build imported here) */
  serial: number;
  /** catalog keys of the images this one replaced (placeholder, earlier builds): deprecated */
  retired: string[];
}

/** Imported builds by recipe name. */
export type BuiltImages = Partial<Record<string, BuiltImageRecord>>;

export const builtStateKey = (recipe: string) => `built:${recipe}`;

export async function readBuiltImage(store: Store, recipe: string): Promise<BuiltImageRecord | undefined> {
  const text = await store.catalog.state(builtStateKey(recipe));
  return text ? (JSON.parse(text) as BuiltImageRecord) : undefined;
}
