// The AMI catalog's domain: lookups with AWS's visibility rules, RegisterImage, DescribeImages,
// DeregisterImage, and `create`, where every way an image comes into being ends (RegisterImage,
// CreateImage from an instance in image-from-instance.ts, CopyImage in image-copy.ts): the row,
// its devices, product codes and tags, and for an image waiting on its snapshots the one
// settle job, in one unit of work. Sharing, lifecycle switches, attributes, the Recycle Bin,
// ancestry and references live beside it.
//
// Visibility: an image is visible to its owner, to accounts and organizations it is shared
// with, and to everyone when public; others' private images are indistinguishable from
// missing ones. Deregistered images stay visible to their owner (state `deregistered`) for
// `deregisteredVisibleMs` ("a short interval"), then are unknown forever; images retained by
// the Recycle Bin are listed there instead.
import type { BlockDeviceMapping, DescribeImagesRequest, Image, ImageAncestryEntry, RegisterImageRequest } from '../../../api/ec2/types.js';
import { JobRunner } from '../../../jobs/job-runner.js';
import type { Repos, Store } from '../../../store/store.js';
import type { TagRow } from '../../../store/repos/tags.js';
import type { Scope } from '../../../store/scope.js';
import type { ImageRow } from '../../../store/repos/images.js';
import { ImageNameTaken } from '../../../store/repos/images.js';
import { ec2Error, invalidParameterValue, missingParameter } from '../ec2-errors.js';
import { isId, newId } from '../resource-ids.js';
import { checkPageRequest, decodeToken, encodeToken } from '../pagination.js';
import type { PendingSnapshot, SnapshotService } from '../snapshots/snapshot-service.js';
import { buildImageQuery, imageOut } from './image-query.js';
import { duplicateName, validateDescription, validateImageName } from './image-names.js';
import { resolveMappings, type DeviceRow } from './block-device-mappings.js';
import type { ImageRecycleBin } from './image-recycle-bin.js';
import { imageAncestry } from './image-ancestry.js';

export interface ImageDeps {
  store: Store;
  snapshots: SnapshotService;
  jobs: JobRunner;
  recycleBin: ImageRecycleBin;
  settleMs: number;
  /** how long deregistered images stay visible to their owners (AWS: "a short interval") */
  deregisteredVisibleMs: number;
}

export type Caller = Scope;

export const ROOT_DEVICE_DEFAULT = '/dev/xvda';

/** An image's block devices, tags and product codes, by image id. */
type ImageParts = readonly [Awaited<ReturnType<Store['images']['blockDevices']>>, Awaited<ReturnType<Store['tags']['forResources']>>, Awaited<ReturnType<Store['images']['productCodes']>>];

/** DescribeImages of at most this many ImageIds reads the images' parts beside the images (one round trip, not two). */
const PREFETCH_IDS = 20;

/** A new image as it is written: its row, devices, product codes and tags (its snapshots' too). */
export interface NewImage {
  row: ImageRow;
  devices: DeviceRow[];
  productCodes?: { product_code: string; type: string }[];
  tags?: TagRow[];
  /** snapshots made for it (CopyImage, CreateImage), written in its unit of work */
  snapshots?: PendingSnapshot[];
  /** more writes of the caller's in the same unit of work (CopyImage: its ClientToken's answer) */
  also?: (tx: Repos) => Promise<void>;
}

/** A snapshot whose failure AWS reports as the key's fault. */
const KMS_FAILURE = /^(NotFoundException|DisabledException|KMSInvalidStateException|AccessDeniedException|InvalidArnException|KeyUnavailableException|InvalidKeyUsageException)\b/;

export interface DeleteSnapshotResult {
  snapshotId: string;
  returnCode: 'success' | 'skipped' | 'missing-permissions' | 'internal-error' | 'client-error';
}

export class ImageService {
  constructor(private readonly deps: ImageDeps) {
    deps.snapshots.registerUser((snapshotId) => deps.store.images.imageUsingSnapshot(snapshotId));
    const settle = (payload: unknown) => this.settle((payload as { imageId: string }).imageId);
    deps.jobs.register('image.settle', settle);
    // the kinds earlier versions scheduled (a data directory may still hold them)
    for (const kind of ['image.available', 'image.copy', 'image.from-instance']) deps.jobs.register(kind, settle);
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

  /** Deregistered within the visibility window, and not in the Recycle Bin. */
  recentlyDeregistered(row: ImageRow): boolean {
    return Boolean(row.deregistered_at && !row.recycle_bin_until && Date.now() - Date.parse(row.deregistered_at) < this.deps.deregisteredVisibleMs);
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

  /** An owned image that is not deregistered (what changes need). */
  async getOwnedLive(caller: Caller, imageId: string): Promise<ImageRow> {
    const row = await this.getOwned(caller, imageId);
    if (row.state === 'deregistered') throw unavailable(imageId);
    return row;
  }

  // ---- creation ---------------------------------------------------------------------

  async register(caller: Caller, req: RegisterImageRequest, tags: { key: string; value: string }[], checkpoint: () => void): Promise<ImageRow> {
    validateImageName(req.Name);
    validateDescription(req.Description);
    if (req.ImageLocation) {
      throw ec2Error('UnsupportedOperation', 'Instance store-backed AMIs (ImageLocation) are not supported: register an EBS-backed AMI from a snapshot.');
    }
    if (req.BillingProducts?.length) throw invalidParameterValue('This account is not authorized to use billing products.');
    if (req.UefiData !== undefined && (req.UefiData.length > 64000 || !/^[A-Za-z0-9+/]*={0,2}$/.test(req.UefiData))) {
      throw invalidParameterValue('UefiData must be base64 of at most 64000 characters.');
    }
    const mappings = req.BlockDeviceMappings ?? [];
    const rootDeviceName = req.RootDeviceName;
    if (!rootDeviceName) throw missingParameter('RootDeviceName');
    if (!mappings.some((m) => m.DeviceName === rootDeviceName && m.Ebs?.SnapshotId)) {
      throw ec2Error('InvalidBlockDeviceMapping', `The root device ${rootDeviceName} must be mapped to an EBS snapshot in BlockDeviceMapping.`);
    }
    const devices = await this.resolveMappings(caller, mappings);
    await this.assertNameFree(caller, req.Name);
    checkpoint();
    const row = this.newRow(caller, {
      name: req.Name,
      description: req.Description ?? null,
      state: 'available',
      architecture: req.Architecture ?? 'i386', // AWS's documented defaults for RegisterImage
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
    await this.create({ row, devices, tags: tags.map((t) => ({ resourceId: row.image_id, resourceType: 'image', ...t })) });
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
      recycled_state: null,
      ...fields,
    };
  }

  /** What an image made from another (CopyImage; CreateImage from an instance) inherits from it. */
  static inheritedFrom(source: ImageRow): Partial<ImageRow> {
    return {
      architecture: source.architecture,
      virtualization_type: source.virtualization_type,
      hypervisor: source.hypervisor,
      root_device_name: source.root_device_name,
      root_device_type: source.root_device_type,
      image_type: source.image_type,
      platform: source.platform,
      platform_details: source.platform_details,
      usage_operation: source.usage_operation,
      ena_support: source.ena_support,
      sriov_net_support: source.sriov_net_support,
      boot_mode: source.boot_mode,
      tpm_support: source.tpm_support,
      uefi_data: source.uefi_data,
      imds_support: source.imds_support,
      kernel_id: source.kernel_id,
      ramdisk_id: source.ramdisk_id,
      source_image_id: source.image_id,
      source_image_region: source.region,
    };
  }

  /** Block device mappings from the request into catalog rows (see block-device-mappings.ts). */
  resolveMappings(caller: Caller, mappings: readonly BlockDeviceMapping[], _opts?: { fromSnapshot: 'register' }): Promise<DeviceRow[]> {
    return resolveMappings(this.deps.snapshots, caller, mappings);
  }

  /** InvalidAMIName.Duplicate when a live image of the caller in the region has the name. */
  async assertNameFree(caller: Caller, name: string): Promise<void> {
    const existing = await this.deps.store.images.findByName(caller.accountId, caller.region, name);
    if (existing) throw duplicateName(name, existing.image_id);
  }

  /**
   * Writes a new image in one unit of work: row, devices, product codes, tags and, when it is
   * `pending` on its snapshots, the settle job. A name taken meanwhile is
   * InvalidAMIName.Duplicate (the unique index decides between racing creators).
   */
  async create(image: NewImage, tx?: Repos): Promise<void> {
    const { row } = image;
    const settleJob = row.state === 'pending' ? JobRunner.row('image.settle', { imageId: row.image_id }, this.deps.settleMs) : undefined;
    try {
      await (tx ?? this.deps.store).transaction(async (t) => {
        for (const s of image.snapshots ?? []) await this.deps.snapshots.write(s, t);
        await t.images.insert(row, image.devices, image.productCodes ?? []);
        if (image.tags?.length) await t.tags.put({ accountId: row.account_id, region: row.region }, image.tags);
        if (settleJob) await t.jobs.insert(settleJob);
        await image.also?.(t);
      });
    } catch (e) {
      if (!(e instanceof ImageNameTaken)) throw e;
      await this.assertNameFree({ accountId: row.account_id, region: row.region }, row.name);
      throw e;
    }
    this.deps.snapshots.notify(image.snapshots ?? []);
    if (settleJob) this.deps.jobs.notify(this.deps.settleMs);
  }

  /**
   * The settle job of a `pending` image: `available` once every snapshot of its devices
   * completed, `failed` (with the snapshot's reason) when one ended in error or is gone.
   */
  private async settle(imageId: string): Promise<'done' | { retryInMs: number }> {
    const { store } = this.deps;
    const image = await store.images.get(imageId);
    if (image?.state !== 'pending') return 'done'; // deregistered meanwhile, or already settled
    const devices = (await store.images.blockDevices([imageId])).get(imageId) ?? [];
    for (const d of devices) {
      if (!d.snapshot_id) continue;
      const snap = await store.snapshots.get(d.snapshot_id);
      const fail = (code: string, message: string) => store.images.update(imageId, { state: 'failed', state_reason_code: code, state_reason_message: message }).then(() => 'done' as const);
      if (!snap) return fail('Server.InternalError', `The snapshot ${d.snapshot_id} of the image no longer exists.`);
      if (snap.state === 'error') {
        const message = snap.state_message ?? `The snapshot ${d.snapshot_id} failed.`;
        return fail(KMS_FAILURE.test(message) ? 'Client.InvalidKMSKey.InvalidState' : 'Server.InternalError', message);
      }
      if (snap.state !== 'completed') return { retryInMs: Math.min(1000, Math.max(10, Math.floor(this.deps.settleMs / 2))) };
    }
    await store.images.update(imageId, { state: 'available' });
    return 'done';
  }

  // ---- DescribeImages ---------------------------------------------------------------

  async describe(caller: Caller, input: DescribeImagesRequest): Promise<{ images: Image[]; nextToken?: string }> {
    const { store } = this.deps;
    for (const id of input.ImageIds ?? []) ImageService.assertId(id);
    checkPageRequest(input, { idsParameter: 'imagesSet', hasIds: Boolean(input.ImageIds?.length) });
    const binding = { op: 'DescribeImages', caller: { accountId: caller.accountId, region: caller.region }, input: { ...input, MaxResults: undefined, NextToken: undefined, DryRun: undefined } };
    const requested = input.ImageIds?.length ? [...new Set(input.ImageIds)] : undefined;
    const whole = input.MaxResults === undefined && !input.NextToken;
    if (whole && requested && requested.length <= PREFETCH_IDS) {
      // a few named images: the caller's organizations, the images and their parts read at once
      // (one round trip on PostgreSQL, each on its own connection); the query is made again
      // with the organizations only when the caller belongs to one
      const query = (orgs: string[]) => buildImageQuery(input, { ...caller, orgs }, new Date(), this.deps.deregisteredVisibleMs);
      const [orgs, unshared, ...parts] = await Promise.all([
        this.orgsOf(caller.accountId),
        store.images.describe(query([])),
        store.images.blockDevices(requested),
        store.tags.forResources(caller, requested),
        store.images.productCodes(requested),
      ] as const);
      const rows = orgs.length ? await store.images.describe(query(orgs)) : unshared;
      await this.assertFound(caller, input.ImageIds!, rows);
      return { images: this.output(caller, rows, parts) };
    }
    const orgs = await this.orgsOf(caller.accountId);
    const query = buildImageQuery(input, { ...caller, orgs }, new Date(), this.deps.deregisteredVisibleMs);
    let rows: ImageRow[];
    let nextToken: string | undefined;
    if (whole) {
      rows = await store.images.describe(query);
    } else {
      // page through the index by image id: fetch one more than asked to know if more exist
      const size = Math.min(input.MaxResults ?? 1000, 1000);
      const after = input.NextToken ? decodeToken(binding, input.NextToken) : undefined;
      const fetched = await store.images.describe({ ...query, after, limit: size + 1 });
      rows = fetched.slice(0, size);
      if (fetched.length > size) nextToken = encodeToken(binding, rows[rows.length - 1].image_id);
    }
    if (input.ImageIds?.length) await this.assertFound(caller, input.ImageIds, rows);
    const ids = rows.map((r) => r.image_id);
    const parts = await Promise.all([store.images.blockDevices(ids), store.tags.forResources(caller, ids), store.images.productCodes(ids)] as const);
    return { images: this.output(caller, rows, parts), nextToken };
  }

  /**
   * Ids that exist nowhere (or no longer), or that the caller may not see (another account's
   * private image: answered as if it never existed, as snapshots and volumes are), fail the
   * request; visible images that filters exclude are left out.
   */
  private async assertFound(caller: Caller, imageIds: readonly string[], rows: readonly ImageRow[]): Promise<void> {
    const found = new Set(rows.map((r) => r.image_id));
    for (const id of imageIds) {
      if (found.has(id)) continue;
      const row = await this.deps.store.images.get(id);
      if (!row || !(await this.canSee(caller, row))) throw ImageService.notFound(id);
    }
  }

  private output(caller: Caller, rows: readonly ImageRow[], [devices, tags, codes]: ImageParts): Image[] {
    return rows.map((r) => imageOut(r, caller.accountId, devices.get(r.image_id) ?? [], tags.get(r.image_id), codes.get(r.image_id)));
  }

  /** GetImageAncestry (image-ancestry.ts). */
  ancestry(caller: Caller, imageId: string): Promise<ImageAncestryEntry[]> {
    return imageAncestry(this.deps.store, this, caller, imageId);
  }

  // ---- DeregisterImage --------------------------------------------------------------

  async deregister(caller: Caller, imageId: string, deleteSnapshots: boolean, checkpoint: () => void): Promise<DeleteSnapshotResult[]> {
    const { store, recycleBin } = this.deps;
    ImageService.assertId(imageId);
    const existing = await store.images.get(imageId);
    if (existing?.account_id === caller.accountId && existing.region === caller.region && existing.state === 'deregistered') {
      throw this.recentlyDeregistered(existing) ? unavailable(imageId) : ImageService.notFound(imageId);
    }
    const image = await this.getOwned(caller, imageId);
    const cooling = image.protection_cooldown_until && Date.parse(image.protection_cooldown_until) > Date.now();
    if (image.deregistration_protection.startsWith('enabled') || cooling) {
      throw ec2Error(
        'OperationNotPermitted',
        `The image ${imageId} can't be deregistered because deregistration protection is enabled${cooling ? ` until ${image.protection_cooldown_until}` : ''}. Disable it first (DisableImageDeregistrationProtection).`,
      );
    }
    checkpoint();
    const now = new Date();
    const binUntil = await recycleBin.exitTime(caller, now);
    await store.transaction(async (tx) => {
      await tx.images.update(imageId, {
        state: 'deregistered',
        deregistered_at: now.toISOString(),
        public: 0,
        recycle_bin_until: binUntil ?? null,
        recycled_state: binUntil ? image.state : null,
      });
      await tx.images.clearLaunchPermissions(imageId);
      if (binUntil) await recycleBin.mark(image, tx);
    });
    return deleteSnapshots ? this.deleteSnapshotsOf(caller, imageId) : [];
  }

  /** DeleteAssociatedSnapshots: each snapshot deleted unless another image uses it. */
  private async deleteSnapshotsOf(caller: Caller, imageId: string): Promise<DeleteSnapshotResult[]> {
    const { store, snapshots } = this.deps;
    const results: DeleteSnapshotResult[] = [];
    const devices = (await store.images.blockDevices([imageId])).get(imageId) ?? [];
    for (const snapshotId of new Set(devices.flatMap((d) => (d.snapshot_id ? [d.snapshot_id] : [])))) {
      const snap = await store.snapshots.get(snapshotId);
      let returnCode: DeleteSnapshotResult['returnCode'];
      if (!snap) returnCode = 'client-error';
      else if (snap.account_id !== caller.accountId) returnCode = 'missing-permissions';
      else if (await snapshots.usedBy(snapshotId)) returnCode = 'skipped';
      else {
        try {
          await snapshots.delete(caller, snapshotId);
          returnCode = 'success';
        } catch {
          returnCode = 'internal-error';
        }
      }
      results.push({ snapshotId, returnCode });
    }
    return results;
  }
}

export function unavailable(imageId: string) {
  return ec2Error('InvalidAMIID.Unavailable', `The image id '[${imageId}]' is no longer available`);
}
