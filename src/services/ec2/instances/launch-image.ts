// The image a launch uses, checked in AWS's order (RunInstances reference and error codes):
//   `resolve:ssm:<parameter>`  -> the parameter's image id
//   malformed                  -> InvalidAMIID.Malformed
//   unknown or invisible       -> InvalidAMIID.NotFound (another account's private image is
//                                 indistinguishable from a missing one)
//   visible, not launchable    -> AuthFailure "Not authorized for images: [ami-…]"
//   not `available`            -> InvalidAMIID.Unavailable (pending, failed, disabled, deregistered)
//   unsubscribed Marketplace   -> OptInRequired (401)
// Deprecated images launch as usual.
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { ImageBlockDeviceRow, ImageRow } from '../../../store/repos/images.js';
import { ec2Error, missingParameter } from '../ec2-errors.js';
import { ImageService } from '../images/image-service.js';
import type { LaunchSources } from './launch-sources.js';

export interface LaunchImage {
  image: ImageRow;
  devices: ImageBlockDeviceRow[];
  productCodes: { code: string; type: string }[];
}

const SSM_PREFIX = 'resolve:ssm:';

export async function launchImage(deps: { store: Store; images: ImageService; sources: LaunchSources }, caller: Scope, imageRef: string | undefined): Promise<LaunchImage> {
  if (imageRef === undefined) throw missingParameter('ImageId');
  const imageId = imageRef.startsWith(SSM_PREFIX) ? await deps.sources.imageParameters(caller, imageRef.slice(SSM_PREFIX.length)) : imageRef;
  ImageService.assertId(imageId);
  const image = await deps.store.images.get(imageId);
  if (!image || !(await deps.images.canSee(caller, image))) throw ImageService.notFound(imageId);
  const owner = image.account_id === caller.accountId;
  if (!owner && !image.public && !(await deps.store.images.isSharedWith(image.image_id, caller.accountId, await deps.images.orgsOf(caller.accountId)))) {
    throw ec2Error('AuthFailure', `Not authorized for images: [${imageId}]`);
  }
  if (image.state !== 'available') throw ec2Error('InvalidAMIID.Unavailable', `The image id '[${imageId}]' is not available: the image is ${image.state}`);
  const [devices, codes] = await Promise.all([deps.store.images.blockDevices([imageId]), deps.store.images.productCodes([imageId])]);
  const productCodes = (codes.get(imageId) ?? []).map((c) => ({ code: c.product_code, type: c.type }));
  await deps.sources.subscriptions(caller, image, productCodes);
  return { image, devices: devices.get(imageId) ?? [], productCodes };
}
