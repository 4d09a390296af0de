// CreateImage: an AMI from a running or stopped instance. Each attached EBS volume is
// snapshotted point-in-time through SnapshotService.createFromVolume (its writes since its base
// become a new map: O(changed blocks)), described `Created by CreateImage(i-…) for ami-…`.
// Block device mappings in the request may drop a device (NoDevice), change DeleteOnTermination
// of an existing one, or add new volumes (empty, or from a snapshot) and instance-store
// devices; they may not resize or re-encrypt existing volumes (CreateImage reference). The image
// inherits architecture, virtualization, ENA, boot mode, platform and product codes from the
// instance, records the instance as its source, and is `pending` until its snapshots complete
// (ImageService.create: one unit of work, one settle job). A running instance is held still
// while its volumes are snapshotted (ImageSource.quiesce: unless NoReboot its guest is shut down
// cleanly, else paused for a crash-consistent image, every write flushed first). The snapshots'
// rows are written with the image, in one unit of work (a crash before it leaves none; their
// data, captured first, stays with the volumes).
//
// What the instance is comes from the instances service through `ImageSource` (images own
// every way an image is created; instances only describe themselves).
import type { BlockDeviceMapping, CreateImageRequest } from '../../../api/ec2/types.js';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { ImageBlockDeviceRow } from '../../../store/repos/images.js';
import { ec2Error } from '../ec2-errors.js';
import type { PendingSnapshot, SnapshotService } from '../snapshots/snapshot-service.js';
import type { ImageService } from './image-service.js';
import { validateDescription, validateImageName } from './image-names.js';

/** An instance as CreateImage needs it (InstanceService.imageSource). */
export interface ImageSource {
  instanceId: string;
  state: string;
  /** the AMI it was launched from */
  imageId: string;
  region: string;
  architecture: string;
  rootDeviceName: string;
  virtualizationType: string;
  hypervisor: string;
  platform?: string;
  platformDetails: string;
  usageOperation: string;
  enaSupport: boolean;
  sriovNetSupport?: string;
  bootMode?: string;
  tpmSupport?: string;
  kernelId?: string;
  ramdiskId?: string;
  productCodes: { code: string; type: string }[];
  instanceStore: { deviceName: string; virtualName: string }[];
  /** its EBS volumes attached now (not detaching) */
  volumes: { volumeId: string; deviceName: string; deleteOnTermination: boolean }[];
  /** holds a running guest still (clean: shut down, else paused, writes flushed); returns the way to start it again */
  quiesce(clean: boolean): Promise<() => Promise<void>>;
}

/** The caller's instance by id, as CreateImage needs it (InvalidInstanceID.* otherwise). */
export type ImageSources = (caller: Scope, instanceId: string) => Promise<ImageSource>;

export interface ImageFromInstanceDeps {
  store: Store;
  images: ImageService;
  snapshots: SnapshotService;
  instances: ImageSources;
}

type DeviceRow = Omit<ImageBlockDeviceRow, 'image_id'>;

const badMapping = (message: string) => ec2Error('InvalidBlockDeviceMapping', message);

export class ImageFromInstance {
  constructor(private readonly deps: ImageFromInstanceDeps) {}

  async create(caller: Scope, req: CreateImageRequest, tags: { image: { key: string; value: string }[]; snapshot: { key: string; value: string }[] }, checkpoint: () => void): Promise<string> {
    const { store, images, snapshots } = this.deps;
    validateImageName(req.Name);
    validateDescription(req.Description);
    const instance = await this.deps.instances(caller, req.InstanceId);
    if (instance.state !== 'running' && instance.state !== 'stopped') {
      throw ec2Error('IncorrectInstanceState', `The instance '${instance.instanceId}' is not in a state from which it can be imaged (it is ${instance.state}); it must be running or stopped.`);
    }
    await images.assertNameFree(caller, req.Name);
    const plan = await this.mappings(caller, instance, req.BlockDeviceMappings ?? []);
    const source = await store.images.get(instance.imageId);
    checkpoint();
    const resume = instance.state === 'running' ? await instance.quiesce(!req.NoReboot) : undefined;
    const row = images.newRow(caller, {
      name: req.Name,
      description: req.Description ?? null,
      state: 'pending',
      architecture: instance.architecture,
      virtualization_type: instance.virtualizationType,
      hypervisor: instance.hypervisor,
      root_device_name: instance.rootDeviceName,
      platform: instance.platform ?? null,
      platform_details: instance.platformDetails,
      usage_operation: instance.usageOperation,
      ena_support: instance.enaSupport ? 1 : null,
      sriov_net_support: instance.sriovNetSupport ?? null,
      boot_mode: req.BootModeOverride ?? instance.bootMode ?? null,
      tpm_support: instance.tpmSupport ?? null,
      imds_support: source?.imds_support ?? null,
      kernel_id: instance.kernelId ?? null,
      ramdisk_id: instance.ramdiskId ?? null,
      source_instance_id: instance.instanceId,
      source_image_id: instance.imageId,
      source_image_region: instance.region,
    });
    const devices: DeviceRow[] = [];
    const snapshotIds: string[] = [];
    const pending: PendingSnapshot[] = [];
    try {
      for (const p of plan) {
        if (!p.volumeId) {
          devices.push({ ...p.device, position: devices.length });
          continue;
        }
        const volume = await store.volumes.get(p.volumeId);
        if (!volume) throw ec2Error('IncorrectInstanceState', `A volume of instance '${instance.instanceId}' is gone.`);
        const snap = await snapshots.captureFromVolume(caller, volume, `Created by CreateImage(${instance.instanceId}) for ${row.image_id}`);
        pending.push(snap);
        snapshotIds.push(snap.row.snapshot_id);
        devices.push({ ...p.device, position: devices.length, snapshot_id: snap.row.snapshot_id, encrypted: volume.encrypted, kms_key_id: volume.encrypted ? volume.kms_key_arn : null });
      }
    } finally {
      await resume?.();
    }
    // the snapshots and the image in one unit of work
    await images.create({
      row,
      snapshots: pending,
      devices,
      productCodes: instance.productCodes.map((c) => ({ product_code: c.code, type: c.type })),
      tags: [
        ...tags.image.map((t) => ({ resourceId: row.image_id, resourceType: 'image', ...t })),
        ...snapshotIds.flatMap((id) => tags.snapshot.map((t) => ({ resourceId: id, resourceType: 'snapshot', ...t }))),
      ],
    });
    return row.image_id;
  }

  /** The new image's devices: the instance's volumes (to snapshot) with the request applied. */
  private async mappings(caller: Scope, instance: ImageSource, requested: readonly BlockDeviceMapping[]) {
    const plan = new Map<string, { volumeId?: string; device: Omit<DeviceRow, 'position'> }>();
    const blank = { virtual_name: null, no_device: 0, snapshot_id: null, volume_size: null, volume_type: null, delete_on_termination: null, encrypted: null, iops: null, throughput: null, kms_key_id: null };
    const root = instance.rootDeviceName;
    for (const a of [...instance.volumes].sort((x, y) => (x.deviceName === root ? -1 : y.deviceName === root ? 1 : x.deviceName < y.deviceName ? -1 : 1))) {
      const v = await this.deps.store.volumes.get(a.volumeId);
      if (!v) continue;
      plan.set(a.deviceName, {
        volumeId: v.volume_id,
        // gp2's IOPS follow its size: only provisioned performance belongs in the mapping
        device: { ...blank, device_name: a.deviceName, volume_size: v.size_gib, volume_type: v.volume_type, delete_on_termination: a.deleteOnTermination ? 1 : 0, iops: v.volume_type === 'gp2' ? null : v.iops, throughput: v.throughput },
      });
    }
    for (const s of instance.instanceStore) plan.set(s.deviceName, { device: { ...blank, device_name: s.deviceName, virtual_name: s.virtualName } });
    for (const m of requested) {
      const name = m.DeviceName;
      if (!name) throw ec2Error('MissingParameter', 'The request must contain the parameter BlockDeviceMapping.DeviceName');
      const existing = plan.get(name);
      if (m.NoDevice !== undefined) {
        if (name === root) throw badMapping(`The root device ${name} cannot be removed with NoDevice.`);
        plan.delete(name);
      } else if (m.Ebs && existing?.volumeId && m.VirtualName === undefined) {
        const e = m.Ebs;
        if (e.VolumeSize !== undefined && e.VolumeSize !== existing.device.volume_size) throw badMapping(`The size of the existing volume at ${name} cannot be changed by CreateImage.`);
        if (e.Encrypted !== undefined || e.KmsKeyId !== undefined) throw badMapping(`The encryption of the existing volume at ${name} cannot be changed by CreateImage; use CopyImage to encrypt.`);
        if (e.SnapshotId !== undefined || e.VolumeType !== undefined || e.Iops !== undefined || e.Throughput !== undefined) {
          throw badMapping(`Only DeleteOnTermination can be changed for the existing volume at ${name}.`);
        }
        if (e.DeleteOnTermination !== undefined) existing.device.delete_on_termination = e.DeleteOnTermination ? 1 : 0;
      } else {
        if (existing?.volumeId) throw badMapping(`The device ${name} is an EBS volume of the instance and cannot become an instance store.`);
        // a device the instance does not have: RegisterImage's rules (an empty volume, a snapshot's, an instance store)
        const [{ position: _p, ...device }] = await this.deps.images.resolveMappings(caller, [m]);
        plan.set(name, { device });
      }
    }
    return [...plan.values()];
  }
}
