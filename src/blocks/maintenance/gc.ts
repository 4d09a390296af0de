// Garbage collection, plan-then-execute, safe while uploads and writes are in flight.
//
// Plan (read-only):
//   live maps   = closure over parent pointers of the roots: maps of snapshots and volume bases,
//                 plus unsealed maps whose lease has not expired (uploads in flight)
//   dead maps   = every other map
//   live chunks = entries of live maps + volume overlays
//   dead chunks = stored chunks that are not live and were last written before now - grace
// Execute: delete dead maps (metadata first, made durable), then recompute liveness and delete
// the planned chunks that are still dead, on one condition checked by the chunk store itself,
// atomically with its puts and touches: the chunk was not written since the plan's cut-off.
// A write that deduplicates onto a planned chunk touches it (refreshing its write time) before
// it references it, so whichever comes first wins: the touch (the delete keeps the chunk) or
// the delete (the touch finds nothing and the writer stores the block again). A re-check by
// listing alone would leave a window between the check and the delete. Then compact.
// Never stop-the-world.
//
// Nodes sharing a bucket (chunk-arbiter.ts): that condition is atomic only in one process, so
// with an arbiter the planned chunks are first committed as condemned in the shared database
// (less those a dedup hit on any node touched since the cut-off), touches are read again (a
// touched chunk is spared), the rest deleted, the deletes flushed (tombstones written, the
// epoch advanced), and only then the condemned rows released. Before planning, the store
// catches up with the other nodes' writes (`refresh`), so their garbage is seen too.
import { randomBytes } from 'node:crypto';
import type { GcArbiter } from '../chunk-arbiter.js';
import type { ChunkStore } from '../chunk-store.js';
import type { BlockMapsRepo } from '../../store/repos/block-maps.js';

export interface GcRoots {
  /** maps that snapshots and volumes use */
  mapIds(): Promise<Iterable<string>>;
  /** chunks volume overlays use */
  overlayChunkIds(): Promise<Iterable<string>>;
}

export interface GcPlan {
  createdAt: string;
  /** chunks last written before this are eligible */
  cutoff: string;
  deadMaps: string[];
  deadChunks: { id: string; size: number }[];
  liveMaps: number;
  liveChunks: number;
  reclaimableBytes: number;
}

export interface GcHooks {
  /** test seam: runs after the last liveness check, before the chunks are condemned (with an arbiter) */
  beforeCondemn?(ids: readonly string[]): Promise<void>;
  /** test seam: runs after the chunks are condemned, before touches are read again */
  afterCondemn?(ids: readonly string[]): Promise<void>;
  /** test seam: runs after the last liveness check (and the last read of touches), before the chunks are deleted */
  beforeChunkDelete?(ids: readonly string[]): Promise<void>;
}

/** The shared database's side of GC, and who this GC is there. */
export interface GcArbitration {
  arbiter: GcArbiter;
  /**
   * this process's tag on its condemned rows: one GC at a time per process, whose release
   * also releases rows of its earlier runs that failed after deleting (their tombstones are
   * written by this run's flush)
   */
  owner: string;
}

/** A tag for this process's GC runs. */
export const gcOwner = (): string => `gc-${randomBytes(8).toString('hex')}`;

export interface GcOptions {
  graceMs?: number;
  dryRun?: boolean;
  now?: Date;
  hooks?: GcHooks;
}

export interface GcResult extends GcPlan {
  dryRun: boolean;
  deletedMaps: number;
  deletedChunks: number;
  reclaimedBytes: number;
}

export class GarbageCollector {
  constructor(
    private readonly chunks: ChunkStore,
    private readonly maps: BlockMapsRepo,
    private readonly roots: GcRoots,
    /** makes the maps' deletion durable (the metadata store's barrier) before chunks go */
    private readonly durable: () => Promise<void> = async () => undefined,
    /** nodes sharing the chunk store: the cross-node arbiter (see the header) */
    private readonly arbitration?: GcArbitration,
  ) {}

  private async liveness(now: Date): Promise<{ liveMaps: Set<string>; deadMaps: string[]; liveChunks: Set<string> }> {
    const all = await this.maps.all();
    const byId = new Map(all.map((m) => [m.map_id, m]));
    const liveMaps = new Set<string>();
    const visit = (id: string | null) => {
      while (id && !liveMaps.has(id)) {
        liveMaps.add(id);
        id = byId.get(id)?.parent_map_id ?? null;
      }
    };
    for (const id of await this.roots.mapIds()) visit(id);
    for (const m of all) {
      if (!m.sealed && m.lease_until && Date.parse(m.lease_until) > now.getTime()) visit(m.map_id);
    }
    const deadMaps = all.filter((m) => !liveMaps.has(m.map_id)).map((m) => m.map_id);
    const liveChunks = new Set<string>();
    const live = [...liveMaps];
    for (let i = 0; i < live.length; i += 200) {
      for (const e of await this.maps.chainEntries(live.slice(i, i + 200))) if (e.chunk_id) liveChunks.add(e.chunk_id);
    }
    for (const id of await this.roots.overlayChunkIds()) liveChunks.add(id);
    return { liveMaps, deadMaps, liveChunks };
  }

  async plan(options: Pick<GcOptions, 'graceMs' | 'now'> = {}): Promise<GcPlan> {
    const now = options.now ?? new Date();
    const cutoff = new Date(now.getTime() - (options.graceMs ?? 3600_000));
    await this.chunks.refresh?.();
    const { liveMaps, deadMaps, liveChunks } = await this.liveness(now);
    const deadChunks: { id: string; size: number }[] = [];
    for await (const stat of this.chunks.list()) {
      if (liveChunks.has(stat.id)) continue;
      if (stat.writtenAt !== undefined && stat.writtenAt >= cutoff.getTime()) continue;
      deadChunks.push({ id: stat.id, size: stat.size });
    }
    return {
      createdAt: now.toISOString(),
      cutoff: cutoff.toISOString(),
      deadMaps,
      deadChunks,
      liveMaps: liveMaps.size,
      liveChunks: liveChunks.size,
      reclaimableBytes: deadChunks.reduce((n, c) => n + c.size, 0),
    };
  }

  async run(options: GcOptions = {}): Promise<GcResult> {
    const plan = await this.plan(options);
    if (options.dryRun) return { ...plan, dryRun: true, deletedMaps: 0, deletedChunks: 0, reclaimedBytes: 0 };
    // metadata first: once no map names a chunk, deleting the chunk cannot dangle
    await this.maps.delete(plan.deadMaps);
    await this.durable();
    const { liveChunks } = await this.liveness(new Date());
    const cutoff = Date.parse(plan.cutoff);
    const candidates = new Set(plan.deadChunks.map((c) => c.id));
    const doomed: { id: string; size: number }[] = [];
    for await (const stat of this.chunks.list()) {
      if (!candidates.has(stat.id) || liveChunks.has(stat.id)) continue;
      if (stat.writtenAt !== undefined && stat.writtenAt >= cutoff) continue; // re-put since the plan
      doomed.push({ id: stat.id, size: stat.size });
    }
    const kept = new Set<string>();
    let ids = doomed.map((c) => c.id);
    await options.hooks?.beforeCondemn?.(ids);
    const arbiter = this.arbitration?.arbiter;
    if (arbiter) {
      // dedup hits on other nodes since the cut-off: not condemned at all
      for (const id of await arbiter.touchedSince(ids, cutoff)) kept.add(id);
      ids = ids.filter((id) => !kept.has(id));
      await arbiter.condemn(this.arbitration!.owner, ids, Date.now());
      await options.hooks?.afterCondemn?.(ids);
      // committed as condemned first: a touch not seen here sees the chunk condemned
      for (const id of await arbiter.touchedSince(ids, cutoff)) kept.add(id);
      ids = ids.filter((id) => !kept.has(id));
    }
    await options.hooks?.beforeChunkDelete?.(ids);
    for (let i = 0; i < ids.length; i += 1000) {
      for (const id of await this.chunks.delete(ids.slice(i, i + 1000), { writtenBefore: cutoff })) kept.add(id);
    }
    // A failure from here up: the rows stay until this process's next GC has flushed (a chunk
    // deleted here but in no tombstone yet must not be reused by another node meanwhile).
    await this.chunks.flush();
    if (arbiter) {
      await arbiter.release(this.arbitration!.owner);
      await arbiter.pruneTouches(cutoff);
    }
    const deleted = doomed.filter((c) => !kept.has(c.id));
    const reclaimed = (await this.chunks.compact?.())?.reclaimedBytes;
    return {
      ...plan,
      dryRun: false,
      deletedMaps: plan.deadMaps.length,
      deletedChunks: deleted.length,
      reclaimedBytes: reclaimed ?? deleted.reduce((n, c) => n + c.size, 0),
    };
  }
}
