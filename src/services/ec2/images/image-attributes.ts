// Describe/Modify/ResetImageAttribute on an image the caller owns. One attribute per call.
// DescribeImageAttribute reads any of the 13 attributes (`blockDeviceMapping` is deprecated and,
// as the reference says, answers AuthFailure); ModifyImageAttribute changes `description`,
// `launchPermission` (the LaunchPermission structure, or the legacy Attribute + OperationType +
// UserId.N/UserGroup.N/OrganizationArn.N/OrganizationalUnitArn.N form) or `imdsSupport` (only
// to v2.0, irreversibly); product codes are "not supported".
import type { ImageAttribute, ImageAttributeNameEnum, LaunchPermissionModifications, ModifyImageAttributeRequest } from '../../../api/ec2/types.js';
import type { Store } from '../../../store/store.js';
import type { ImageRow } from '../../../store/repos/images.js';
import { ec2Error, invalidParameterCombination, invalidParameterValue, missingParameter } from '../ec2-errors.js';
import type { Caller } from './image-service.js';
import { permissionsOut, type ImageSharing } from './image-sharing.js';
import { validateDescription } from './image-names.js';
import { protectionView } from './image-lifecycle.js';

export const IMAGE_ATTRIBUTES: readonly ImageAttributeNameEnum[] = [
  'description',
  'kernel',
  'ramdisk',
  'launchPermission',
  'productCodes',
  'blockDeviceMapping',
  'sriovNetSupport',
  'bootMode',
  'tpmSupport',
  'uefiData',
  'lastLaunchedTime',
  'imdsSupport',
  'deregistrationProtection',
];

const MODIFIABLE = ['description', 'launchPermission', 'imdsSupport'];

const value = (v: string | null | undefined) => (v === null || v === undefined ? {} : { Value: v });

export function checkAttributeName(attribute: string): void {
  if (!(IMAGE_ATTRIBUTES as readonly string[]).includes(attribute)) {
    throw invalidParameterValue(`Value (${attribute}) for parameter attribute is invalid. Unknown attribute.`);
  }
}

async function describeAttribute(store: Store, image: ImageRow, attribute: ImageAttributeNameEnum): Promise<ImageAttribute> {
  const out: ImageAttribute = { ImageId: image.image_id };
  switch (attribute) {
    case 'blockDeviceMapping':
      // deprecated: "returns the Client.AuthFailure error" (DescribeImageAttribute reference)
      throw ec2Error('AuthFailure', `Not authorized for image:${image.image_id}`);
    case 'description':
      out.Description = value(image.description);
      break;
    case 'kernel':
      out.KernelId = value(image.kernel_id);
      break;
    case 'ramdisk':
      out.RamdiskId = value(image.ramdisk_id);
      break;
    case 'launchPermission':
      out.LaunchPermissions = permissionsOut(await store.images.launchPermissions(image.image_id));
      break;
    case 'productCodes': {
      const codes = (await store.images.productCodes([image.image_id])).get(image.image_id) ?? [];
      out.ProductCodes = codes.map((p) => ({ ProductCodeId: p.product_code, ProductCodeType: p.type as 'marketplace' }));
      break;
    }
    case 'sriovNetSupport':
      out.SriovNetSupport = value(image.sriov_net_support);
      break;
    case 'bootMode':
      out.BootMode = value(image.boot_mode);
      break;
    case 'tpmSupport':
      out.TpmSupport = value(image.tpm_support);
      break;
    case 'uefiData':
      out.UefiData = value(image.uefi_data);
      break;
    case 'lastLaunchedTime':
      out.LastLaunchedTime = value(image.last_launched_time);
      break;
    case 'imdsSupport':
      out.ImdsSupport = value(image.imds_support);
      break;
    case 'deregistrationProtection':
      out.DeregistrationProtection = value(protectionView(image));
      break;
  }
  return out;
}

export type AttributeChange =
  | { kind: 'launchPermission'; change: LaunchPermissionModifications }
  | { kind: 'description'; description: string }
  | { kind: 'imdsSupport' };

/** Which one attribute a ModifyImageAttribute request changes, in either wire form. */
export function parseModification(input: ModifyImageAttributeRequest): AttributeChange {
  if (input.Attribute !== undefined && !MODIFIABLE.includes(input.Attribute)) {
    throw invalidParameterValue(`Value (${input.Attribute}) for parameter attribute is invalid. Valid values: ${MODIFIABLE.join(' | ')}.`);
  }
  const legacyList = Boolean(input.UserIds?.length || input.UserGroups?.length || input.OrganizationArns?.length || input.OrganizationalUnitArns?.length);
  const wantsPermissions = Boolean(input.LaunchPermission) || input.Attribute === 'launchPermission' || legacyList;
  const wantsDescription = input.Description !== undefined || input.Attribute === 'description';
  const wantsImds = input.ImdsSupport !== undefined || input.Attribute === 'imdsSupport';
  const wantsCodes = Boolean(input.ProductCodes?.length);
  const count = [wantsPermissions, wantsDescription, wantsImds, wantsCodes].filter(Boolean).length;
  if (count > 1) throw invalidParameterCombination('Only one attribute can be modified per request.');
  if (count === 0) throw missingParameter('attribute');
  if (wantsCodes) throw ec2Error('UnsupportedOperation', 'Product codes cannot be added to an AMI.');
  if (wantsDescription) {
    const description = input.Description?.Value ?? input.Value ?? '';
    validateDescription(description);
    return { kind: 'description', description };
  }
  if (wantsImds) {
    const v = input.ImdsSupport?.Value ?? input.Value;
    if (v !== 'v2.0') throw invalidParameterValue(`Value (${v}) for parameter ImdsSupport is invalid. The only valid value is v2.0.`);
    return { kind: 'imdsSupport' };
  }
  // the structured form wins unless an operation type asks for the legacy lists beside it: SDK
  // users such as Packer send UserId.N beside LaunchPermission.Add.N naming the same accounts,
  // and Terraform's aws_ami_launch_permission and Ansible's ec2_ami send Attribute=launchPermission
  // with LaunchPermission.Add — AWS accepts both
  if (input.LaunchPermission && (input.OperationType === undefined || !legacyList)) return { kind: 'launchPermission', change: input.LaunchPermission };
  if (input.LaunchPermission) throw invalidParameterCombination('Use either LaunchPermission or Attribute=launchPermission with OperationType, not both.');
  const op = input.OperationType;
  if (op !== 'add' && op !== 'remove') throw missingParameter('operationType');
  const list = [
    ...(input.UserIds ?? []).map((UserId) => ({ UserId })),
    ...(input.UserGroups ?? []).map((Group) => ({ Group: Group as 'all' })),
    ...(input.OrganizationArns ?? []).map((OrganizationArn) => ({ OrganizationArn })),
    ...(input.OrganizationalUnitArns ?? []).map((OrganizationalUnitArn) => ({ OrganizationalUnitArn })),
  ];
  return { kind: 'launchPermission', change: op === 'add' ? { Add: list } : { Remove: list } };
}

/** Image attributes as a service: reads, and the changes ModifyImageAttribute and ResetImageAttribute make. */
export class ImageAttributes {
  constructor(
    private readonly store: Store,
    private readonly sharing: ImageSharing,
  ) {}

  describe(image: ImageRow, attribute: ImageAttributeNameEnum): Promise<ImageAttribute> {
    return describeAttribute(this.store, image, attribute);
  }

  async modify(caller: Caller, image: ImageRow, change: AttributeChange, checkpoint: () => void): Promise<void> {
    switch (change.kind) {
      case 'launchPermission':
        return this.sharing.modify(caller, image, change.change, checkpoint);
      case 'description':
        checkpoint();
        return this.store.images.update(image.image_id, { description: change.description });
      case 'imdsSupport':
        checkpoint();
        return this.store.images.update(image.image_id, { imds_support: 'v2.0' });
    }
  }

  /** ResetImageAttribute: only launchPermission resets (the image becomes private). */
  async reset(image: ImageRow, attribute: string, checkpoint: () => void): Promise<void> {
    if (attribute !== 'launchPermission') throw invalidParameterValue(`Value (${attribute}) for parameter attribute is invalid. Only launchPermission can be reset.`);
    checkpoint();
    await this.store.images.clearLaunchPermissions(image.image_id);
  }
}
