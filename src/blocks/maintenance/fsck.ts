// Consistency check of the data plane: every referenced map exists, every parent exists, every
// chunk an entry or overlay names is stored, decodes (its authentication tag and checksum hold)
// and hashes to its id. Reports; never repairs.
import type { LineageKey } from '../block-storage.js';
import { sharedCodecPool, type CodecPool } from '../codec-pool.js';
import type { ChunkStore } from '../chunk-store.js';
import type { BlockMapsRepo } from '../../store/repos/block-maps.js';

export interface FsckIssue {
  kind: 'missing-map' | 'missing-parent' | 'missing-chunk' | 'corrupt-chunk' | 'key-unavailable';
  detail: string;
}

export interface FsckReferences {
  /** maps named by snapshots and volumes, with who names them (for messages) */
  maps: { mapId: string; by: string }[];
  /** overlay chunks of volumes, with their lineage */
  overlays: { chunkId: string; lineageId: string | null; by: string }[];
}

export interface FsckReport {
  maps: number;
  chunks: number;
  bytesVerified: number;
  issues: FsckIssue[];
  ok: boolean;
}

export interface FsckOptions {
  /** decode every chunk and re-hash it (default true); else only check presence */
  verifyData?: boolean;
  /** the key of an encrypted lineage (undefined: not available) */
  keyFor(lineageId: string): Promise<LineageKey | undefined>;
  /** where chunks are decoded (default: the process-wide pool) */
  codec?: CodecPool;
}

/** Chunks verified at once (reads and decodes overlap; the pool bounds the decodes). */
const VERIFY_WINDOW = 16;

export async function fsck(chunks: ChunkStore, maps: BlockMapsRepo, refs: FsckReferences, options: FsckOptions): Promise<FsckReport> {
  const issues: FsckIssue[] = [];
  const all = await maps.all();
  const byId = new Map(all.map((m) => [m.map_id, m]));
  for (const r of refs.maps) {
    if (!byId.has(r.mapId)) issues.push({ kind: 'missing-map', detail: `${r.by} names block map ${r.mapId}, which does not exist` });
  }
  for (const m of all) {
    if (m.parent_map_id && !byId.has(m.parent_map_id)) {
      issues.push({ kind: 'missing-parent', detail: `block map ${m.map_id} has parent ${m.parent_map_id}, which does not exist` });
    }
  }
  // every chunk once, with the lineage that encoded it
  const chunkLineage = new Map<string, { lineageId: string | null; by: string }>();
  for (let i = 0; i < all.length; i += 200) {
    const slice = all.slice(i, i + 200);
    for (const e of await maps.chainEntries(slice.map((m) => m.map_id))) {
      if (e.chunk_id && !chunkLineage.has(e.chunk_id)) chunkLineage.set(e.chunk_id, { lineageId: byId.get(e.map_id)!.lineage_id, by: `block map ${e.map_id}` });
    }
  }
  for (const o of refs.overlays) if (!chunkLineage.has(o.chunkId)) chunkLineage.set(o.chunkId, { lineageId: o.lineageId, by: o.by });

  const ids = [...chunkLineage.keys()];
  const present = new Set<string>();
  for (let i = 0; i < ids.length; i += 1000) {
    const slice = ids.slice(i, i + 1000);
    (await chunks.hasMany(slice)).forEach((has, j) => has && present.add(slice[j]));
  }
  for (const id of ids) if (!present.has(id)) issues.push({ kind: 'missing-chunk', detail: `chunk ${id} (used by ${chunkLineage.get(id)!.by}) is not stored` });

  let bytesVerified = 0;
  if (options.verifyData !== false) {
    const codec = options.codec ?? sharedCodecPool();
    const keys = new Map<string, Promise<LineageKey | undefined>>();
    const keyOf = (lineageId: string) => {
      let key = keys.get(lineageId);
      if (!key) keys.set(lineageId, (key = options.keyFor(lineageId).catch(() => undefined)));
      return key;
    };
    // found out of order, reported in id order (as the chunks are listed)
    const found = new Map<string, FsckIssue>();
    const verify = async (id: string) => {
      const { lineageId, by } = chunkLineage.get(id)!;
      const key = lineageId ? await keyOf(lineageId) : undefined;
      if (lineageId && !key) {
        found.set(id, { kind: 'key-unavailable', detail: `chunk ${id} (used by ${by}) cannot be verified: the key of lineage ${lineageId} is not usable` });
        return;
      }
      try {
        const payload = await chunks.get(id);
        await codec.decode(id, payload, { key: key?.chunkKey, verify: true });
        bytesVerified += payload.length;
      } catch (e) {
        found.set(id, { kind: 'corrupt-chunk', detail: `chunk ${id} (used by ${by}): ${(e as Error).message}` });
      }
    };
    const todo = ids.filter((id) => present.has(id)).values();
    await Promise.all(
      Array.from({ length: VERIFY_WINDOW }, async () => {
        for (let next = todo.next(); !next.done; next = todo.next()) await verify(next.value);
      }),
    );
    for (const id of ids) if (found.has(id)) issues.push(found.get(id)!);
  }
  return { maps: all.length, chunks: ids.length, bytesVerified, issues, ok: issues.length === 0 };
}
