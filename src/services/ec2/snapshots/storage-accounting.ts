// What snapshots cost in storage, computed from block maps (no chunk is read). For each snapshot:
// its logical size (VolumeSize), its data (non-zero blocks), the bytes it alone holds (chunks no
// other snapshot or volume references: what deleting it would let GC reclaim) and the bytes it
// shares. Holders are every snapshot (its resolved map, parents included) and every volume (its
// base map under its overlay); two snapshots with one map (a copy by reference) share all of it.
// Sizes are logical block bytes (512 KiB per chunk), before compression. Writes still cached in
// an open volume device are not counted until flushed.
import { BLOCK_SIZE } from '../../../blocks/block-size.js';
import type { BlockStorage } from '../../../blocks/block-storage.js';
import type { Store } from '../../../store/store.js';
import type { SnapshotRow } from '../../../store/repos/snapshots.js';
import type { VolumeRow } from '../../../store/repos/volumes.js';
import { GIB } from './snapshot-service.js';

export interface SnapshotUsage {
  snapshotId: string;
  accountId: string;
  region: string;
  state: string;
  /** VolumeSize in bytes */
  volumeSizeBytes: number;
  /** non-zero blocks × block size (FullSnapshotSizeInBytes) */
  dataBytes: number;
  /** distinct chunks referenced by this snapshot only */
  uniqueBytes: number;
  /** distinct chunks also referenced by another snapshot or a volume */
  sharedBytes: number;
}

export interface AccountUsage {
  accountId: string;
  region: string;
  snapshots: number;
  volumeSizeBytes: number;
  /** sum of the snapshots' data */
  dataBytes: number;
  /** sum of the snapshots' unique bytes */
  uniqueBytes: number;
  /** distinct chunks referenced by any of the account's snapshots in the region */
  storedBytes: number;
}

export interface StorageReport {
  snapshots: SnapshotUsage[];
  /** per account and region, in account then region order */
  accounts: AccountUsage[];
}

export interface AccountingScope {
  accountId?: string;
  region?: string;
}

export interface AccountingDeps {
  store: Store;
  blocks: BlockStorage;
}

/** References to chunks from every holder (snapshots and volumes), and the chunks of the snapshots `keep` selects. */
export async function chunkReferences(
  deps: AccountingDeps,
  keep: (row: SnapshotRow) => boolean = () => true,
): Promise<{ refs: Map<string, number>; snapshotChunks: Map<string, Set<string>>; snapshots: SnapshotRow[] }> {
  const refs = new Map<string, number>();
  const count = (chunks: Set<string>) => {
    for (const c of chunks) refs.set(c, (refs.get(c) ?? 0) + 1);
  };
  const snapshotChunks = new Map<string, Set<string>>();
  const snapshots = await deps.store.snapshots.all();
  for (const row of snapshots) {
    const chunks = await mapChunks(deps.blocks, row.map_id);
    count(chunks);
    if (keep(row)) snapshotChunks.set(row.snapshot_id, chunks);
  }
  for (const volume of await deps.store.volumes.all()) count(await volumeChunks(deps, volume));
  return { refs, snapshotChunks, snapshots };
}

/** Storage figures for the snapshots in `scope` (default: all), measured against every holder. */
export async function storageAccounting(deps: AccountingDeps, scope: AccountingScope = {}): Promise<StorageReport> {
  const inScope = (r: { account_id: string; region: string }) =>
    (scope.accountId === undefined || r.account_id === scope.accountId) && (scope.region === undefined || r.region === scope.region);
  const { refs, snapshotChunks, snapshots: allSnapshots } = await chunkReferences(deps, inScope);

  const snapshots: SnapshotUsage[] = [];
  const accounts = new Map<string, AccountUsage & { chunks: Set<string> }>();
  for (const row of allSnapshots.filter(inScope).sort(bySnapshotOrder)) {
    const chunks = snapshotChunks.get(row.snapshot_id)!;
    let unique = 0;
    for (const c of chunks) if (refs.get(c) === 1) unique++;
    const usage: SnapshotUsage = {
      snapshotId: row.snapshot_id,
      accountId: row.account_id,
      region: row.region,
      state: row.state,
      volumeSizeBytes: row.volume_size * GIB,
      dataBytes: (await deps.blocks.resolve(row.map_id)).entries.size * BLOCK_SIZE,
      uniqueBytes: unique * BLOCK_SIZE,
      sharedBytes: (chunks.size - unique) * BLOCK_SIZE,
    };
    snapshots.push(usage);
    const key = `${row.account_id}/${row.region}`;
    let account = accounts.get(key);
    if (!account) {
      account = { accountId: row.account_id, region: row.region, snapshots: 0, volumeSizeBytes: 0, dataBytes: 0, uniqueBytes: 0, storedBytes: 0, chunks: new Set() };
      accounts.set(key, account);
    }
    account.snapshots++;
    account.volumeSizeBytes += usage.volumeSizeBytes;
    account.dataBytes += usage.dataBytes;
    account.uniqueBytes += usage.uniqueBytes;
    for (const c of chunks) account.chunks.add(c);
  }
  return {
    snapshots,
    accounts: [...accounts.values()]
      .sort((a, b) => (a.accountId === b.accountId ? (a.region < b.region ? -1 : 1) : a.accountId < b.accountId ? -1 : 1))
      .map(({ chunks, ...a }) => ({ ...a, storedBytes: chunks.size * BLOCK_SIZE })),
  };
}

function bySnapshotOrder(a: SnapshotRow, b: SnapshotRow): number {
  if (a.start_time !== b.start_time) return a.start_time < b.start_time ? -1 : 1;
  return a.snapshot_id < b.snapshot_id ? -1 : 1;
}

async function mapChunks(blocks: BlockStorage, mapId: string): Promise<Set<string>> {
  return new Set((await blocks.resolve(mapId)).entries.values());
}

async function volumeChunks(deps: AccountingDeps, volume: VolumeRow): Promise<Set<string>> {
  const entries = new Map(volume.base_map_id ? (await deps.blocks.resolve(volume.base_map_id)).entries : []);
  for (const [index, chunk] of await deps.store.volumes.overlay(volume.volume_id)) {
    if (chunk) entries.set(index, chunk);
    else entries.delete(index);
  }
  return new Set(entries.values());
}
