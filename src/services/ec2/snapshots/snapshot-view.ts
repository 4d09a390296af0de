// A snapshot row as EC2 shows it (the `Snapshot` shape), with the caller's tags, and the
// DescribeSnapshots filters over that view.
import type { Snapshot, SnapshotStateEnum, Tag } from '../../../api/ec2/types.js';
import type { SnapshotRow } from '../../../store/repos/snapshots.js';
import type { FilterSpec } from '../filters.js';

export interface SnapshotExtras {
  /** the caller's tags on the snapshot */
  tags?: Tag[];
  /** bytes of non-zero data (FullSnapshotSizeInBytes), for completed snapshots */
  fullSizeBytes?: number;
}

export function snapshotOut(row: SnapshotRow, extras: SnapshotExtras = {}): Snapshot {
  return {
    SnapshotId: row.snapshot_id,
    VolumeId: row.volume_id,
    State: row.state as SnapshotStateEnum,
    ...(row.state_message ? { StateMessage: row.state_message } : {}),
    StartTime: new Date(row.start_time),
    Progress: `${row.progress}%`,
    OwnerId: row.account_id,
    ...(row.owner_alias ? { OwnerAlias: row.owner_alias } : {}),
    Description: row.description,
    VolumeSize: row.volume_size,
    Encrypted: row.encrypted === 1,
    ...(row.encrypted && row.kms_key_arn ? { KmsKeyId: row.kms_key_arn } : {}),
    StorageTier: row.storage_tier === 'archive' ? 'archive' : 'standard',
    TransferType: 'standard',
    ...(row.completion_time ? { CompletionTime: new Date(row.completion_time) } : {}),
    ...(extras.fullSizeBytes !== undefined ? { FullSnapshotSizeInBytes: extras.fullSizeBytes } : {}),
    ...(extras.tags?.length ? { Tags: extras.tags } : {}),
  };
}

export const snapshotFilters: FilterSpec<Snapshot> = {
  fields: {
    description: (s) => s.Description,
    encrypted: (s) => s.Encrypted,
    'owner-alias': (s) => s.OwnerAlias,
    'owner-id': (s) => s.OwnerId,
    progress: (s) => s.Progress,
    'snapshot-id': (s) => s.SnapshotId,
    'start-time': (s) => s.StartTime,
    status: (s) => s.State,
    'storage-tier': (s) => s.StorageTier,
    'transfer-type': (s) => s.TransferType,
    'volume-id': (s) => s.VolumeId,
    'volume-size': (s) => s.VolumeSize,
  },
  tags: (s) => s.Tags,
};
