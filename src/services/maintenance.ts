// Data-plane maintenance over the whole store: garbage collection and fsck, with roots and
// references taken from snapshots and volumes, and keys opened as their owners. Used by the
// admin endpoints of a running server and by `imago gc` / `imago fsck` on a stopped one.
import type { BlockStorage } from '../blocks/block-storage.js';
import { GarbageCollector, gcOwner, type GcResult } from '../blocks/maintenance/gc.js';
import { fsck, type FsckReport } from '../blocks/maintenance/fsck.js';
import type { Store } from '../store/store.js';
import type { LineageKeys } from './ec2/encryption/lineage-keys.js';

export interface MaintenanceDeps {
  store: Store;
  blocks: BlockStorage;
  keys: LineageKeys;
}

export class Maintenance {
  /** this process's GC runs, one at a time (their condemned rows share one tag: gc.ts) */
  #gc: Promise<unknown> = Promise.resolve();
  readonly #gcOwner = gcOwner();

  constructor(private readonly deps: MaintenanceDeps) {}

  gc(options: { dryRun?: boolean; graceMs?: number } = {}): Promise<GcResult> {
    const run = this.#gc.catch(() => undefined).then(() => this.#runGc(options));
    this.#gc = run;
    return run;
  }

  #runGc(options: { dryRun?: boolean; graceMs?: number }): Promise<GcResult> {
    const { store, blocks } = this.deps;
    const collector = new GarbageCollector(blocks.chunks, store.blockMaps, {
      mapIds: async () => {
        const ids = new Set<string>();
        for (const s of await store.snapshots.all()) ids.add(s.map_id);
        for (const v of await store.volumes.all()) if (v.base_map_id) ids.add(v.base_map_id);
        return ids;
      },
      overlayChunkIds: async () => (await store.volumes.allOverlayChunks()).map((r) => r.chunk_id),
    }, () => store.barrier(), { arbiter: store.chunkArbitration, owner: this.#gcOwner });
    blocks.clearCache();
    return collector.run(options);
  }

  async fsck(options: { verifyData?: boolean } = {}): Promise<FsckReport> {
    const { store, blocks, keys } = this.deps;
    const snapshots = await store.snapshots.all();
    const volumes = await store.volumes.all();
    const lineageOfDataKey = async (dataKeyId: string | null) => (dataKeyId ? ((await store.dataKeys.get(dataKeyId))?.lineage_id ?? null) : null);
    const volumeLineage = new Map<string, string | null>();
    for (const v of volumes) volumeLineage.set(v.volume_id, await lineageOfDataKey(v.data_key_id));
    return fsck(
      blocks.chunks,
      store.blockMaps,
      {
        maps: [
          ...snapshots.map((s) => ({ mapId: s.map_id, by: `snapshot ${s.snapshot_id}` })),
          ...volumes.filter((v) => v.base_map_id).map((v) => ({ mapId: v.base_map_id!, by: `volume ${v.volume_id}` })),
        ],
        overlays: (await store.volumes.allOverlayChunks()).map((r) => ({ chunkId: r.chunk_id, lineageId: volumeLineage.get(r.volume_id) ?? null, by: `volume ${r.volume_id}` })),
      },
      {
        verifyData: options.verifyData,
        keyFor: async (lineageId) => {
          const row = await store.dataKeys.anyForLineage(lineageId);
          return row ? (await keys.openAsOwner(row.data_key_id)).lineage : undefined;
        },
      },
    );
  }
}
