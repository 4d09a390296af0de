// EC2 image operations: thin mappings onto the image domain.
import type { ImageAttribute, Operations } from '../../../api/ec2/types.js';
import type { HandlerMap, RequestContext } from '../../../protocol/dispatch.js';
import type { Store } from '../../../store/store.js';
import { dryRunCheckpoint } from '../dry-run.js';
import { ec2Error, invalidParameterCombination, invalidParameterValue } from '../ec2-errors.js';
import { tagsFromSpecs } from '../tags/tag-rules.js';
import type { ImageService } from './image-service.js';
import type { ImageSharing } from './image-sharing.js';
import { IMAGE_BLOCK_PUBLIC_ACCESS, permissionsOut } from './image-sharing.js';
import type { ImageLifecycle } from './image-lifecycle.js';
import { blockDeviceMappingsOut } from './image-query.js';

export interface ImageHandlerDeps {
  store: Store;
  images: ImageService;
  sharing: ImageSharing;
  lifecycle: ImageLifecycle;
}

const ATTRIBUTES = ['description', 'kernel', 'ramdisk', 'launchPermission', 'productCodes', 'blockDeviceMapping', 'sriovNetSupport', 'bootMode', 'tpmSupport', 'uefiData', 'lastLaunchedTime', 'imdsSupport', 'deregistrationProtection'];

export function imageHandlers(deps: ImageHandlerDeps): HandlerMap<Operations> {
  const { store, images, sharing, lifecycle } = deps;
  const checkpoint = (ctx: RequestContext) => () => dryRunCheckpoint(ctx);

  return {
    async RegisterImage(ctx, input) {
      const tags = tagsFromSpecs(input.TagSpecifications, ['image']).get('image') ?? [];
      const row = await images.register(ctx, input, checkpoint(ctx));
      await store.tags.put(ctx, tags.map((t) => ({ resourceId: row.image_id, resourceType: 'image', ...t })));
      return { ImageId: row.image_id };
    },

    async DescribeImages(ctx, input) {
      const { images: list, nextToken } = await images.describe(ctx, input);
      return { Images: list, NextToken: nextToken };
    },

    async DeregisterImage(ctx, input) {
      const results = await images.deregister(ctx, input.ImageId, Boolean(input.DeleteAssociatedSnapshots), checkpoint(ctx));
      return {
        Return: true,
        DeleteSnapshotResults: input.DeleteAssociatedSnapshots ? results.map((r) => ({ SnapshotId: r.snapshotId, ReturnCode: r.returnCode as never })) : undefined,
      };
    },

    async DescribeImageAttribute(ctx, input) {
      if (!ATTRIBUTES.includes(input.Attribute)) throw invalidParameterValue(`Value (${input.Attribute}) for parameter attribute is invalid. Unknown attribute.`);
      const image = await images.getOwned(ctx, input.ImageId);
      if (input.Attribute === 'blockDeviceMapping') {
        // deprecated attribute: AWS answers AuthFailure for it
        throw ec2Error('AuthFailure', `Not authorized for image:${image.image_id}`);
      }
      const out: ImageAttribute = { ImageId: image.image_id };
      const value = (v: string | null | undefined) => (v === null || v === undefined ? {} : { Value: v });
      switch (input.Attribute) {
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
        case 'productCodes':
          out.ProductCodes = ((await store.images.productCodes([image.image_id])).get(image.image_id) ?? []).map((p) => ({ ProductCodeId: p.product_code, ProductCodeType: p.type as 'marketplace' }));
          break;
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
          out.DeregistrationProtection = value(image.deregistration_protection);
          break;
      }
      void blockDeviceMappingsOut;
      return out;
    },

    async ModifyImageAttribute(ctx, input) {
      const image = await images.getOwned(ctx, input.ImageId);
      // the new structured forms and the legacy Attribute/OperationType/Value form
      const legacyList = Boolean(input.UserIds?.length || input.UserGroups?.length || input.OrganizationArns?.length || input.OrganizationalUnitArns?.length);
      const wantsPermissions = Boolean(input.LaunchPermission) || input.Attribute === 'launchPermission' || legacyList;
      const wantsDescription = input.Description !== undefined || input.Attribute === 'description';
      const wantsImds = input.ImdsSupport !== undefined || input.Attribute === 'imdsSupport';
      const count = [wantsPermissions, wantsDescription, wantsImds, Boolean(input.ProductCodes?.length)].filter(Boolean).length;
      if (count > 1) throw invalidParameterCombination('Only one attribute can be modified per request.');
      if (count === 0) throw ec2Error('MissingParameter', 'The request must contain the parameter attribute or one of LaunchPermission, Description, ImdsSupport');
      if (input.ProductCodes?.length) throw ec2Error('UnsupportedOperation', 'Adding product codes to an AMI is not supported.');
      if (wantsPermissions) {
        let change = input.LaunchPermission ?? {};
        if (legacyList || input.Attribute === 'launchPermission') {
          const op = input.OperationType;
          if (op !== 'add' && op !== 'remove') throw ec2Error('MissingParameter', 'The request must contain the parameter operationType (add or remove)');
          const list = [
            ...(input.UserIds ?? []).map((UserId) => ({ UserId })),
            ...(input.UserGroups ?? []).map((Group) => ({ Group: Group as 'all' })),
            ...(input.OrganizationArns ?? []).map((OrganizationArn) => ({ OrganizationArn })),
            ...(input.OrganizationalUnitArns ?? []).map((OrganizationalUnitArn) => ({ OrganizationalUnitArn })),
          ];
          change = op === 'add' ? { Add: list } : { Remove: list };
        }
        await sharing.modify(ctx, image, change, checkpoint(ctx));
      } else if (wantsDescription) {
        const description = input.Description?.Value ?? input.Value ?? '';
        if ([...description].length > 255) throw invalidParameterValue('The description must be at most 255 characters long.');
        dryRunCheckpoint(ctx);
        await store.images.update(image.image_id, { description });
      } else {
        const value = input.ImdsSupport?.Value ?? input.Value;
        if (value !== 'v2.0') throw invalidParameterValue(`Value (${value}) for parameter ImdsSupport is invalid. The only valid value is v2.0.`);
        dryRunCheckpoint(ctx);
        await store.images.update(image.image_id, { imds_support: 'v2.0' });
      }
      return undefined;
    },

    async ResetImageAttribute(ctx, input) {
      if (input.Attribute !== 'launchPermission') throw invalidParameterValue(`Value (${input.Attribute}) for parameter attribute is invalid. Only launchPermission can be reset.`);
      const image = await images.getOwned(ctx, input.ImageId);
      dryRunCheckpoint(ctx);
      await store.images.clearLaunchPermissions(image.image_id);
      return undefined;
    },

    async CancelImageLaunchPermission(ctx, input) {
      const image = await images.getVisible(ctx, input.ImageId);
      if (image.account_id === ctx.accountId) throw ec2Error('InvalidParameter', 'You cannot cancel launch permission for an image you own.');
      await sharing.cancelOwn(ctx, image, checkpoint(ctx));
      return { Return: true };
    },

    async EnableImageDeprecation(ctx, input) {
      const image = await images.getOwned(ctx, input.ImageId);
      await lifecycle.deprecate(image, input.DeprecateAt, checkpoint(ctx));
      return { Return: true };
    },

    async DisableImageDeprecation(ctx, input) {
      const image = await images.getOwned(ctx, input.ImageId);
      await lifecycle.undeprecate(image, checkpoint(ctx));
      return { Return: true };
    },

    async DisableImage(ctx, input) {
      const image = await images.getOwned(ctx, input.ImageId);
      await lifecycle.disable(image, checkpoint(ctx));
      return { Return: true };
    },

    async EnableImage(ctx, input) {
      images.constructor; // (owner check below also finds disabled images)
      const image = await images.getOwned(ctx, input.ImageId);
      await lifecycle.enable(image, checkpoint(ctx));
      return { Return: true };
    },

    async EnableImageDeregistrationProtection(ctx, input) {
      const image = await images.getOwned(ctx, input.ImageId);
      return { Return: await lifecycle.protect(image, Boolean(input.WithCooldown), checkpoint(ctx)) };
    },

    async DisableImageDeregistrationProtection(ctx, input) {
      const image = await images.getOwned(ctx, input.ImageId);
      return { Return: await lifecycle.unprotect(image, checkpoint(ctx)) };
    },

    async GetImageBlockPublicAccessState(ctx) {
      return { ImageBlockPublicAccessState: await sharing.blockPublicAccessState(ctx), ManagedBy: 'account' };
    },

    async EnableImageBlockPublicAccess(ctx, input) {
      if (input.ImageBlockPublicAccessState !== 'block-new-sharing') throw invalidParameterValue('ImageBlockPublicAccessState must be block-new-sharing.');
      dryRunCheckpoint(ctx);
      await store.accountAttributes.set(ctx, IMAGE_BLOCK_PUBLIC_ACCESS, 'block-new-sharing');
      return { ImageBlockPublicAccessState: 'block-new-sharing' };
    },

    async DisableImageBlockPublicAccess(ctx) {
      dryRunCheckpoint(ctx);
      await store.accountAttributes.set(ctx, IMAGE_BLOCK_PUBLIC_ACCESS, 'unblocked');
      return { ImageBlockPublicAccessState: 'unblocked' };
    },
  };
}
