// Writing snapshots with the EBS direct APIs, as a domain service (no wire types):
//
//   start(caller, request)     StartSnapshot: a pending EC2 snapshot over an unsealed block map,
//                              continuing the parent's map (and lineage key) when there is one
//   putBlock(caller, write)    PutSnapshotBlock: block stored (zero blocks only as map entries)
//                              with its checksum verified on the codec worker that encodes it,
//                              acknowledged once durable (group commit)
//   complete(caller, request)  CompleteSnapshot: counts and aggregate checksum verified, map
//                              sealed; the snapshot completes through SnapshotService
//
// The snapshot is an ordinary EC2 snapshot throughout: DescribeSnapshots shows it pending, then
// completed (or `error` when its Timeout passes idle), and CreateVolume/RegisterImage use it.
import { BLOCK_SIZE } from '../../blocks/block-size.js';
import { ChecksumMismatchError } from '../../blocks/block-codec.js';
import type { BlockStorage } from '../../blocks/block-storage.js';
import type { Scope } from '../../store/scope.js';
import type { SnapshotRow } from '../../store/repos/snapshots.js';
import type { Store } from '../../store/store.js';
import type { StorageDomain } from '../ec2/storage-domain.js';
import { GIB } from '../ec2/snapshots/snapshot-service.js';
import { claimedSha256, linearAggregates, sha256, ZERO_BLOCK_SHA256 } from './checksums.js';
import { conflict, snapshotNotFound, validation, withKms } from './ebs-errors.js';
import { encryptionOutcome } from './encryption-outcome.js';
import type { EntryCommitter } from './entry-committer.js';
import type { SnapshotAccess } from './snapshot-access.js';
import { DEFAULT_TIMEOUT_MINUTES, type SnapshotTimeouts } from './snapshot-timeouts.js';
import type { UploadActivity } from './upload-activity.js';
import { idempotent } from '../idempotency.js';
import { ServiceError } from '../../protocol/service-error.js';
import { payloadSha256 } from '../../protocol/payload-digests.js';

export const MAX_VOLUME_SIZE_GIB = 65536;
export const MAX_TAGS = 50;
const BLOCKS_PER_GIB = GIB / BLOCK_SIZE;
const IDEMPOTENCY_ACTION = 'ebs:StartSnapshot';
/** `snapshots.source` of snapshots written with the EBS direct APIs */
const DIRECT = 'ebs-direct';

export interface StartRequest {
  volumeSizeGib: number;
  parentSnapshotId?: string;
  tags: { key: string; value: string }[];
  description?: string;
  clientToken?: string;
  encrypted?: boolean;
  kmsKeyArn?: string;
  timeoutMinutes?: number;
}

export interface StartedSnapshot {
  snapshotId: string;
  ownerId: string;
  status: string;
  startTime: string;
  volumeSizeGib: number;
  tags: { key: string; value: string }[];
  description?: string;
  parentSnapshotId?: string;
  kmsKeyArn?: string;
}

export interface BlockWrite {
  snapshotId: string;
  index: number;
  data: Buffer;
  dataLength: number;
  /** base64 SHA-256 of the data, as sent */
  checksum: string;
  progress?: number;
}

export interface CompleteRequest {
  snapshotId: string;
  changedBlocksCount: number;
  checksum?: string;
  checksumAlgorithm?: string;
  aggregationMethod?: string;
}

export interface DirectSnapshotDeps {
  store: Store;
  storage: StorageDomain;
  blocks: BlockStorage;
  access: SnapshotAccess;
  activity: UploadActivity;
  committer: EntryCommitter;
  timeouts: SnapshotTimeouts;
}

export class DirectSnapshots {
  constructor(private readonly deps: DirectSnapshotDeps) {}

  // ---- StartSnapshot -------------------------------------------------------------------

  async start(caller: Scope, req: StartRequest): Promise<StartedSnapshot> {
    if (req.volumeSizeGib > MAX_VOLUME_SIZE_GIB) {
      throw validation('INVALID_VOLUME_SIZE', `The volume size ${req.volumeSizeGib} GiB exceeds the maximum of ${MAX_VOLUME_SIZE_GIB} GiB.`);
    }
    checkTags(req.tags);
    if (req.parentSnapshotId !== undefined && req.encrypted !== undefined) {
      throw validation('INVALID_PARAMETER_VALUE', "You can't specify ParentSnapshotId and Encrypted in the same request.");
    }
    const token = req.clientToken;
    return idempotent(this.deps.store, caller, {
      action: IDEMPOTENCY_ACTION,
      token,
      params: [req.volumeSizeGib, req.parentSnapshotId, req.tags, req.description, req.encrypted, req.kmsKeyArn, req.timeoutMinutes],
      create: async () => {
        const started = await this.create(caller, req);
        return { result: started, record: JSON.stringify(started) };
      },
      replay: async (record) => JSON.parse(record) as StartedSnapshot,
      mismatch: () => conflict(`The client token '${token}' was already used by a StartSnapshot request with different parameters.`),
      busy: () => new ServiceError('InternalServerException', `A StartSnapshot request with the client token '${token}' is still being processed; retry it.`, 500),
    });
  }

  private async create(caller: Scope, req: StartRequest): Promise<StartedSnapshot> {
    const { storage, store, access, timeouts } = this.deps;
    let parent: SnapshotRow | undefined;
    if (req.parentSnapshotId !== undefined) {
      parent = await access.readable(caller, req.parentSnapshotId);
      if (parent.state !== 'completed') {
        throw validation('INVALID_SNAPSHOT_ID', `The parent snapshot '${parent.snapshot_id}' is in state ${parent.state}; it must be completed.`);
      }
      if (req.volumeSizeGib < parent.volume_size) {
        throw validation('INVALID_VOLUME_SIZE', `The volume size ${req.volumeSizeGib} GiB is smaller than the parent snapshot's ${parent.volume_size} GiB.`);
      }
    }
    const outcome = encryptionOutcome({
      parent: parent && { encrypted: Boolean(parent.encrypted), kmsKeyArn: parent.kms_key_arn },
      encrypted: req.encrypted,
      kmsKeyArn: req.kmsKeyArn,
      encryptionByDefault: await storage.defaults.encryptionByDefault(caller),
    });
    let key: { dataKeyId: string; kmsKeyArn: string; lineageId: string } | undefined;
    if (outcome.kind === 'parent-key') {
      const p = parent!;
      // the caller must be able to use the parent's key; another account's wrapping is re-wrapped
      // for the caller (same lineage key, same KMS key)
      const opened = await withKms(p.kms_key_arn, () =>
        p.account_id === caller.accountId ? storage.keys.open(caller, p.data_key_id!) : storage.keys.rewrap(caller, p.data_key_id!, p.kms_key_arn!),
      );
      key = { dataKeyId: opened.dataKeyId, kmsKeyArn: opened.kmsKeyArn, lineageId: opened.lineage.lineageId };
    } else if (outcome.kind === 'new-key') {
      const ref = outcome.kmsKeyArn ?? (await storage.defaults.defaultKmsKeyArn(caller));
      const created = await withKms(ref, () => storage.keys.create(caller, ref));
      key = { dataKeyId: created.dataKeyId, kmsKeyArn: created.kmsKeyArn, lineageId: created.lineage.lineageId };
    }
    const row = await storage.snapshots.createWritable(caller, {
      sizeGib: req.volumeSizeGib,
      parent,
      key,
      description: req.description,
      source: DIRECT,
      timeoutMinutes: req.timeoutMinutes ?? DEFAULT_TIMEOUT_MINUTES,
      clientToken: req.clientToken,
    });
    if (req.tags.length) {
      await store.tags.put(
        caller,
        req.tags.map((t) => ({ resourceId: row.snapshot_id, resourceType: 'snapshot', key: t.key, value: t.value })),
      );
    }
    await timeouts.arm(row);
    return {
      snapshotId: row.snapshot_id,
      ownerId: row.account_id,
      status: row.state,
      startTime: row.start_time,
      volumeSizeGib: row.volume_size,
      tags: req.tags,
      ...(req.description !== undefined ? { description: req.description } : {}),
      ...(parent ? { parentSnapshotId: parent.snapshot_id } : {}),
      ...(key ? { kmsKeyArn: key.kmsKeyArn } : {}),
    };
  }

  // ---- PutSnapshotBlock ----------------------------------------------------------------

  async putBlock(caller: Scope, w: BlockWrite): Promise<void> {
    const { access, activity, blocks, committer } = this.deps;
    if (w.dataLength !== BLOCK_SIZE) {
      throw validation('INVALID_PARAMETER_VALUE', `The data length ${w.dataLength} is not supported: the only valid DataLength is ${BLOCK_SIZE}.`);
    }
    if (w.data.length !== w.dataLength) {
      throw validation('INVALID_PARAMETER_VALUE', `Failed to read block data: ${w.data.length} bytes received, DataLength is ${w.dataLength}.`);
    }
    const row = await access.ownedWithMap(caller, w.snapshotId);
    if (row.state !== 'pending') throw notPending(row.snapshot_id, `is in state ${row.state}`);
    if (row.source !== DIRECT) throw notPending(row.snapshot_id, 'was not started with StartSnapshot');
    if (row.map_sealed === null || row.map_sealed) throw notPending(row.snapshot_id, 'is already completed');
    const blocksInVolume = row.volume_size * BLOCKS_PER_GIB;
    if (w.index >= blocksInVolume) {
      throw validation('INVALID_BLOCK', `The block index ${w.index} is out of range: a ${row.volume_size} GiB snapshot has blocks 0 to ${blocksInVolume - 1}.`);
    }
    // the checksum is verified where the block is hashed anyway: with its encoding, on a codec
    // worker (an unencrypted chunk's id is the same SHA-256), not on the thread serving HTTP —
    // or here, against the body's digest when SigV4 computed it for a signed payload: then the
    // worker hashes nothing more (the digest is an unencrypted block's id)
    const claimed = claimedSha256(w.checksum);
    if (claimed === undefined) throw checksumMismatch(w.checksum, sha256(w.data));
    const digest = payloadSha256(w.data);
    if (digest !== undefined && digest !== claimed) throw checksumMismatch(w.checksum, Buffer.from(digest, 'hex'));
    const key = await access.blockKey(caller, row);
    if (!activity.begin(row.snapshot_id)) throw notPending(row.snapshot_id, 'is being completed');
    try {
      // the request body is not used after this, so it moves to the codec worker instead of being copied
      await committer.write(row.map_id, w.index, () =>
        (digest !== undefined ? blocks.storeBlock(w.data, key, key ? undefined : digest, true) : blocks.storeBlock(w.data, key, undefined, true, claimed)).catch((e: unknown) => {
          throw e instanceof ChecksumMismatchError ? checksumMismatch(w.checksum, Buffer.from(e.actualSha256, 'hex')) : e;
        }),
      );
      await activity.written(row.snapshot_id, w.progress);
    } finally {
      activity.end(row.snapshot_id);
    }
  }

  // ---- CompleteSnapshot ----------------------------------------------------------------

  async complete(caller: Scope, req: CompleteRequest): Promise<{ status: string }> {
    const { access, activity, blocks, storage } = this.deps;
    const row = await access.owned(caller, req.snapshotId);
    if (req.checksum !== undefined && (req.checksumAlgorithm === undefined || req.aggregationMethod === undefined)) {
      throw validation('INVALID_PARAMETER_VALUE', 'A Checksum requires ChecksumAlgorithm (SHA256) and ChecksumAggregationMethod (LINEAR).');
    }
    if (row.state === 'error') throw notPending(row.snapshot_id, 'is in state error');
    if (row.source !== DIRECT) throw notPending(row.snapshot_id, 'was not started with StartSnapshot');
    const map = await blocks.getMap(row.map_id);
    if (!map) throw snapshotNotFound(row.snapshot_id);
    if (map.sealed) {
      // a retried completion: same answer while the counts agree; sealing again (idempotent)
      // re-arms the completion should a crash have come between the seal and its job
      await this.verifyCount(row.map_id, req.changedBlocksCount);
      if (row.state === 'pending') await storage.snapshots.seal(row);
      return { status: row.state };
    }
    if (!(await activity.close(row.snapshot_id))) throw notPending(row.snapshot_id, 'is already being completed');
    try {
      const written = await this.verifyCount(row.map_id, req.changedBlocksCount);
      if (req.checksum !== undefined) await this.verifyAggregate(caller, row, written, req.checksum);
      await storage.snapshots.seal(row);
      activity.forget(row.snapshot_id);
      return { status: 'pending' };
    } catch (e) {
      activity.reopen(row.snapshot_id);
      throw e;
    }
  }

  /** The map's own entries (the blocks written), checked against ChangedBlocksCount. */
  private async verifyCount(mapId: string, claimed: number): Promise<[number, string | null][]> {
    const written = await this.deps.blocks.maps.entries(mapId);
    if (written.length !== claimed) {
      throw validation('INVALID_PARAMETER_VALUE', `ChangedBlocksCount is ${claimed}, but ${written.length} blocks were written to the snapshot.`);
    }
    return written;
  }

  private async verifyAggregate(caller: Scope, row: SnapshotRow, written: [number, string | null][], checksum: string): Promise<void> {
    const key = await this.deps.access.key(caller, row);
    const digests: Buffer[] = [];
    for (const [, chunkId] of written) {
      if (!chunkId) digests.push(ZERO_BLOCK_SHA256);
      // unencrypted chunk ids are the SHA-256 of the block; encrypted ones are keyed MACs
      else digests.push(key ? sha256(await this.deps.blocks.loadBlock(chunkId, key)) : Buffer.from(chunkId, 'hex'));
    }
    if (!linearAggregates(digests).includes(checksum)) {
      throw validation('INVALID_PARAMETER_VALUE', `The aggregated checksum ${checksum} does not match the ${written.length} blocks written to the snapshot.`);
    }
  }
}

function checksumMismatch(checksum: string, digest: Buffer) {
  return validation('INVALID_BLOCK', `The checksum ${checksum} does not match the block data (SHA-256 ${digest.toString('base64')}).`);
}

function notPending(snapshotId: string, why: string) {
  return validation('INVALID_SNAPSHOT_ID', `The snapshot '${snapshotId}' ${why}; it must be pending.`);
}

function checkTags(tags: readonly { key: string; value: string }[]): void {
  if (tags.length > MAX_TAGS) throw validation('INVALID_TAG', `A snapshot can have at most ${MAX_TAGS} tags; ${tags.length} were given.`);
  for (const t of tags) {
    if (!t.key) throw validation('INVALID_TAG', 'Tag keys must not be empty.');
    if (t.key.toLowerCase().startsWith('aws:')) throw validation('INVALID_TAG', `The tag key '${t.key}' is invalid: keys starting with 'aws:' are reserved.`);
  }
}
