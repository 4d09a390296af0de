// An instance's block devices at launch: the image's mappings, overridden by the request's
// (matched by DeviceName; NoDevice removes one; new devices add volumes), each EBS device
// checked (size >= snapshot, type limits) and given its encryption outcome (EBS User Guide,
// "Encryption outcomes", and the AMI encryption page):
//   - unencrypted snapshot, no parameters: unencrypted (encrypted with the default key when
//     encryption by default is on)
//   - encrypted snapshot the caller owns: the snapshot's key
//   - encrypted snapshot of another account (a shared AMI): the caller's default key
//   - Encrypted=true: KmsKeyId, else as above, else the default key
// The launching account need not be able to see the image's snapshots (a shared AMI's snapshots
// are not shared with it): the launch reads them on its behalf. Keys are checked later, by the
// launch job: an unusable key ends the launch, not the request.
import type { BlockDeviceMapping } from '../../../api/ec2/types.js';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { ImageBlockDeviceRow } from '../../../store/repos/images.js';
import type { SnapshotRow } from '../../../store/repos/snapshots.js';
import type { KmsService } from '../../kms/kms-service.js';
import type { EbsDefaults } from '../encryption/ebs-defaults.js';
import { ec2Error } from '../ec2-errors.js';
import { DEFAULT_VOLUME_TYPE, GP3_DEFAULT_IOPS, limitsOf, resolvePerformance } from '../volumes/volume-types.js';

export interface PlannedVolume {
  deviceName: string;
  sizeGib: number;
  volumeType: string;
  iops: number | null;
  throughput: number | null;
  deleteOnTermination: boolean;
  snapshot?: SnapshotRow;
  encrypted: boolean;
  /** the key the volume is to be encrypted under (resolved to an ARN when possible) */
  kmsKeyArn: string | null;
}

export interface PlannedDevices {
  volumes: PlannedVolume[];
  instanceStore: { deviceName: string; virtualName: string }[];
}

export interface DeviceDeps {
  store: Store;
  kms: KmsService;
  defaults: EbsDefaults;
}

const badMapping = (message: string) => ec2Error('InvalidBlockDeviceMapping', message);

interface Draft {
  deviceName: string;
  virtualName?: string;
  snapshotId?: string;
  sizeGib?: number;
  volumeType?: string;
  iops?: number;
  throughput?: number;
  deleteOnTermination?: boolean;
  encrypted?: boolean;
  kmsKeyId?: string;
  /** whether the image defined this device (then only some fields may change) */
  fromImage: boolean;
  /** whether iops/throughput are the image's, not the request's */
  imageIops?: boolean;
}

function fromImage(d: ImageBlockDeviceRow): Draft {
  return {
    deviceName: d.device_name,
    virtualName: d.virtual_name ?? undefined,
    snapshotId: d.snapshot_id ?? undefined,
    sizeGib: d.volume_size ?? undefined,
    volumeType: d.volume_type ?? undefined,
    iops: d.iops ?? undefined,
    throughput: d.throughput ?? undefined,
    deleteOnTermination: d.delete_on_termination === null ? undefined : Boolean(d.delete_on_termination),
    fromImage: true,
    imageIops: true,
  };
}

/** The image's devices with the request's mappings applied. */
function merge(image: ImageBlockDeviceRow[], requested: readonly BlockDeviceMapping[], rootDevice: string): Draft[] {
  const drafts = new Map<string, Draft>();
  for (const d of image) if (!d.no_device) drafts.set(d.device_name, fromImage(d));
  const seen = new Set<string>();
  for (const m of requested) {
    const name = m.DeviceName;
    if (!name) throw ec2Error('MissingParameter', 'The request must contain the parameter BlockDeviceMapping.DeviceName');
    if (seen.has(name)) throw badMapping(`The device name ${name} is used more than once.`);
    seen.add(name);
    if (m.NoDevice !== undefined) {
      if (name === rootDevice) throw badMapping(`The root device ${name} cannot be removed with NoDevice.`);
      drafts.delete(name);
      continue;
    }
    if (m.VirtualName !== undefined) {
      if (m.Ebs) throw badMapping(`The device ${name} cannot have both a virtual name and an EBS volume.`);
      if (!/^ephemeral([0-9]|1[0-9]|2[0-3])$/.test(m.VirtualName)) throw badMapping(`Invalid virtual name ${m.VirtualName} (expecting ephemeral0..ephemeral23).`);
      drafts.set(name, { deviceName: name, virtualName: m.VirtualName, fromImage: false });
      continue;
    }
    if (!m.Ebs) throw badMapping(`The device ${name} needs Ebs, VirtualName or NoDevice.`);
    const base = drafts.get(name);
    const e = m.Ebs;
    if (base?.fromImage && e.SnapshotId !== undefined && e.SnapshotId !== base.snapshotId && name === rootDevice) {
      throw badMapping(`The snapshot of the root device ${name} cannot be changed at launch.`);
    }
    drafts.set(name, {
      deviceName: name,
      snapshotId: e.SnapshotId ?? base?.snapshotId,
      sizeGib: e.VolumeSize ?? base?.sizeGib,
      volumeType: e.VolumeType ?? base?.volumeType,
      // iops/throughput belong to a volume type: a new type drops the image's
      iops: e.Iops ?? (e.VolumeType === undefined ? base?.iops : undefined),
      throughput: e.Throughput ?? (e.VolumeType === undefined ? base?.throughput : undefined),
      deleteOnTermination: e.DeleteOnTermination ?? base?.deleteOnTermination,
      encrypted: e.Encrypted,
      kmsKeyId: e.KmsKeyId,
      fromImage: Boolean(base?.fromImage),
      imageIops: Boolean(base?.imageIops) && e.Iops === undefined && e.Throughput === undefined,
    });
  }
  return [...drafts.values()];
}

export async function planDevices(deps: DeviceDeps, caller: Scope, image: { devices: ImageBlockDeviceRow[]; rootDeviceName: string }, requested: readonly BlockDeviceMapping[]): Promise<PlannedDevices> {
  const drafts = merge(image.devices, requested, image.rootDeviceName);
  const root = drafts.find((d) => d.deviceName === image.rootDeviceName);
  if (!root || root.virtualName !== undefined) throw badMapping(`The root device ${image.rootDeviceName} must be an EBS volume.`);
  const encryptByDefault = await deps.defaults.encryptionByDefault(caller);
  let defaultKey: string | undefined;
  const defaultKeyArn = async () => (defaultKey ??= await deps.defaults.defaultKmsKeyArn(caller));
  const volumes: PlannedVolume[] = [];
  const instanceStore: PlannedDevices['instanceStore'] = [];
  for (const d of drafts) {
    if (d.virtualName !== undefined) {
      instanceStore.push({ deviceName: d.deviceName, virtualName: d.virtualName });
      continue;
    }
    if (d.kmsKeyId !== undefined && d.encrypted !== true) {
      throw ec2Error('InvalidParameterDependency', 'The parameter KmsKeyId requires the parameter Encrypted to be set.');
    }
    let snapshot: SnapshotRow | undefined;
    if (d.snapshotId !== undefined) {
      snapshot = await deps.store.snapshots.get(d.snapshotId);
      // a request may name only snapshots the caller can use; the image's own are read for it
      const usable = snapshot && snapshot.region === caller.region && (d.fromImage || snapshot.account_id === caller.accountId || (await deps.store.snapshots.permissions(snapshot.snapshot_id)).some((p) => p === caller.accountId || p === 'all'));
      if (!snapshot || !usable) throw ec2Error('InvalidSnapshot.NotFound', `The snapshot '${d.snapshotId}' does not exist.`);
      if (snapshot.state !== 'completed') throw ec2Error('IncorrectState', `Snapshot '${snapshot.snapshot_id}' is not completed (state ${snapshot.state}).`);
    }
    const sizeGib = d.sizeGib ?? snapshot?.volume_size;
    if (sizeGib === undefined) throw badMapping(`The device ${d.deviceName} needs a VolumeSize or a SnapshotId.`);
    if (snapshot && sizeGib < snapshot.volume_size) {
      throw badMapping(`Volume of size ${sizeGib}GB is smaller than snapshot '${snapshot.snapshot_id}', expect size >= ${snapshot.volume_size}GB`);
    }
    if (snapshot?.encrypted && d.encrypted === false) throw badMapping(`The device ${d.deviceName} is created from an encrypted snapshot and cannot be unencrypted.`);
    const volumeType = d.volumeType ?? DEFAULT_VOLUME_TYPE;
    // performance an image records for a type that has none configurable is not the request's fault
    const limits = limitsOf(volumeType);
    const iops = d.imageIops && !limits.iops ? undefined : d.iops;
    const throughput = d.imageIops && !limits.throughput ? undefined : d.throughput;
    const perf = resolvePerformance(volumeType, sizeGib, iops, throughput, volumeType === 'gp3' ? { iops: GP3_DEFAULT_IOPS } : {});
    const encrypted = Boolean(d.encrypted || snapshot?.encrypted || encryptByDefault);
    let kmsKeyArn: string | null = null;
    if (encrypted) {
      const ownKey = snapshot?.encrypted && snapshot.account_id === caller.accountId && snapshot.region === caller.region ? snapshot.kms_key_arn : null;
      kmsKeyArn = d.kmsKeyId !== undefined ? await keyArn(deps, caller, d.kmsKeyId) : (ownKey ?? (await defaultKeyArn()));
    }
    volumes.push({ deviceName: d.deviceName, sizeGib, volumeType, ...perf, deleteOnTermination: d.deleteOnTermination ?? true, snapshot, encrypted, kmsKeyArn });
  }
  return { volumes, instanceStore };
}

/** A KmsKeyId as an ARN; one that cannot be resolved now is kept as given (the launch then fails). */
async function keyArn(deps: DeviceDeps, caller: Scope, ref: string): Promise<string> {
  try {
    return (await deps.kms.describeKey(caller, ref)).arn;
  } catch {
    if (ref.startsWith('arn:')) return ref;
    return `arn:aws:kms:${caller.region}:${caller.accountId}:${ref.startsWith('alias/') ? ref : `key/${ref}`}`;
  }
}
