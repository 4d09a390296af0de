// The filters of DescribeVolumes, DescribeVolumesModifications and DescribeVolumeStatus, over
// their wire shapes (names as the API reference lists them).
import type { Volume, VolumeModification, VolumeStatusItem } from '../../../api/ec2/types.js';
import type { FilterSpec } from '../filters.js';

export const VOLUME_FILTERS: FilterSpec<Volume> = {
  fields: {
    'attachment.attach-time': (v) => v.Attachments?.map((a) => a.AttachTime),
    'attachment.delete-on-termination': (v) => v.Attachments?.map((a) => a.DeleteOnTermination),
    'attachment.device': (v) => v.Attachments?.map((a) => a.Device),
    'attachment.instance-id': (v) => v.Attachments?.map((a) => a.InstanceId),
    'attachment.status': (v) => v.Attachments?.map((a) => a.State),
    'availability-zone': (v) => v.AvailabilityZone,
    'availability-zone-id': (v) => v.AvailabilityZoneId,
    'create-time': (v) => v.CreateTime,
    encrypted: (v) => v.Encrypted,
    'fast-restored': (v) => v.FastRestored ?? false,
    'multi-attach-enabled': (v) => v.MultiAttachEnabled,
    // Imago manages no volumes on anyone's behalf
    'operator.managed': () => false,
    'operator.principal': () => undefined,
    size: (v) => v.Size,
    'snapshot-id': (v) => v.SnapshotId,
    status: (v) => v.State,
    'volume-id': (v) => v.VolumeId,
    'volume-type': (v) => v.VolumeType,
  },
  tags: (v) => v.Tags,
};

export const MODIFICATION_FILTERS: FilterSpec<VolumeModification> = {
  fields: {
    'modification-state': (m) => m.ModificationState,
    'original-iops': (m) => m.OriginalIops,
    'original-size': (m) => m.OriginalSize,
    'original-volume-type': (m) => m.OriginalVolumeType,
    originalMultiAttachEnabled: (m) => m.OriginalMultiAttachEnabled,
    'start-time': (m) => m.StartTime,
    'target-iops': (m) => m.TargetIops,
    'target-size': (m) => m.TargetSize,
    'target-volume-type': (m) => m.TargetVolumeType,
    targetMultiAttachEnabled: (m) => m.TargetMultiAttachEnabled,
    'volume-id': (m) => m.VolumeId,
  },
};

export const VOLUME_STATUS_FILTERS: FilterSpec<VolumeStatusItem> = {
  fields: {
    'action.code': (s) => s.Actions?.map((a) => a.Code),
    'action.description': (s) => s.Actions?.map((a) => a.Description),
    'action.event-id': (s) => s.Actions?.map((a) => a.EventId),
    'attachment-status.instance-id': (s) => s.AttachmentStatuses?.map((a) => a.InstanceId),
    'attachment-status.io-performance': (s) => s.AttachmentStatuses?.map((a) => a.IoPerformance),
    'availability-zone': (s) => s.AvailabilityZone,
    'event.description': (s) => s.Events?.map((e) => e.Description),
    'event.event-id': (s) => s.Events?.map((e) => e.EventId),
    'event.event-type': (s) => s.Events?.map((e) => e.EventType),
    'event.not-after': (s) => s.Events?.map((e) => e.NotAfter),
    'event.not-before': (s) => s.Events?.map((e) => e.NotBefore),
    'volume-status.details-name': (s) => s.VolumeStatus?.Details?.map((d) => d.Name),
    'volume-status.details-status': (s) => s.VolumeStatus?.Details?.map((d) => d.Status),
    'volume-status.status': (s) => s.VolumeStatus?.Status,
  },
};
