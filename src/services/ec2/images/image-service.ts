// The AMI catalog's domain: lookups with AWS's visibility rules, RegisterImage, DescribeImages,
// DeregisterImage. Attributes, sharing and lifecycle switches live beside it
// (image-attributes.ts, image-lifecycle.ts); CopyImage and CreateImage in their own files.
//
// Visibility: an image is visible to its owner, to accounts and organizations it is shared
// with, and to everyone when public; others' private images are indistinguishable from
// missing ones. Deregistered images stay visible to their owner (state `deregistered`) for
// `deregisteredVisibleMs`, then are unknown forever.
import type { BlockDeviceMapping, DescribeImagesRequest, Image, RegisterImageRequest } from '../../../api/ec2/types.js';
import type { JobRunner } from '../../../jobs/job-runner.js';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { ImageBlockDeviceRow, ImageRow } from '../../../store/repos/images.js';
import { ec2Error, invalidParameterValue } from '../ec2-errors.js';
import { isId, newId } from '../resource-ids.js';
import { decodeToken, encodeToken } from '../pagination.js';
import type { SnapshotService } from '../snapshots/snapshot-service.js';
import { buildImageQuery, imageOut } from './image-query.js';
import { validateImageName } from './image-names.js';

export interface ImageDeps {
  store: Store;
  snapshots: SnapshotService;
  jobs: JobRunner;
  settleMs: number;
  /** how long deregistered images stay visible to their owners (AWS: "a short interval") */
  deregisteredVisibleMs: number;
}

export type Caller = Scope;

export const ROOT_DEVICE_DEFAULT = '/dev/xvda';

export class ImageService {
  constructor(private readonly deps: ImageDeps) {
    deps.snapshots.registerUser((snapshotId) => deps.store.images.imageUsingSnapshot(snapshotId));
    deps.jobs.register('image.available', async (payload) => {
      const { imageId } = payload as { imageId: string };
      const row = await deps.store.images.get(imageId);
      if (row?.state === 'pending') await deps.store.images.update(imageId, { state: 'available' });
      return 'done';
    });
  }

  static assertId(imageId: string): void {
    if (!isId('ami', imageId)) throw ec2Error('InvalidAMIID.Malformed', `Invalid id: "${imageId}" (expecting "ami-...")`);
  }

  static notFound(imageId: string) {
    return ec2Error('InvalidAMIID.NotFound', `The image id '[${imageId}]' does not exist`);
  }

  orgsOf(accountId: string): Promise<string[]> {
    return this.deps.store.organizations.principalsOf(accountId);
  }

  /** Whether the caller may see (and launch) an image apart from its state. */
  async canSee(caller: Caller, row: ImageRow): Promise<boolean> {
    if (row.region !== caller.region) return false;
    if (row.account_id === caller.accountId) return row.state !== 'deregistered' || this.recentlyDeregistered(row);
    if (row.state === 'deregistered' || row.state === 'disabled') return false;
    if (row.public) return true;
    return this.deps.store.images.isSharedWith(row.image_id, caller.accountId, await this.orgsOf(caller.accountId));
  }

  private recentlyDeregistered(row: ImageRow): boolean {
    return Boolean(row.deregistered_at && Date.now() - Date.parse(row.deregistered_at) < this.deps.deregisteredVisibleMs);
  }

  /** An image the caller can see, else InvalidAMIID.NotFound. */
  async getVisible(caller: Caller, imageId: string): Promise<ImageRow> {
    ImageService.assertId(imageId);
    const row = await this.deps.store.images.get(imageId);
    if (!row || !(await this.canSee(caller, row))) throw ImageService.notFound(imageId);
    return row;
  }

  /**
   * An image the caller owns. A visible image of another account is `AuthFailure` ("Not
   * authorized for image:…", HTTP 400, as AWS answers); an invisible one is NotFound.
   */
  async getOwned(caller: Caller, imageId: string): Promise<ImageRow> {
    const row = await this.getVisible(caller, imageId);
    if (row.account_id !== caller.accountId) throw ec2Error('AuthFailure', `Not authorized for image:${imageId}`);
    return row;
  }

  // ---- RegisterImage ----------------------------------------------------------------

  async register(caller: Caller, req: RegisterImageRequest, checkpoint: () => void): Promise<ImageRow> {
    const { store, snapshots } = this.deps;
    validateImageName(req.Name);
    if (req.Description !== undefined && [...req.Description].length > 255) throw invalidParameterValue('The description must be at most 255 characters long.');
    if (req.ImageLocation) {
      throw ec2Error('UnsupportedOperation', 'Instance store-backed AMIs (ImageLocation) are not supported: register an EBS-backed AMI from a snapshot.');
    }
    if (req.BillingProducts?.length) throw ec2Error('InvalidParameterValue', 'This account is not authorized to use billing products.');
    if (req.UefiData !== undefined && (req.UefiData.length > 64000 || !/^[A-Za-z0-9+/]*={0,2}$/.test(req.UefiData))) {
      throw invalidParameterValue('UefiData must be base64 of at most 64000 characters.');
    }
    const mappings = req.BlockDeviceMappings ?? [];
    const rootDeviceName = req.RootDeviceName;
    if (!rootDeviceName) throw ec2Error('MissingParameter', 'The request must contain the parameter RootDeviceName');
    if (!mappings.some((m) => m.DeviceName === rootDeviceName && m.Ebs?.SnapshotId)) {
      throw ec2Error('InvalidBlockDeviceMapping', `The root device ${rootDeviceName} must be mapped to an EBS snapshot in BlockDeviceMapping.`);
    }
    const devices = await this.resolveMappings(caller, mappings, { fromSnapshot: 'register' });
    const existing = await store.images.findByName(caller.accountId, caller.region, req.Name);
    if (existing) throw ec2Error('InvalidAMIName.Duplicate', `AMI name ${req.Name} is already in use by AMI ${existing.image_id}`);
    checkpoint();
    const row = this.newRow(caller, {
      name: req.Name,
      description: req.Description ?? null,
      state: 'available',
      architecture: req.Architecture ?? 'i386', // AWS's documented default for RegisterImage
      virtualization_type: req.VirtualizationType ?? 'paravirtual',
      root_device_name: rootDeviceName,
      ena_support: req.EnaSupport === undefined ? null : req.EnaSupport ? 1 : 0,
      sriov_net_support: req.SriovNetSupport ?? null,
      boot_mode: req.BootMode ?? null,
      tpm_support: req.TpmSupport ?? null,
      uefi_data: req.UefiData ?? null,
      imds_support: req.ImdsSupport ?? null,
      kernel_id: req.KernelId ?? null,
      ramdisk_id: req.RamdiskId ?? null,
    });
    await store.images.insert(row, devices);
    void snapshots; // snapshots are held through snapshots.registerUser
    return row;
  }

  /** A fresh catalog row with AWS's defaults, owned by the caller. */
  newRow(caller: Caller, fields: Partial<ImageRow> & Pick<ImageRow, 'name' | 'state'>): ImageRow {
    const imageId = newId('ami');
    return {
      image_id: imageId,
      account_id: caller.accountId,
      region: caller.region,
      description: null,
      state_reason_code: null,
      state_reason_message: null,
      architecture: 'x86_64',
      virtualization_type: 'hvm',
      hypervisor: 'xen',
      root_device_name: ROOT_DEVICE_DEFAULT,
      root_device_type: 'ebs',
      image_type: 'machine',
      platform: null,
      platform_details: 'Linux/UNIX',
      usage_operation: 'RunInstances',
      ena_support: null,
      sriov_net_support: null,
      boot_mode: null,
      tpm_support: null,
      uefi_data: null,
      imds_support: null,
      kernel_id: null,
      ramdisk_id: null,
      image_location: `${caller.accountId}/${fields.name}`,
      owner_alias: null,
      creation_date: new Date().toISOString(),
      deprecation_time: null,
      last_launched_time: null,
      source_instance_id: null,
      source_image_id: null,
      source_image_region: null,
      deregistration_protection: 'disabled',
      protection_cooldown_until: null,
      public: 0,
      free_tier_eligible: 0,
      deregistered_at: null,
      recycle_bin_until: null,
      client_token: null,
      ...fields,
    };
  }

  /**
   * Block device mappings of RegisterImage (from snapshots the caller may use; `Encrypted`
   * must be omitted for them; size >= snapshot) into catalog rows.
   */
  async resolveMappings(caller: Caller, mappings: readonly BlockDeviceMapping[], _opts: { fromSnapshot: 'register' }): Promise<Omit<ImageBlockDeviceRow, 'image_id'>[]> {
    const seen = new Set<string>();
    const out: Omit<ImageBlockDeviceRow, 'image_id'>[] = [];
    for (const [position, m] of mappings.entries()) {
      if (!m.DeviceName) throw ec2Error('MissingParameter', 'The request must contain the parameter BlockDeviceMapping.DeviceName');
      if (seen.has(m.DeviceName)) throw ec2Error('InvalidBlockDeviceMapping', `The device name ${m.DeviceName} is used more than once.`);
      seen.add(m.DeviceName);
      const base = { position, device_name: m.DeviceName, virtual_name: null, no_device: 0, snapshot_id: null, volume_size: null, volume_type: null, delete_on_termination: null, encrypted: null, iops: null, throughput: null, kms_key_id: null };
      if (m.NoDevice !== undefined) {
        out.push({ ...base, no_device: 1 });
        continue;
      }
      if (m.VirtualName !== undefined) {
        if (m.Ebs) throw ec2Error('InvalidBlockDeviceMapping', `The device ${m.DeviceName} cannot have both a virtual name and an EBS volume.`);
        if (!/^ephemeral\d+$/.test(m.VirtualName)) throw ec2Error('InvalidBlockDeviceMapping', `Invalid virtual name ${m.VirtualName} (expecting ephemeral0..ephemeral23).`);
        out.push({ ...base, virtual_name: m.VirtualName });
        continue;
      }
      const ebs = m.Ebs;
      if (!ebs) throw ec2Error('InvalidBlockDeviceMapping', `The device ${m.DeviceName} needs Ebs, VirtualName or NoDevice.`);
      const volumeType = ebs.VolumeType ?? 'gp2';
      if (ebs.SnapshotId) {
        if (ebs.Encrypted !== undefined) {
          throw ec2Error('InvalidBlockDeviceMapping', 'The parameter Encrypted is not supported for a mapping created from a snapshot: the encryption follows the snapshot.');
        }
        const snap = await this.deps.snapshots.getVisible(caller, ebs.SnapshotId);
        if (snap.state !== 'completed') throw ec2Error('IncorrectState', `Snapshot ${snap.snapshot_id} is not completed (state ${snap.state}).`);
        const size = ebs.VolumeSize ?? snap.volume_size;
        if (size < snap.volume_size) {
          throw ec2Error('InvalidBlockDeviceMapping', `Volume of size ${size}GB is smaller than snapshot '${snap.snapshot_id}', expect size >= ${snap.volume_size}GB`);
        }
        out.push({
          ...base,
          snapshot_id: snap.snapshot_id,
          volume_size: size,
          volume_type: volumeType,
          delete_on_termination: ebs.DeleteOnTermination === false ? 0 : 1,
          encrypted: snap.encrypted,
          iops: ebs.Iops ?? null,
          throughput: ebs.Throughput ?? null,
          kms_key_id: snap.encrypted ? snap.kms_key_arn : null,
        });
      } else {
        if (ebs.VolumeSize === undefined) throw ec2Error('InvalidBlockDeviceMapping', `The device ${m.DeviceName} needs a VolumeSize or a SnapshotId.`);
        if (ebs.KmsKeyId && !ebs.Encrypted) throw ec2Error('InvalidParameterDependency', 'The parameter KmsKeyId requires the parameter Encrypted to be set.');
        out.push({
          ...base,
          volume_size: ebs.VolumeSize,
          volume_type: volumeType,
          delete_on_termination: ebs.DeleteOnTermination === false ? 0 : 1,
          encrypted: ebs.Encrypted ? 1 : 0,
          iops: ebs.Iops ?? null,
          throughput: ebs.Throughput ?? null,
          kms_key_id: ebs.KmsKeyId ?? null,
        });
      }
    }
    return out;
  }

  /** Puts an image in `pending` and lets the job make it `available` after settleMs. */
  async settle(imageId: string): Promise<void> {
    await this.deps.jobs.schedule('image.available', { imageId }, this.deps.settleMs);
  }

  // ---- DescribeImages ---------------------------------------------------------------

  async describe(caller: Caller, input: DescribeImagesRequest): Promise<{ images: Image[]; nextToken?: string }> {
    const { store } = this.deps;
    for (const id of input.ImageIds ?? []) ImageService.assertId(id);
    if (input.MaxResults !== undefined && input.ImageIds?.length) {
      throw ec2Error('InvalidParameterCombination', 'The parameter imagesSet cannot be used with the parameter maxResults');
    }
    const orgs = await this.orgsOf(caller.accountId);
    const query = buildImageQuery(input, { ...caller, orgs }, new Date(), this.deps.deregisteredVisibleMs);
    const binding = { op: 'DescribeImages', caller, input: { ...input, MaxResults: undefined, NextToken: undefined, DryRun: undefined } };
    let rows: ImageRow[];
    let nextToken: string | undefined;
    if (input.MaxResults === undefined && !input.NextToken) {
      rows = await store.images.describe(query);
    } else {
      if (input.MaxResults !== undefined && (!Number.isInteger(input.MaxResults) || input.MaxResults < 1)) {
        throw invalidParameterValue(`Value ( ${input.MaxResults} ) for parameter maxResults is invalid. Expecting a value greater than 0.`);
      }
      // page through the index by image id: fetch one more than asked to know if more exist
      const size = Math.min(input.MaxResults ?? 1000, 1000);
      const after = input.NextToken ? decodeToken(binding, input.NextToken) : undefined;
      const fetched = await store.images.describe({ ...query, after, limit: size + 1 });
      rows = fetched.slice(0, size);
      if (fetched.length > size) nextToken = encodeToken(binding, rows[rows.length - 1].image_id);
    }
    if (input.ImageIds?.length) {
      // explicit ids that exist nowhere (or no longer) fail the request; invisible ones are omitted
      const found = new Set(rows.map((r) => r.image_id));
      for (const id of input.ImageIds) {
        if (found.has(id)) continue;
        const row = await store.images.get(id);
        if (!row || row.region !== caller.region || (row.state === 'deregistered' && !(row.account_id === caller.accountId && this.recentlyDeregistered(row)))) {
          throw ImageService.notFound(id);
        }
      }
    }
    const ids = rows.map((r) => r.image_id);
    const [devices, tags, codes] = await Promise.all([store.images.blockDevices(ids), store.tags.forResources(caller, ids), store.images.productCodes(ids)]);
    return { images: rows.map((r) => imageOut(r, caller.accountId, devices.get(r.image_id) ?? [], tags.get(r.image_id), codes.get(r.image_id))), nextToken };
  }

  // ---- DeregisterImage --------------------------------------------------------------

  async deregister(caller: Caller, imageId: string, deleteSnapshots: boolean, checkpoint: () => void): Promise<{ snapshotId: string; returnCode: string }[]> {
    const { store, snapshots } = this.deps;
    ImageService.assertId(imageId);
    const row = await store.images.get(imageId);
    if (row && row.account_id === caller.accountId && row.region === caller.region && row.state === 'deregistered') {
      throw ec2Error('InvalidAMIID.Unavailable', `The image ${imageId} is no longer available`);
    }
    const image = await this.getOwned(caller, imageId);
    const protectedNow = image.deregistration_protection.startsWith('enabled') || (image.protection_cooldown_until && Date.parse(image.protection_cooldown_until) > Date.now());
    if (protectedNow) {
      throw ec2Error('OperationNotPermitted', `The image ${imageId} has deregistration protection enabled; disable it first (DisableImageDeregistrationProtection).`);
    }
    checkpoint();
    const now = new Date().toISOString();
    await store.images.update(imageId, { state: 'deregistered', deregistered_at: now, public: 0 });
    await store.images.clearLaunchPermissions(imageId);
    const results: { snapshotId: string; returnCode: string }[] = [];
    if (deleteSnapshots) {
      const devices = (await store.images.blockDevices([imageId])).get(imageId) ?? [];
      for (const d of devices) {
        if (!d.snapshot_id) continue;
        const snap = await store.snapshots.get(d.snapshot_id);
        if (!snap) {
          results.push({ snapshotId: d.snapshot_id, returnCode: 'client-error' });
        } else if (snap.account_id !== caller.accountId) {
          results.push({ snapshotId: d.snapshot_id, returnCode: 'missing-permissions' });
        } else if (await snapshots.usedBy(d.snapshot_id)) {
          results.push({ snapshotId: d.snapshot_id, returnCode: 'skipped' }); // another image still uses it
        } else {
          try {
            await snapshots.delete(caller, d.snapshot_id);
            results.push({ snapshotId: d.snapshot_id, returnCode: 'success' });
          } catch {
            results.push({ snapshotId: d.snapshot_id, returnCode: 'internal-error' });
          }
        }
      }
    }
    return results;
  }
}

