// Volume rows and modification records as the EC2 wire shapes (Volume, VolumeModification,
// VolumeStatusItem). Empty lists AWS always sends (`attachmentSet`) are kept; optional fields
// AWS omits (Iops of HDD volumes, Throughput of non-gp3, KmsKeyId of unencrypted) stay unset.
import type { InitializationTypeEnum, Tag, Volume, VolumeModification, VolumeStatusItem } from '../../../api/ec2/types.js';
import type { VolumeRow } from '../../../store/repos/volumes.js';
import { findZone } from '../../../config/regions.js';
import type { ModificationRecord } from './volume-modifications.js';
import type { VolumeAttachmentInfo } from './volume-service.js';

const zoneId = (zone: string) => findZone(zone)?.zone.id;
const date = (iso: string | undefined) => (iso ? new Date(iso) : undefined);

export function volumeOut(row: VolumeRow, tags: Tag[] = [], attachments: VolumeAttachmentInfo[] = []): Volume {
  return {
    VolumeId: row.volume_id,
    Size: row.size_gib,
    SnapshotId: row.snapshot_id ?? '',
    AvailabilityZone: row.availability_zone,
    AvailabilityZoneId: zoneId(row.availability_zone),
    State: row.state as Volume['State'],
    CreateTime: new Date(row.create_time),
    Attachments: attachments.map((a) => ({
      VolumeId: row.volume_id,
      InstanceId: a.instanceId,
      Device: a.device,
      State: a.state,
      AttachTime: new Date(a.attachTime),
      DeleteOnTermination: a.deleteOnTermination,
    })),
    Encrypted: Boolean(row.encrypted),
    KmsKeyId: row.encrypted ? (row.kms_key_arn ?? undefined) : undefined,
    VolumeType: row.volume_type as Volume['VolumeType'],
    Iops: row.iops ?? undefined,
    Throughput: row.throughput ?? undefined,
    MultiAttachEnabled: Boolean(row.multi_attach),
    FastRestored: row.snapshot_id ? false : undefined,
    SourceVolumeId: row.source_volume_id ?? undefined,
    VolumeInitializationRate: row.initialization_rate ?? undefined,
    Tags: tags.length ? tags : undefined,
  };
}

export function modificationOut(volumeId: string, m: ModificationRecord): VolumeModification {
  return {
    VolumeId: volumeId,
    ModificationState: m.state,
    TargetSize: m.target.sizeGib,
    TargetIops: m.target.iops ?? undefined,
    TargetVolumeType: m.target.volumeType as VolumeModification['TargetVolumeType'],
    TargetThroughput: m.target.throughput ?? undefined,
    TargetMultiAttachEnabled: m.target.multiAttach,
    OriginalSize: m.original.sizeGib,
    OriginalIops: m.original.iops ?? undefined,
    OriginalVolumeType: m.original.volumeType as VolumeModification['OriginalVolumeType'],
    OriginalThroughput: m.original.throughput ?? undefined,
    OriginalMultiAttachEnabled: m.original.multiAttach,
    Progress: m.progress,
    StartTime: new Date(m.startTime),
    EndTime: date(m.endTime),
  };
}

/**
 * DescribeVolumeStatus: Imago's volumes have no impairment events, so the checks pass once a
 * volume exists; before that (creating, or failed creation) there is no data yet. I/O
 * performance is measured only for Provisioned IOPS volumes (`normal`), else `not-applicable`.
 */
export function volumeStatusOut(row: VolumeRow, attachments: VolumeAttachmentInfo[] = []): VolumeStatusItem {
  const ready = row.state === 'available' || row.state === 'in-use';
  const provisioned = row.volume_type === 'io1' || row.volume_type === 'io2';
  const initialization: InitializationTypeEnum | undefined = row.source_volume_id ? 'volume-copy' : row.initialization_rate ? 'provisioned-rate' : row.snapshot_id ? 'default' : undefined;
  return {
    VolumeId: row.volume_id,
    AvailabilityZone: row.availability_zone,
    AvailabilityZoneId: zoneId(row.availability_zone),
    VolumeStatus: {
      Status: ready ? 'ok' : 'insufficient-data',
      Details: [
        { Name: 'io-enabled', Status: ready ? 'passed' : 'insufficient-data' },
        { Name: 'io-performance', Status: !ready ? 'insufficient-data' : provisioned ? 'normal' : 'not-applicable' },
      ],
    },
    Actions: [],
    Events: [],
    AttachmentStatuses: attachments.map((a) => ({ InstanceId: a.instanceId, IoPerformance: provisioned ? 'normal' : 'not-applicable' })),
    InitializationStatusDetails:
      initialization && ready ? { InitializationType: initialization, Progress: 100, EstimatedTimeToCompleteInSeconds: 0 } : undefined,
  };
}
