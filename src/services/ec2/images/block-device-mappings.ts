// Block device mappings of RegisterImage (and of CreateImage's additions) into catalog rows, with
// the rules of the RegisterImage and EbsBlockDevice references: every device named once; a
// mapping is exactly one of NoDevice, VirtualName (instance store `ephemeral0`..`ephemeral23`)
// or Ebs; an EBS mapping from a snapshot the caller may use takes the snapshot's encryption
// (`Encrypted` must be omitted, whatever its value), is at least the snapshot's size, and
// defaults to it; an empty volume needs a size.
import type { BlockDeviceMapping } from '../../../api/ec2/types.js';
import type { Scope } from '../../../store/scope.js';
import type { ImageBlockDeviceRow } from '../../../store/repos/images.js';
import type { SnapshotService } from '../snapshots/snapshot-service.js';
import { ec2Error, missingParameter } from '../ec2-errors.js';
import { DEFAULT_VOLUME_TYPE, checkSize } from '../volumes/volume-types.js';

export type DeviceRow = Omit<ImageBlockDeviceRow, 'image_id'>;

const EPHEMERAL = /^ephemeral(\d|1\d|2[0-3])$/;

const invalidMapping = (message: string) => ec2Error('InvalidBlockDeviceMapping', message);

export async function resolveMappings(snapshots: SnapshotService, caller: Scope, mappings: readonly BlockDeviceMapping[]): Promise<DeviceRow[]> {
  const seen = new Set<string>();
  const out: DeviceRow[] = [];
  for (const [position, m] of mappings.entries()) {
    if (!m.DeviceName) throw missingParameter('BlockDeviceMapping.DeviceName');
    if (seen.has(m.DeviceName)) throw invalidMapping(`The device name ${m.DeviceName} is used more than once.`);
    seen.add(m.DeviceName);
    const base: DeviceRow = {
      position,
      device_name: m.DeviceName,
      virtual_name: null,
      no_device: 0,
      snapshot_id: null,
      volume_size: null,
      volume_type: null,
      delete_on_termination: null,
      encrypted: null,
      iops: null,
      throughput: null,
      kms_key_id: null,
    };
    const kinds = [m.NoDevice !== undefined, m.VirtualName !== undefined, m.Ebs !== undefined].filter(Boolean).length;
    if (kinds > 1) throw invalidMapping(`The device ${m.DeviceName} must have only one of Ebs, VirtualName or NoDevice.`);
    if (m.NoDevice !== undefined) {
      out.push({ ...base, no_device: 1 });
      continue;
    }
    if (m.VirtualName !== undefined) {
      if (!EPHEMERAL.test(m.VirtualName)) throw invalidMapping(`Invalid virtual name ${m.VirtualName}: expecting ephemeral0 to ephemeral23.`);
      out.push({ ...base, virtual_name: m.VirtualName });
      continue;
    }
    const ebs = m.Ebs;
    if (!ebs) throw invalidMapping(`The device ${m.DeviceName} needs Ebs, VirtualName or NoDevice.`);
    const volumeType = ebs.VolumeType ?? DEFAULT_VOLUME_TYPE;
    const common = {
      volume_type: volumeType,
      delete_on_termination: ebs.DeleteOnTermination === false ? 0 : 1,
      iops: ebs.Iops ?? null,
      throughput: ebs.Throughput ?? null,
    };
    if (ebs.SnapshotId) {
      if (ebs.Encrypted !== undefined) {
        throw invalidMapping(`The parameter Encrypted is not supported for device ${m.DeviceName}: a mapping created from a snapshot takes the snapshot's encryption.`);
      }
      const snap = await snapshots.getVisible(caller, ebs.SnapshotId);
      if (snap.state !== 'completed') throw ec2Error('IncorrectState', `Snapshot '${snap.snapshot_id}' is in state ${snap.state}; it must be completed.`);
      const size = ebs.VolumeSize ?? snap.volume_size;
      if (size < snap.volume_size) throw invalidMapping(`Volume of size ${size}GB is smaller than snapshot '${snap.snapshot_id}', expect size >= ${snap.volume_size}GB`);
      checkSize(volumeType, size);
      out.push({ ...base, ...common, snapshot_id: snap.snapshot_id, volume_size: size, encrypted: snap.encrypted, kms_key_id: snap.encrypted ? snap.kms_key_arn : null });
    } else {
      if (ebs.VolumeSize === undefined) throw invalidMapping(`The device ${m.DeviceName} needs a VolumeSize or a SnapshotId.`);
      if (ebs.KmsKeyId && !ebs.Encrypted) throw ec2Error('InvalidParameterDependency', 'The parameter KmsKeyId requires the parameter Encrypted to be set.');
      checkSize(volumeType, ebs.VolumeSize);
      out.push({ ...base, ...common, volume_size: ebs.VolumeSize, encrypted: ebs.Encrypted ? 1 : 0, kms_key_id: ebs.KmsKeyId ?? null });
    }
  }
  return out;
}
