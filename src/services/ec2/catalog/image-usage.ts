// What images cost in storage (`imago images`, GET /_imago/images): per image, its logical size
// (the sum of its EBS mappings), the data its snapshots hold, the bytes only it holds (chunks no
// snapshot or volume outside the image references: what deregistering it with its snapshots
// would let GC reclaim) and the bytes it shares. Computed from block maps (no chunk is read);
// sizes are logical 512 KiB blocks before compression. A catalog image shares all of its data:
// every region's copy points at one disk.
import { BLOCK_SIZE } from '../../../blocks/block-size.js';
import { chunkReferences, type AccountingDeps } from '../snapshots/storage-accounting.js';
import type { ImageVolumesRow } from '../../../store/repos/catalog.js';

const GIB = 1024 ** 3;

export interface ImageUsage extends Omit<ImageVolumesRow, 'volumes'> {
  snapshots: string[];
  logicalBytes: number;
  dataBytes: number;
  uniqueBytes: number;
  sharedBytes: number;
}

export interface UsageScope {
  accountId?: string;
  region?: string;
  /** include the public catalog's images (default: only accounts' own) */
  catalog?: boolean;
}

export async function imageUsage(deps: AccountingDeps, scope: UsageScope = {}): Promise<ImageUsage[]> {
  const images = (await deps.store.catalog.imagesWithVolumes(scope)).filter((i) => scope.catalog || !i.catalog);
  const wanted = new Set(images.flatMap((i) => i.volumes.map((v) => v.snapshotId).filter((s): s is string => s !== null)));
  const { refs, snapshotChunks } = await chunkReferences(deps, (row) => wanted.has(row.snapshot_id));
  return images.map((image) => {
    // how many of the image's own snapshots hold each chunk
    const local = new Map<string, number>();
    const snapshots = [...new Set(image.volumes.map((v) => v.snapshotId).filter((s): s is string => s !== null))];
    for (const id of snapshots) for (const c of snapshotChunks.get(id) ?? []) local.set(c, (local.get(c) ?? 0) + 1);
    let unique = 0;
    for (const [chunk, n] of local) if (refs.get(chunk) === n) unique++;
    const { volumes, ...identity } = image;
    return {
      ...identity,
      snapshots,
      logicalBytes: volumes.reduce((n, v) => n + v.sizeGiB * GIB, 0),
      dataBytes: local.size * BLOCK_SIZE,
      uniqueBytes: unique * BLOCK_SIZE,
      sharedBytes: (local.size - unique) * BLOCK_SIZE,
    };
  });
}
