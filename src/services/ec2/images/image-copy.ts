// CopyImage, called in the destination region (CopyImage reference; "Copy an AMI" user guide).
//
// The copy is a new image owned by the caller: same properties and mappings, its own snapshots
// (each copied through SnapshotService.copy: by reference when the encryption stays, rewritten
// when it changes), `sourceImageId`/`sourceImageRegion` set, no launch permissions, no
// deprecation or protection, and tags only as asked (CopyImageTags: the caller's own user tags
// on the source, never `aws:` ones; TagSpecifications for the image and its snapshots).
// It is `pending` at once and the images' settle job (ImageService.create) makes it `available`
// when every snapshot copy completed, or `failed` (with a state reason) when one ended in error
// — which is how a KMS key that cannot be used surfaces: asynchronously, as AWS documents.
//
// Copying a shared or public image needs access to its storage: every snapshot must be owned
// by or shared with the caller, else "You do not have permission to access the storage of this
// ami". Images with AWS Marketplace product codes of another account cannot be copied.
import type { CopyImageRequest } from '../../../api/ec2/types.js';
import type { Repos, Store } from '../../../store/store.js';
import { findRegion } from '../../../config/regions.js';
import { idempotent } from '../client-token.js';
import { ec2Error, invalidParameterCombination, invalidParameterValue } from '../ec2-errors.js';
import type { PendingSnapshot, SnapshotService } from '../snapshots/snapshot-service.js';
import type { EbsDefaults } from '../encryption/ebs-defaults.js';
import { isReservedKey, tagsFromSpecs } from '../tags/tag-rules.js';
import type { DeviceRow } from './block-device-mappings.js';
import { ImageService, unavailable, type Caller } from './image-service.js';
import { validateDescription, validateImageName } from './image-names.js';

export interface ImageCopyDeps {
  store: Store;
  images: ImageService;
  snapshots: SnapshotService;
  defaults: EbsDefaults;
}

const COPY_MINUTES_STEP = 15;
const COPY_MINUTES_MAX = 2880;

export class ImageCopier {
  constructor(private readonly deps: ImageCopyDeps) {}

  /** Checks the request and starts the copy; returns the new image id (or, for a retried ClientToken, the first one). */
  async copy(caller: Caller, req: CopyImageRequest, checkpoint: () => void): Promise<string> {
    if (!findRegion(req.SourceRegion)) throw ec2Error('InvalidRegion', `Invalid region: ${req.SourceRegion}`);
    if (req.KmsKeyId && !req.Encrypted) throw ec2Error('InvalidParameterDependency', 'The parameter KmsKeyId requires the parameter Encrypted to be set.');
    const destinations = [req.DestinationOutpostArn, req.DestinationAvailabilityZone, req.DestinationAvailabilityZoneId].filter((d) => d !== undefined);
    if (destinations.length > 1) {
      throw invalidParameterCombination('Only one of DestinationAvailabilityZone, DestinationAvailabilityZoneId, or DestinationOutpostArn can be specified.');
    }
    if (destinations.length) throw ec2Error('UnsupportedOperation', 'Copies to Outposts and Local Zones are not supported: copy within or across Regions.');
    const minutes = req.SnapshotCopyCompletionDurationMinutes;
    if (minutes !== undefined && (!Number.isInteger(minutes) || minutes < COPY_MINUTES_STEP || minutes > COPY_MINUTES_MAX || minutes % COPY_MINUTES_STEP !== 0)) {
      throw invalidParameterValue(`Value (${minutes}) for parameter SnapshotCopyCompletionDurationMinutes is invalid. Specify a multiple of ${COPY_MINUTES_STEP} from ${COPY_MINUTES_STEP} to ${COPY_MINUTES_MAX}.`);
    }
    validateImageName(req.Name);
    validateDescription(req.Description);
    const specTags = tagsFromSpecs(req.TagSpecifications, ['image', 'snapshot']);
    return idempotent(this.deps.store, caller, {
      action: 'CopyImage',
      token: req.ClientToken,
      params: { ...req, ClientToken: undefined, DryRun: undefined },
      checkpoint,
      create: async (complete) => {
        const imageId = await this.start(caller, req, specTags, checkpoint, complete);
        return { result: imageId, record: imageId };
      },
      replay: async (imageId) => imageId,
    });
  }

  private async start(
    caller: Caller,
    req: CopyImageRequest,
    specTags: Map<string, { key: string; value: string }[]>,
    checkpoint: () => void,
    complete: (tx: Repos, record: string) => Promise<void>,
  ): Promise<string> {
    const { store, images, snapshots, defaults } = this.deps;
    const sourceScope = { accountId: caller.accountId, region: req.SourceRegion };
    const source = await images.getVisible(sourceScope, req.SourceImageId);
    if (source.state !== 'available') throw unavailable(source.image_id);
    const foreign = source.account_id !== caller.accountId;
    const devices = (await store.images.blockDevices([source.image_id])).get(source.image_id) ?? [];
    const codes = (await store.images.productCodes([source.image_id])).get(source.image_id) ?? [];
    if (foreign && codes.some((c) => c.type === 'marketplace')) {
      throw ec2Error('InvalidRequest', `Images with AWS Marketplace product codes shared by another account cannot be copied: launch an instance from ${source.image_id} and create an image of it instead.`);
    }
    const sourceSnapshots = new Map<string, NonNullable<Awaited<ReturnType<typeof store.snapshots.get>>>>();
    for (const d of devices) {
      if (!d.snapshot_id || sourceSnapshots.has(d.snapshot_id)) continue;
      const snap = await store.snapshots.get(d.snapshot_id);
      if (!snap || !(await snapshots.canUse(sourceScope, snap))) throw ec2Error('InvalidRequest', 'You do not have permission to access the storage of this ami');
      sourceSnapshots.set(d.snapshot_id, snap);
    }
    await images.assertNameFree(caller, req.Name);
    checkpoint();

    const row = images.newRow(caller, {
      ...ImageService.inheritedFrom(source),
      name: req.Name,
      description: req.Description ?? null,
      state: 'pending',
      client_token: req.ClientToken ?? null,
    });
    // Encrypted without a key: the destination's default EBS key, whatever the source used
    const kmsKeyId = req.KmsKeyId ?? (req.Encrypted ? await defaults.defaultKmsKeyArn(caller) : undefined);
    const created = Date.now();
    const copies = new Map<string, { snapshotId: string; encrypted: number }>();
    const pending: PendingSnapshot[] = [];
    for (const snap of sourceSnapshots.values()) {
      const description = `Copied for DestinationAmi ${row.image_id} from SourceAmi ${source.image_id} for SourceSnapshot ${snap.snapshot_id}. Task created on ${created}.`;
      const copy = await snapshots.planCopy(caller, snap, { description, encrypted: req.Encrypted, kmsKeyId });
      pending.push(copy);
      copies.set(snap.snapshot_id, { snapshotId: copy.row.snapshot_id, encrypted: copy.row.encrypted });
    }
    const newDevices: DeviceRow[] = devices.map(({ image_id: _, ...d }) => {
      const copy = d.snapshot_id ? copies.get(d.snapshot_id) : undefined;
      return copy ? { ...d, snapshot_id: copy.snapshotId, encrypted: copy.encrypted, kms_key_id: null } : d;
    });
    const snapshotTags = specTags.get('snapshot') ?? [];
    const imageTags = new Map<string, string>();
    if (req.CopyImageTags) {
      // the caller's own tags on the source (tags are per account: other accounts' never show up here)
      const own = (await store.tags.forResources(sourceScope, [source.image_id])).get(source.image_id) ?? [];
      for (const t of own) if (!isReservedKey(t.Key)) imageTags.set(t.Key, t.Value);
    }
    for (const t of specTags.get('image') ?? []) imageTags.set(t.key, t.value);
    // the snapshot copies, the image and the ClientToken's answer in one unit of work
    await images.create({
      row,
      also: (tx) => complete(tx, row.image_id),
      snapshots: pending,
      devices: newDevices,
      productCodes: codes,
      tags: [
        ...[...imageTags].map(([key, value]) => ({ resourceId: row.image_id, resourceType: 'image', key, value })),
        ...[...copies.values()].flatMap((c) => snapshotTags.map((t) => ({ resourceId: c.snapshotId, resourceType: 'snapshot', key: t.key, value: t.value }))),
      ],
    });
    return row.image_id;
  }
}
