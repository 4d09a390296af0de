// The public image catalog: platform-owned base images in every served region, seeded at startup
// and after an admin reset, and the `/aws/service/...` SSM parameters that name them.
//
// Seeding is idempotent and cheap when nothing changed: the catalog's anchor day and a
// fingerprint of what was seeded are stored; a restart with the same catalog writes nothing.
// Otherwise each base disk is written once through BlockStorage (its blocks are content
// addressed, so a rewrite stores nothing new) into one sealed map that every region's snapshot
// shares, and the missing rows are inserted in one transaction. Images built and imported into
// the data directory (built-images.ts) replace their placeholders; the rows of what they replaced
// are deprecated in the same transaction (rows are otherwise never updated).
import { createHash } from 'node:crypto';
import type { BlockStorage } from '../../../blocks/block-storage.js';
import type { Store } from '../../../store/store.js';
import { anchorOf, builtinCatalog, DEBIAN_12_RECIPE } from './builtin-catalog.js';
import { readBuiltImage, type BuiltImages } from './built-image-record.js';
import { buildBaseDisk, type BaseDisk } from './base-disk.js';
import { CatalogFileError, readCatalogFile } from './catalog-file.js';
import { addImageRows, catalogId, emptyRows, type DiskMap, type RowFactory } from './catalog-rows.js';
import type { CatalogImage } from './catalog-spec.js';
import { PublicParameters } from './public-parameters.js';
import { Marketplace } from './marketplace.js';

const GIB = 1024 ** 3;
/** bump when the rows a spec produces change shape, so existing data dirs are seeded again */
const ROWS_VERSION = 1;

export interface CatalogDeps {
  store: Store;
  blocks: BlockStorage;
  newRow: RowFactory;
  /** every served region */
  regions: readonly string[];
  /** where catalog.json is read from; none: built-in images only */
  dataDir?: string;
  /** more built-in entries: moto's example images under `--compat moto` (moto-catalog.ts) */
  extraImages?: readonly CatalogImage[];
  now?: () => Date;
}

export interface SeedResult {
  anchor: string;
  images: number;
  /** whether rows were written (false: the stored fingerprint matched) */
  wrote: boolean;
  /** operator entries that were skipped, and why */
  warnings: string[];
}

export class Catalog {
  private images: CatalogImage[] = [];
  private parameters = new PublicParameters([]);
  /** AWS Marketplace subscriptions: `assertCanLaunch(caller, image)` before launching */
  readonly marketplace: Marketplace;

  constructor(private readonly deps: CatalogDeps) {
    this.marketplace = new Marketplace(deps.store);
  }

  /** Seeds what is missing; throws CatalogFileError for a bad catalog.json. */
  async seed(): Promise<SeedResult> {
    const { store } = this.deps;
    const storedAnchor = await store.catalog.state('anchor');
    const anchor = storedAnchor ? new Date(storedAnchor) : anchorOf(this.now());
    const file = this.deps.dataDir ? readCatalogFile(this.deps.dataDir, anchor) : { images: [], text: '' };
    const builtin = builtinCatalog(anchor, await this.builtImages());
    const specs = [...builtin.images, ...(this.deps.extraImages ?? []), ...file.images];
    this.check(specs);
    const retired = builtin.retired;
    const fingerprint = createHash('sha256')
      .update(JSON.stringify({ v: ROWS_VERSION, regions: this.deps.regions, specs, ...(retired.length ? { retired } : {}) }))
      .digest('hex');
    const warnings: string[] = [];
    // a stored fingerprint means every entry was seeded (a skipped one leaves it unset)
    let seeded = specs;
    let wrote = false;
    if ((await store.catalog.state('fingerprint')) !== fingerprint) {
      const { maps, state } = await this.disks(specs, warnings);
      seeded = specs.filter((s) => maps.has(diskKey(s)));
      const rows = emptyRows();
      for (const spec of seeded) {
        for (const region of spec.regions ?? this.deps.regions) addImageRows(rows, spec, region, maps.get(diskKey(spec))!, this.deps.newRow);
      }
      // rows, state and retirements in one commit
      const deprecate = { imageIds: retired.flatMap((key) => this.deps.regions.map((region) => catalogId('ami', region, key))), time: this.now().toISOString() };
      await store.catalog.seed(rows, { ...state, anchor: anchor.toISOString(), ...(warnings.length ? {} : { fingerprint }) }, deprecate);
      wrote = true;
    }
    this.images = seeded;
    this.parameters = new PublicParameters(seeded);
    return { anchor: anchor.toISOString(), images: seeded.length, wrote, warnings };
  }

  /** Every served region. */
  get regions(): readonly string[] {
    return this.deps.regions;
  }

  /** The catalog's images as seeded (every region unless an entry lists its regions). */
  entries(): readonly CatalogImage[] {
    return this.images;
  }

  /** The id of a catalog image in a region. */
  imageId(region: string, key: string): string {
    return catalogId('ami', region, key);
  }

  publicParameters(): PublicParameters {
    return this.parameters;
  }

  private now(): Date {
    return (this.deps.now ?? (() => new Date()))();
  }

  /** Builds imported into this data directory whose block map is still stored. */
  private async builtImages(): Promise<BuiltImages> {
    const record = await readBuiltImage(this.deps.store, DEBIAN_12_RECIPE);
    return record && (await this.deps.blocks.getMap(record.mapId))?.sealed ? { [DEBIAN_12_RECIPE]: record } : {};
  }

  private check(specs: readonly CatalogImage[]): void {
    const keys = new Set<string>();
    const names = new Set<string>();
    const regions = new Set(this.deps.regions);
    for (const s of specs) {
      if (keys.has(s.key)) throw new CatalogFileError(`catalog image key ${s.key} is used twice`);
      keys.add(s.key);
      const name = `${s.owner.accountId}/${s.name}`;
      if (names.has(name)) throw new CatalogFileError(`catalog image name ${s.name} is used twice by owner ${s.owner.accountId}`);
      names.add(name);
      for (const r of s.regions ?? []) if (!regions.has(r)) throw new CatalogFileError(`catalog image ${s.name}: unknown region ${r}`);
    }
  }

  /**
   * Disk maps by disk key: built-in disks written once (all their blocks, one flush, then their
   * maps), snapshot-backed ones looked up; `state` names the new disk maps, to be stored.
   */
  private async disks(specs: readonly CatalogImage[], warnings: string[]): Promise<{ maps: Map<string, DiskMap>; state: Record<string, string> }> {
    const { store, blocks } = this.deps;
    const maps = new Map<string, DiskMap>();
    const state: Record<string, string> = {};
    const toWrite: { key: string; stateKey: string; disk: BaseDisk }[] = [];
    for (const spec of specs) {
      const key = diskKey(spec);
      if (maps.has(key) || toWrite.some((w) => w.key === key)) continue;
      if ('builtin' in spec.disk) {
        const disk = buildBaseDisk(spec.disk.builtin);
        const stateKey = `disk:${disk.key}:${disk.digest}`;
        const known = await store.catalog.state(stateKey);
        if (known && (await blocks.getMap(known))) maps.set(key, { mapId: known, sizeGiB: disk.sizeBytes / GIB });
        else toWrite.push({ key, stateKey, disk });
        continue;
      }
      if ('mapId' in spec.disk) {
        maps.set(key, { mapId: spec.disk.mapId, sizeGiB: (await blocks.getMap(spec.disk.mapId))!.size_bytes / GIB });
        continue;
      }
      const snap = await store.snapshots.get(spec.disk.snapshotId);
      if (!snap || snap.state !== 'completed' || snap.encrypted) {
        warnings.push(`catalog image ${spec.name} skipped: snapshot ${spec.disk.snapshotId} ${!snap ? 'does not exist' : snap.encrypted ? 'is encrypted (public images cannot be)' : `is ${snap.state}`}`);
        continue;
      }
      maps.set(key, { mapId: snap.map_id, sizeGiB: snap.volume_size });
    }
    // data, then the maps' entries, then their seals: a crash leaves no entry without its data
    const entries = new Map<string, [number, string | null][]>();
    for (const w of toWrite) {
      const list: [number, string | null][] = [];
      for (const [index, block] of w.disk.blocks) list.push([index, await blocks.storeBlock(block)]);
      entries.set(w.key, list);
    }
    if (toWrite.length) await blocks.flush();
    for (const w of toWrite) {
      const mapId = await blocks.createMap({ sizeBytes: w.disk.sizeBytes, lineageId: null, sealed: false });
      await blocks.putEntries(mapId, entries.get(w.key)!);
      await blocks.seal(mapId);
      maps.set(w.key, { mapId, sizeGiB: w.disk.sizeBytes / GIB });
      state[w.stateKey] = mapId;
    }
    return { maps, state };
  }
}

function diskKey(spec: CatalogImage): string {
  const d = spec.disk;
  return 'builtin' in d ? `builtin:${d.builtin}` : 'mapId' in d ? `map:${d.mapId}` : `snapshot:${d.snapshotId}`;
}
