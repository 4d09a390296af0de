// Reading snapshots with the EBS direct APIs, as a domain service (no wire types):
//
//   listBlocks(caller, q)    ListSnapshotBlocks: the snapshot's non-zero blocks with block tokens
//   listChanged(caller, q)   ListChangedBlocks: blocks that differ between two snapshots of one
//                            lineage (or every block of the second), with tokens for each side
//   getBlock(caller, q)      GetSnapshotBlock: one block's bytes, for a valid block token
//
// Only completed snapshots are read. Blocks never written, or written as zeros, are absent from
// listings (a sparse snapshot reads as zeros there), as they hold no data.
import type { BlockStorage, LineageKey } from '../../blocks/block-storage.js';
import type { ChunkId } from '../../blocks/chunk-store.js';
import type { Scope } from '../../store/scope.js';
import type { SnapshotRow } from '../../store/repos/snapshots.js';
import { sha256 } from './checksums.js';
import { validation } from './ebs-errors.js';
import type { SnapshotAccess } from './snapshot-access.js';
import type { EbsTokens } from './tokens.js';

export const DEFAULT_MAX_RESULTS = 10000;

export interface PageQuery {
  nextToken?: string;
  maxResults?: number;
  startingBlockIndex?: number;
}

export interface Listing<T> {
  items: T[];
  expiryTime: Date;
  volumeSizeGib: number;
  nextToken?: string;
}

export interface ChangedBlockInfo {
  index: number;
  firstToken?: string;
  secondToken?: string;
}

export interface BlockData {
  data: Buffer;
  /** base64 SHA-256 */
  checksum: string;
}

const SORTED_CACHE = 16;

export class SnapshotReads {
  /** sorted non-zero block indexes of recently listed (sealed, so immutable) maps */
  private readonly sorted = new Map<string, number[]>();

  constructor(
    private readonly blocks: BlockStorage,
    private readonly access: SnapshotAccess,
    private readonly tokens: EbsTokens,
  ) {}

  /** A completed snapshot the caller may read, and its key (reading needs it, as the caller). */
  private async completed(caller: Scope, snapshotId: string, perBlock = false): Promise<{ row: SnapshotRow; key: LineageKey | undefined }> {
    const row = await this.access.readable(caller, snapshotId);
    if (row.state !== 'completed') {
      throw validation('INVALID_SNAPSHOT_ID', `The snapshot '${snapshotId}' is in state ${row.state}; only completed snapshots can be read.`);
    }
    return { row, key: await (perBlock ? this.access.blockKey(caller, row) : this.access.key(caller, row)) };
  }

  async listBlocks(caller: Scope, snapshotId: string, q: PageQuery): Promise<Listing<{ index: number; token: string }>> {
    const { row } = await this.completed(caller, snapshotId);
    const map = await this.blocks.resolve(row.map_id);
    let indexes = this.sorted.get(map.mapId);
    if (!indexes) {
      indexes = [...map.entries.keys()].sort((a, b) => a - b);
      this.sorted.set(map.mapId, indexes);
      if (this.sorted.size > SORTED_CACHE) this.sorted.delete(this.sorted.keys().next().value!);
    }
    const listing = `blocks\0${snapshotId}`;
    const { from, to, next } = this.page(indexes, q, listing);
    const expiry = this.tokens.expiry();
    const items = indexes.slice(from, to).map((index) => ({ index, token: this.tokens.blockToken(snapshotId, index, map.entries.get(index)!, expiry) }));
    return { items, expiryTime: new Date(expiry * 1000), volumeSizeGib: row.volume_size, nextToken: next };
  }

  async listChanged(caller: Scope, firstSnapshotId: string | undefined, secondSnapshotId: string, q: PageQuery): Promise<Listing<ChangedBlockInfo>> {
    const { row: second } = await this.completed(caller, secondSnapshotId);
    const first = firstSnapshotId === undefined ? undefined : (await this.completed(caller, firstSnapshotId)).row;
    if (first && !(await this.blocks.related(first.map_id, second.map_id))) {
      throw validation('UNRELATED_SNAPSHOTS', `The snapshots '${firstSnapshotId}' and '${secondSnapshotId}' are not of the same volume or snapshot lineage.`);
    }
    const changes = await this.blocks.changedBlocks(first?.map_id, second.map_id);
    const listing = `changed\0${firstSnapshotId ?? ''}\0${secondSnapshotId}`;
    const { from, to, next } = this.page(
      changes.map((c) => c.index),
      q,
      listing,
    );
    const expiry = this.tokens.expiry();
    const token = (snapshotId: string, index: number, chunk: ChunkId | null) => (chunk ? this.tokens.blockToken(snapshotId, index, chunk, expiry) : undefined);
    const items = changes.slice(from, to).map((c) => ({
      index: c.index,
      firstToken: first ? token(first.snapshot_id, c.index, c.first) : undefined,
      secondToken: token(second.snapshot_id, c.index, c.second),
    }));
    return { items, expiryTime: new Date(expiry * 1000), volumeSizeGib: second.volume_size, nextToken: next };
  }

  async getBlock(caller: Scope, snapshotId: string, index: number, blockToken: string): Promise<BlockData> {
    const { row, key } = await this.completed(caller, snapshotId, true);
    const map = await this.blocks.resolve(row.map_id);
    const chunk = map.entries.get(index);
    const check = this.tokens.checkBlockToken(blockToken, snapshotId, index, chunk);
    if (check !== 'valid') {
      throw validation('INVALID_BLOCK_TOKEN', check === 'expired' ? 'The block token has expired.' : `The block token is not valid for block ${index} of snapshot '${snapshotId}'.`);
    }
    const data = await this.blocks.loadBlock(chunk, key);
    // an unencrypted chunk id is the block's SHA-256 already
    return { data, checksum: (key ? sha256(data) : Buffer.from(chunk!, 'hex')).toString('base64') };
  }

  /** The slice of `indexes` (ascending) a page covers, and the token of the next page. */
  private page(indexes: readonly number[], q: PageQuery, listing: string): { from: number; to: number; next?: string } {
    let start = q.startingBlockIndex ?? 0;
    if (q.nextToken !== undefined) {
      const parsed = this.tokens.parsePageToken(q.nextToken, listing);
      if (parsed === undefined) throw validation('INVALID_PAGE_TOKEN', 'The pagination token is not valid for this request.');
      start = parsed; // "If you specify NextToken, then StartingBlockIndex is ignored."
    }
    const from = lowerBound(indexes, start);
    const to = Math.min(indexes.length, from + (q.maxResults ?? DEFAULT_MAX_RESULTS));
    return { from, to, next: to < indexes.length ? this.tokens.pageToken(listing, indexes[to]) : undefined };
  }
}

function lowerBound(sorted: readonly number[], value: number): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
