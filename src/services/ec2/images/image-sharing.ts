// Launch permissions: who besides the owner may see and launch an image (accounts, everyone,
// organizations, OUs), with AWS's rules: only the owner changes them; the image must be
// available; encrypted images cannot be public; images whose snapshots use the AWS managed
// EBS key cannot be shared at all; block public access stops new public shares; public images
// get a default deprecation time of two years.
import type { LaunchPermission, LaunchPermissionModifications } from '../../../api/ec2/types.js';
import type { Store } from '../../../store/store.js';
import type { LaunchPermissionRow, ImageRow } from '../../../store/repos/images.js';
import type { KmsService } from '../../kms/kms-service.js';
import { ec2Error } from '../ec2-errors.js';
import type { Caller } from './image-service.js';
import { publicDeprecationLimit } from './image-lifecycle.js';

export const IMAGE_BLOCK_PUBLIC_ACCESS = 'image.block-public-access';

export const ORG_ARN = /^arn:aws:organizations::\d{12}:organization\/o-[a-z0-9]{10,32}$/;
export const OU_ARN = /^arn:aws:organizations::\d{12}:ou\/o-[a-z0-9]{10,32}\/ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}$/;

function badItem(message: string) {
  return ec2Error('InvalidAMIAttributeItemValue', message);
}

export function permissionRows(list: readonly LaunchPermission[] | undefined): LaunchPermissionRow[] {
  const out: LaunchPermissionRow[] = [];
  for (const p of list ?? []) {
    if (p.UserId !== undefined) {
      if (!/^\d{12}$/.test(p.UserId)) throw badItem(`Invalid attribute item value "${p.UserId}" for userId item type.`);
      out.push({ kind: 'user', principal: p.UserId });
    }
    if (p.Group !== undefined) {
      if (p.Group !== 'all') throw badItem(`Invalid attribute item value "${p.Group}" for group item type.`);
      out.push({ kind: 'group', principal: 'all' });
    }
    if (p.OrganizationArn !== undefined) {
      if (!ORG_ARN.test(p.OrganizationArn)) throw badItem(`Invalid attribute item value "${p.OrganizationArn}" for organizationArn item type.`);
      out.push({ kind: 'organization', principal: p.OrganizationArn });
    }
    if (p.OrganizationalUnitArn !== undefined) {
      if (!OU_ARN.test(p.OrganizationalUnitArn)) throw badItem(`Invalid attribute item value "${p.OrganizationalUnitArn}" for organizationalUnitArn item type.`);
      out.push({ kind: 'ou', principal: p.OrganizationalUnitArn });
    }
  }
  return out;
}

export function permissionsOut(rows: readonly LaunchPermissionRow[]): LaunchPermission[] {
  return rows.map((r) =>
    r.kind === 'user' ? { UserId: r.principal } : r.kind === 'group' ? { Group: 'all' } : r.kind === 'organization' ? { OrganizationArn: r.principal } : { OrganizationalUnitArn: r.principal },
  );
}

export class ImageSharing {
  constructor(
    private readonly store: Store,
    private readonly kms: KmsService,
  ) {}

  /** Enable/DisableImageBlockPublicAccess: the account and region's setting. */
  async setBlockPublicAccess(caller: Caller, state: 'block-new-sharing' | 'unblocked', checkpoint: () => void): Promise<void> {
    checkpoint();
    await this.store.accountAttributes.set(caller, IMAGE_BLOCK_PUBLIC_ACCESS, state);
  }

  async blockPublicAccessState(caller: Caller): Promise<'block-new-sharing' | 'unblocked'> {
    return (await this.store.accountAttributes.get(caller, IMAGE_BLOCK_PUBLIC_ACCESS)) === 'block-new-sharing' ? 'block-new-sharing' : 'unblocked';
  }

  /** Checks and applies a launch-permission change to an image the caller owns. */
  async modify(caller: Caller, image: ImageRow, change: LaunchPermissionModifications, checkpoint: () => void): Promise<void> {
    if (image.state !== 'available') {
      throw ec2Error('InvalidAMIID.Unavailable', `The image ${image.image_id} is ${image.state}; only available images can be shared.`);
    }
    // sharing with yourself changes nothing
    const add = permissionRows(change.Add).filter((p) => !(p.kind === 'user' && p.principal === caller.accountId));
    const remove = permissionRows(change.Remove).filter((p) => !(p.kind === 'user' && p.principal === caller.accountId));
    const key = (p: LaunchPermissionRow) => `${p.kind}:${p.principal}`;
    const removing = new Set(remove.map(key));
    if (add.some((p) => removing.has(key(p)))) {
      throw ec2Error('InvalidParameterCombination', 'The same launch permission cannot be both added and removed in one request.');
    }
    if (add.length) await this.checkShareable(caller, image, add.some((p) => p.kind === 'group'));
    checkpoint();
    // public images are deprecated two years after creation at the latest
    const limit = publicDeprecationLimit(image);
    const capDeprecation = add.some((p) => p.kind === 'group') && (!image.deprecation_time || Date.parse(image.deprecation_time) > limit.getTime());
    await this.store.transaction(async (tx) => {
      await tx.images.changeLaunchPermissions(image.image_id, add, remove);
      if (capDeprecation) await tx.images.update(image.image_id, { deprecation_time: limit.toISOString() });
    });
  }

  private async checkShareable(caller: Caller, image: ImageRow, makingPublic: boolean): Promise<void> {
    const devices = (await this.store.images.blockDevices([image.image_id])).get(image.image_id) ?? [];
    const encrypted = devices.filter((d) => d.encrypted);
    if (makingPublic) {
      if ((await this.blockPublicAccessState(caller)) === 'block-new-sharing') {
        throw ec2Error('OperationNotPermitted', `You can't publicly share image ${image.image_id} because block public access for AMIs is enabled for this account. To publicly share the image, you must call the DisableImageBlockPublicAccess API.`);
      }
      if (encrypted.length) throw ec2Error('UnsupportedOperation', "Encrypted snapshots can't be shared publicly. Specify another snapshot.");
      const codes = (await this.store.images.productCodes([image.image_id])).get(image.image_id) ?? [];
      if (codes.length) throw ec2Error('UnsupportedOperation', 'Images with AWS Marketplace product codes cannot be made public.');
    }
    for (const d of encrypted) {
      if (!d.snapshot_id) continue;
      const snap = await this.store.snapshots.get(d.snapshot_id);
      if (!snap?.kms_key_arn) continue;
      const key = await this.kms.describeKey(caller, snap.kms_key_arn).catch(() => undefined);
      if (key?.keyManager === 'AWS') {
        throw ec2Error('InvalidParameter', "Snapshots encrypted with the AWS Managed CMK can't be shared. Specify another snapshot.");
      }
    }
  }

  /** CancelImageLaunchPermission: a recipient drops its own account's permission. */
  async cancelOwn(caller: Caller, image: ImageRow, checkpoint: () => void): Promise<void> {
    checkpoint();
    await this.store.images.changeLaunchPermissions(image.image_id, [], [{ kind: 'user', principal: caller.accountId }]);
  }
}
