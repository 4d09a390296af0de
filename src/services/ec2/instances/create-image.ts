// CreateImage: an AMI from a running or stopped instance. Each attached EBS volume is
// snapshotted point-in-time through SnapshotService.createFromVolume (its writes since its base
// become a new map: O(changed blocks)), described `Created by CreateImage(i-…) for ami-…`.
// Block device mappings in the request may drop a device (NoDevice), change DeleteOnTermination
// of an existing one, or add new volumes (empty, or from a snapshot) and instance-store
// devices; they may not resize or re-encrypt existing volumes (CreateImage reference). The image
// inherits architecture, virtualization, ENA, boot mode, platform and product codes from the
// instance, records the instance as its source, and is `pending` until its snapshots complete.
// A running instance is held still while its volumes are snapshotted: unless NoReboot its guest
// is shut down cleanly (a hard pause if it does not within QUIESCE_MS), else paused at once (a
// crash-consistent image, every write the guest issued flushed first); then it runs again.
// The reboot is recorded on the instance.
import type { BlockDeviceMapping, CreateImageRequest } from '../../../api/ec2/types.js';
import type { InstanceDriver } from '../../../compute/instance-driver.js';
import type { JobRunner } from '../../../jobs/job-runner.js';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { ImageBlockDeviceRow } from '../../../store/repos/images.js';
import type { InstanceRow } from '../../../store/repos/instances.js';
import { ec2Error } from '../ec2-errors.js';
import type { ImageService } from '../images/image-service.js';
import { duplicateName, validateDescription, validateImageName } from '../images/image-names.js';
import type { SnapshotService } from '../snapshots/snapshot-service.js';
import type { VolumeService } from '../volumes/volume-service.js';
import { driverInstance } from './driver-instance.js';
import type { InstanceLifecycle } from './instance-lifecycle.js';
import { specOf } from './instance-row.js';

export interface CreateImageDeps {
  store: Store;
  images: ImageService;
  snapshots: SnapshotService;
  volumes: VolumeService;
  lifecycle: InstanceLifecycle;
  driver: InstanceDriver;
  jobs: JobRunner;
  settleMs: number;
}

type DeviceRow = Omit<ImageBlockDeviceRow, 'image_id'>;

const badMapping = (message: string) => ec2Error('InvalidBlockDeviceMapping', message);

interface Job {
  imageId: string;
  snapshotIds: string[];
}

/** How long a guest gets to shut down for CreateImage before it is paused as it is. */
const QUIESCE_MS = 45_000;

export class ImageFromInstance {
  constructor(private readonly deps: CreateImageDeps) {
    deps.jobs.register('image.from-instance', (p) => this.settle(p as Job));
  }

  async create(caller: Scope, req: CreateImageRequest, tags: { image: { key: string; value: string }[]; snapshot: { key: string; value: string }[] }, checkpoint: () => void): Promise<string> {
    const { store, images, snapshots, volumes } = this.deps;
    validateImageName(req.Name);
    validateDescription(req.Description);
    const [instance] = await this.deps.lifecycle.owned(caller, [req.InstanceId]);
    if (instance.state !== 'running' && instance.state !== 'stopped') {
      throw ec2Error('IncorrectInstanceState', `The instance '${instance.instance_id}' is not in a state from which it can be imaged (it is ${instance.state}); it must be running or stopped.`);
    }
    const taken = await store.images.findByName(caller.accountId, caller.region, req.Name);
    if (taken) throw duplicateName(req.Name, taken.image_id);
    const attached = (await store.instances.attachments([instance.instance_id])).filter((a) => a.status !== 'detaching');
    const plan = await this.mappings(caller, instance, attached, req.BlockDeviceMappings ?? []);
    const source = await store.images.get(instance.image_id);
    const spec = specOf(instance);
    checkpoint();
    const running = instance.state === 'running';
    if (!req.NoReboot && running) await store.instances.update(instance.instance_id, { spec: JSON.stringify({ ...spec, reboots: (spec.reboots ?? 0) + 1 }) });
    const resume = running ? await this.deps.driver.quiesce(driverInstance({ store, volumes }, instance), { clean: !req.NoReboot, timeoutMs: QUIESCE_MS }) : undefined;
    const row = images.newRow(caller, {
      name: req.Name,
      description: req.Description ?? null,
      state: 'pending',
      architecture: instance.architecture,
      virtualization_type: spec.virtualizationType,
      hypervisor: spec.hypervisor,
      root_device_name: instance.root_device_name,
      platform: spec.platform ?? null,
      platform_details: spec.platformDetails,
      usage_operation: spec.usageOperation,
      ena_support: spec.enaSupport ? 1 : null,
      sriov_net_support: spec.sriovNetSupport ?? null,
      boot_mode: req.BootModeOverride ?? spec.bootMode ?? null,
      tpm_support: spec.tpmSupport ?? null,
      imds_support: source?.imds_support ?? null,
      kernel_id: spec.kernelId ?? null,
      ramdisk_id: spec.ramdiskId ?? null,
      source_instance_id: instance.instance_id,
      source_image_id: instance.image_id,
      source_image_region: instance.region,
    });
    const devices: DeviceRow[] = [];
    const snapshotIds: string[] = [];
    try {
      for (const p of plan) {
        if (!p.volumeId) {
          devices.push({ ...p.device, position: devices.length });
          continue;
        }
        const volume = await store.volumes.get(p.volumeId);
        if (!volume) throw ec2Error('IncorrectInstanceState', `A volume of instance '${instance.instance_id}' is gone.`);
        const snap = await snapshots.createFromVolume(caller, volume, `Created by CreateImage(${instance.instance_id}) for ${row.image_id}`);
        snapshotIds.push(snap.snapshot_id);
        devices.push({ ...p.device, position: devices.length, snapshot_id: snap.snapshot_id, encrypted: volume.encrypted, kms_key_id: volume.encrypted ? volume.kms_key_arn : null });
      }
    } finally {
      await resume?.();
    }
    try {
      await store.images.insert(row, devices, spec.productCodes.map((c) => ({ product_code: c.code, type: c.type })));
    } catch (e) {
      // two CreateImage calls racing for one name: the unique index decides
      const holder = await store.images.findByName(caller.accountId, caller.region, req.Name);
      if (holder) throw duplicateName(req.Name, holder.image_id);
      throw e;
    }
    await store.tags.put(caller, [
      ...tags.image.map((t) => ({ resourceId: row.image_id, resourceType: 'image', ...t })),
      ...snapshotIds.flatMap((id) => tags.snapshot.map((t) => ({ resourceId: id, resourceType: 'snapshot', ...t }))),
    ]);
    await this.deps.jobs.schedule('image.from-instance', { imageId: row.image_id, snapshotIds } satisfies Job, this.deps.settleMs);
    return row.image_id;
  }

  /** The new image's devices: the instance's volumes (to snapshot) with the request applied. */
  private async mappings(caller: Scope, instance: InstanceRow, attached: { volume_id: string; device_name: string; delete_on_termination: number }[], requested: readonly BlockDeviceMapping[]) {
    const plan = new Map<string, { volumeId?: string; device: Omit<DeviceRow, 'position'> }>();
    const blank = { virtual_name: null, no_device: 0, snapshot_id: null, volume_size: null, volume_type: null, delete_on_termination: null, encrypted: null, iops: null, throughput: null, kms_key_id: null };
    for (const a of [...attached].sort((x, y) => (x.device_name === instance.root_device_name ? -1 : y.device_name === instance.root_device_name ? 1 : x.device_name < y.device_name ? -1 : 1))) {
      const v = await this.deps.store.volumes.get(a.volume_id);
      if (!v) continue;
      plan.set(a.device_name, {
        volumeId: v.volume_id,
        // gp2's IOPS follow its size: only provisioned performance belongs in the mapping
        device: { ...blank, device_name: a.device_name, volume_size: v.size_gib, volume_type: v.volume_type, delete_on_termination: a.delete_on_termination, iops: v.volume_type === 'gp2' ? null : v.iops, throughput: v.throughput },
      });
    }
    for (const s of specOf(instance).instanceStore) plan.set(s.deviceName, { device: { ...blank, device_name: s.deviceName, virtual_name: s.virtualName } });
    for (const m of requested) {
      const name = m.DeviceName;
      if (!name) throw ec2Error('MissingParameter', 'The request must contain the parameter BlockDeviceMapping.DeviceName');
      const existing = plan.get(name);
      if (m.NoDevice !== undefined) {
        if (name === instance.root_device_name) throw badMapping(`The root device ${name} cannot be removed with NoDevice.`);
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

  /** pending -> available once every snapshot completed (failed if one errored). */
  private async settle(job: Job): Promise<'done' | { retryInMs: number }> {
    const { store } = this.deps;
    const image = await store.images.get(job.imageId);
    if (image?.state !== 'pending') return 'done';
    const snaps = await Promise.all(job.snapshotIds.map((id) => store.snapshots.get(id)));
    const failed = snaps.findIndex((s) => !s || s.state === 'error');
    if (failed >= 0) {
      const reason = snaps[failed]?.state_message ?? 'the snapshot no longer exists';
      await store.images.update(job.imageId, { state: 'failed', state_reason_code: 'Client.SnapshotFailed', state_reason_message: `Snapshot ${job.snapshotIds[failed]} failed: ${reason}` });
      return 'done';
    }
    if (snaps.every((s) => s!.state === 'completed')) {
      await store.images.update(job.imageId, { state: 'available' });
      return 'done';
    }
    return { retryInMs: Math.max(10, Math.floor(this.deps.settleMs / 2)) };
  }
}
