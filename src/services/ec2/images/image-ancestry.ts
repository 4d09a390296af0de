// GetImageAncestry: from an image back to its root through sourceImageId/sourceImageRegion (set
// by CopyImage and CreateImage). The walk ends at an image with no recorded source, at a
// verified provider's image (owner alias `amazon` or `aws-marketplace`), or after 50 entries
// ("AMI ancestry", EC2 user guide). Ancestors stay listed after they are deregistered (tracing
// lineage is the point), but another account's image the caller cannot see is never revealed:
// the walk stops before it (its id and region are already on the child as its source).
import type { ImageAncestryEntry } from '../../../api/ec2/types.js';
import type { Store } from '../../../store/store.js';
import type { ImageRow } from '../../../store/repos/images.js';
import type { Caller, ImageService } from './image-service.js';

const MAX_ENTRIES = 50;
const VERIFIED_PROVIDERS = ['amazon', 'aws-marketplace'];

export async function imageAncestry(store: Store, images: ImageService, caller: Caller, imageId: string): Promise<ImageAncestryEntry[]> {
  let row: ImageRow | undefined = await images.getVisible(caller, imageId);
  const entries: ImageAncestryEntry[] = [];
  const seen = new Set<string>();
  while (row && entries.length < MAX_ENTRIES && !seen.has(row.image_id)) {
    seen.add(row.image_id);
    entries.push({
      CreationDate: new Date(row.creation_date),
      ImageId: row.image_id,
      ImageOwnerAlias: row.owner_alias ?? undefined,
      SourceImageId: row.source_image_id ?? undefined,
      SourceImageRegion: row.source_image_region ?? undefined,
    });
    if ((row.owner_alias && VERIFIED_PROVIDERS.includes(row.owner_alias)) || !row.source_image_id) break;
    const parent = await store.images.get(row.source_image_id);
    const own = parent?.account_id === caller.accountId;
    row = parent && (own || (await images.canSee({ accountId: caller.accountId, region: parent.region }, parent))) ? parent : undefined;
  }
  return entries;
}
