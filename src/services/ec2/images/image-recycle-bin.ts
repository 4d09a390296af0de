// The Recycle Bin for images. Retention rules belong to the separate Recycle Bin service (rbin),
// which Imago does not serve; an operator sets one region-wide image retention period per
// account instead (admin endpoint /_imago/recycle-bin). With a period set, DeregisterImage puts
// the image in the bin: deregistered (its name is free, it holds no snapshots, DescribeImages
// does not list it), listed by ListImagesInRecycleBin until the period ends, restorable to the
// state it had. After the period it is gone for good (InvalidAMIID.NotFound).
//
// AWS rules kept: while in the bin an image can only be listed, restored or tagged; the
// system tag `aws:recycle-bin:resource-in-bin=true` marks it there; restoring needs its
// snapshots to exist again ("to recover the deleted AMI, its associated snapshot should be
// recovered first").
import type { Repos, Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { ImageRow } from '../../../store/repos/images.js';
import { ImageNameTaken } from '../../../store/repos/images.js';
import { ec2Error } from '../ec2-errors.js';
import { duplicateName } from './image-names.js';

export const IMAGE_RETENTION_DAYS = 'rbin.image-retention-days';
export const IN_BIN_TAG = 'aws:recycle-bin:resource-in-bin';
const DAY_MS = 24 * 3600_000;
/** Recycle Bin retention periods: 1 day to 1 year (rbin CreateRule) */
export const RETENTION_DAYS_RANGE: [number, number] = [1, 365];

export class ImageRecycleBin {
  constructor(private readonly store: Store) {}

  async retentionDays(scope: Scope): Promise<number | undefined> {
    const v = await this.store.accountAttributes.get(scope, IMAGE_RETENTION_DAYS);
    return v === undefined ? undefined : Number(v);
  }

  /** Sets (or, with undefined, removes) the account's image retention period in a region. */
  async setRetentionDays(scope: Scope, days: number | undefined): Promise<void> {
    if (days === undefined) await this.store.accountAttributes.delete(scope, IMAGE_RETENTION_DAYS);
    else await this.store.accountAttributes.set(scope, IMAGE_RETENTION_DAYS, String(days));
  }

  /** When an image deregistered now leaves the bin, or undefined when no rule retains it. */
  async exitTime(scope: Scope, now: Date): Promise<string | undefined> {
    const days = await this.retentionDays(scope);
    return days ? new Date(now.getTime() + days * DAY_MS).toISOString() : undefined;
  }

  /** Marks a just-deregistered image as in the bin (its owner's system tag), in the caller's unit of work. */
  async mark(image: ImageRow, tx: Repos = this.store): Promise<void> {
    const scope = { accountId: image.account_id, region: image.region };
    await tx.tags.put(scope, [{ resourceId: image.image_id, resourceType: 'image', key: IN_BIN_TAG, value: 'true' }]);
  }

  list(scope: Scope, imageIds?: readonly string[]): Promise<ImageRow[]> {
    return this.store.images.inRecycleBin(scope, new Date().toISOString(), imageIds);
  }

  async get(scope: Scope, imageId: string): Promise<ImageRow | undefined> {
    return (await this.list(scope, [imageId]))[0];
  }

  /** RestoreImageFromRecycleBin: back to the state it had, if its snapshots still exist and its name is free. */
  async restore(image: ImageRow, checkpoint: () => void): Promise<void> {
    const devices = (await this.store.images.blockDevices([image.image_id])).get(image.image_id) ?? [];
    for (const d of devices) {
      if (d.snapshot_id && !(await this.store.snapshots.get(d.snapshot_id))) {
        throw ec2Error('IncorrectState', `The image ${image.image_id} cannot be restored: its snapshot ${d.snapshot_id} does not exist. Restore the snapshot from the Recycle Bin first.`);
      }
    }
    checkpoint();
    try {
      await this.store.transaction(async (tx) => {
        await tx.images.updateChecked(image.image_id, {
          state: image.recycled_state ?? 'available',
          recycled_state: null,
          recycle_bin_until: null,
          deregistered_at: null,
        });
        await tx.tags.delete({ accountId: image.account_id, region: image.region }, image.image_id, [{ key: IN_BIN_TAG }]);
      });
    } catch (e) {
      if (!(e instanceof ImageNameTaken)) throw e;
      const holder = await this.store.images.findByName(image.account_id, image.region, image.name);
      throw duplicateName(image.name, holder?.image_id ?? 'another image');
    }
  }
}
