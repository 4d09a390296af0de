// EC2 image operations: thin mappings onto the image domain.
import type { Operations } from '../../../api/ec2/types.js';
import type { HandlerMap, RequestContext } from '../../../protocol/dispatch.js';
import type { ImageDomain } from '../image-domain.js';
import { dryRunCheckpoint } from '../dry-run.js';
import { ec2Error, invalidParameterValue } from '../ec2-errors.js';
import { paginate } from '../pagination.js';
import { tagsFromSpecs } from '../tags/tag-rules.js';
import { ImageService } from './image-service.js';
import { checkAttributeName, parseModification } from './image-attributes.js';
import type { ImageFromInstance } from './image-from-instance.js';

export type ImageHandlerDeps = Pick<ImageDomain, 'images' | 'sharing' | 'attributes' | 'lifecycle' | 'copier' | 'recycleBin' | 'references'> & { fromInstance: ImageFromInstance };

const MAX_RECYCLE_BIN_IDS = 20;

export function imageHandlers(deps: ImageHandlerDeps): HandlerMap<Operations> {
  const { images, sharing, attributes, lifecycle, copier, recycleBin, references, fromInstance } = deps;
  const checkpoint = (ctx: RequestContext) => () => dryRunCheckpoint(ctx);

  return {
    async RegisterImage(ctx, input) {
      const tags = tagsFromSpecs(input.TagSpecifications, ['image']).get('image') ?? [];
      return { ImageId: (await images.register(ctx, input, tags, checkpoint(ctx))).image_id };
    },

    async CreateImage(ctx, input) {
      const specs = tagsFromSpecs(input.TagSpecifications, ['image', 'snapshot']);
      return { ImageId: await fromInstance.create(ctx, input, { image: specs.get('image') ?? [], snapshot: specs.get('snapshot') ?? [] }, checkpoint(ctx)) };
    },

    async CopyImage(ctx, input) {
      return { ImageId: await copier.copy(ctx, input, checkpoint(ctx)) };
    },

    async DescribeImages(ctx, input) {
      const { images: list, nextToken } = await images.describe(ctx, input);
      return { Images: list, NextToken: nextToken };
    },

    async DeregisterImage(ctx, input) {
      const results = await images.deregister(ctx, input.ImageId, Boolean(input.DeleteAssociatedSnapshots), checkpoint(ctx));
      return {
        Return: true,
        DeleteSnapshotResults: input.DeleteAssociatedSnapshots ? results.map((r) => ({ SnapshotId: r.snapshotId, ReturnCode: r.returnCode })) : undefined,
      };
    },

    async DescribeImageAttribute(ctx, input) {
      checkAttributeName(input.Attribute);
      return attributes.describe(await images.getOwned(ctx, input.ImageId), input.Attribute);
    },

    async ModifyImageAttribute(ctx, input) {
      const change = parseModification(input);
      const image = await images.getOwnedLive(ctx, input.ImageId);
      await attributes.modify(ctx, image, change, checkpoint(ctx));
      return undefined;
    },

    async ResetImageAttribute(ctx, input) {
      await attributes.reset(await images.getOwnedLive(ctx, input.ImageId), input.Attribute, checkpoint(ctx));
      return undefined;
    },

    async CancelImageLaunchPermission(ctx, input) {
      const image = await images.getVisible(ctx, input.ImageId);
      if (image.account_id === ctx.accountId) throw ec2Error('InvalidParameter', 'You cannot cancel launch permission for an image you own.');
      await sharing.cancelOwn(ctx, image, checkpoint(ctx));
      return { Return: true };
    },

    async EnableImageDeprecation(ctx, input) {
      await lifecycle.deprecate(await images.getOwnedLive(ctx, input.ImageId), input.DeprecateAt, checkpoint(ctx));
      return { Return: true };
    },

    async DisableImageDeprecation(ctx, input) {
      await lifecycle.undeprecate(await images.getOwnedLive(ctx, input.ImageId), checkpoint(ctx));
      return { Return: true };
    },

    async DisableImage(ctx, input) {
      await lifecycle.disable(await images.getOwnedLive(ctx, input.ImageId), checkpoint(ctx));
      return { Return: true };
    },

    async EnableImage(ctx, input) {
      await lifecycle.enable(await images.getOwnedLive(ctx, input.ImageId), checkpoint(ctx));
      return { Return: true };
    },

    async EnableImageDeregistrationProtection(ctx, input) {
      return { Return: await lifecycle.protect(await images.getOwnedLive(ctx, input.ImageId), Boolean(input.WithCooldown), checkpoint(ctx)) };
    },

    async DisableImageDeregistrationProtection(ctx, input) {
      return { Return: await lifecycle.unprotect(await images.getOwnedLive(ctx, input.ImageId), checkpoint(ctx)) };
    },

    async GetImageBlockPublicAccessState(ctx) {
      return { ImageBlockPublicAccessState: await sharing.blockPublicAccessState(ctx), ManagedBy: 'account' };
    },

    async EnableImageBlockPublicAccess(ctx, input) {
      if (input.ImageBlockPublicAccessState !== 'block-new-sharing') throw invalidParameterValue('ImageBlockPublicAccessState must be block-new-sharing.');
      await sharing.setBlockPublicAccess(ctx, 'block-new-sharing', checkpoint(ctx));
      return { ImageBlockPublicAccessState: 'block-new-sharing' };
    },

    async DisableImageBlockPublicAccess(ctx) {
      await sharing.setBlockPublicAccess(ctx, 'unblocked', checkpoint(ctx));
      return { ImageBlockPublicAccessState: 'unblocked' };
    },

    async GetImageAncestry(ctx, input) {
      return { ImageAncestryEntries: await images.ancestry(ctx, input.ImageId) };
    },

    async DescribeImageReferences(ctx, input) {
      const { references: list, nextToken } = await references.describe(ctx, input);
      return { ImageReferences: list, NextToken: nextToken };
    },

    async ListImagesInRecycleBin(ctx, input) {
      const ids = input.ImageIds?.length ? input.ImageIds : undefined;
      for (const id of ids ?? []) ImageService.assertId(id);
      if (ids && ids.length > MAX_RECYCLE_BIN_IDS) throw invalidParameterValue(`You can specify up to ${MAX_RECYCLE_BIN_IDS} image IDs.`);
      const rows = await recycleBin.list(ctx, ids);
      const { page, nextToken } = paginate(rows, (r) => r.image_id, input, {
        binding: { op: 'ListImagesInRecycleBin', account: ctx.accountId, region: ctx.region, ids: ids ?? [] },
        min: 1,
        idsParameter: 'imageIdSet',
        hasIds: Boolean(ids),
      });
      return {
        Images: page.map((r) => ({
          ImageId: r.image_id,
          Name: r.name,
          Description: r.description ?? undefined,
          RecycleBinEnterTime: r.deregistered_at ? new Date(r.deregistered_at) : undefined,
          RecycleBinExitTime: r.recycle_bin_until ? new Date(r.recycle_bin_until) : undefined,
        })),
        NextToken: nextToken,
      };
    },

    async RestoreImageFromRecycleBin(ctx, input) {
      ImageService.assertId(input.ImageId);
      const image = await recycleBin.get(ctx, input.ImageId);
      if (!image) throw ImageService.notFound(input.ImageId);
      await recycleBin.restore(image, checkpoint(ctx));
      return { Return: true };
    },
  };
}
