// The AMI catalog as domain services: the image service (lookups, register, describe,
// deregister), sharing (launch permissions), lifecycle switches, copies, the Recycle Bin and
// the registry of image references. Built once by the composition root; shared by the EC2
// handlers, instances, launch templates and the CLI.
import type { JobRunner } from '../../jobs/job-runner.js';
import type { Store } from '../../store/store.js';
import type { KmsService } from '../kms/kms-service.js';
import type { StorageDomain } from './storage-domain.js';
import { ImageService } from './images/image-service.js';
import { ImageSharing } from './images/image-sharing.js';
import { ImageAttributes } from './images/image-attributes.js';
import { ImageLifecycle } from './images/image-lifecycle.js';
import { ImageCopier } from './images/image-copy.js';
import { ImageRecycleBin } from './images/image-recycle-bin.js';
import { ImageReferences } from './images/image-references.js';
import { imageAdminRoutes, type OperatorRoute } from './images/image-admin.js';
import type { Taggable } from './tags/taggable.js';

export interface ImageDomainDeps {
  store: Store;
  kms: KmsService;
  storage: StorageDomain;
  jobs: JobRunner;
  settleMs: number;
  /** how long deregistered images stay visible to their owners (default 1 h) */
  deregisteredVisibleMs?: number;
}

export interface ImageDomain {
  images: ImageService;
  sharing: ImageSharing;
  attributes: ImageAttributes;
  lifecycle: ImageLifecycle;
  copier: ImageCopier;
  recycleBin: ImageRecycleBin;
  /** where instances, launch templates (…) register their DescribeImageReferences lookups */
  references: ImageReferences;
  taggable: Taggable;
  /** operator endpoints: /_imago/organizations, /_imago/recycle-bin */
  adminRoutes: OperatorRoute[];
}

export function createImageDomain(deps: ImageDomainDeps): ImageDomain {
  const { store, storage, jobs, settleMs } = deps;
  const recycleBin = new ImageRecycleBin(store);
  const images = new ImageService({ store, snapshots: storage.snapshots, jobs, recycleBin, settleMs, deregisteredVisibleMs: deps.deregisteredVisibleMs ?? 3600_000 });
  const copier = new ImageCopier({ store, images, snapshots: storage.snapshots, defaults: storage.defaults });
  const taggable: Taggable = {
    prefix: 'ami',
    resourceType: 'image',
    // images in the Recycle Bin can still be tagged by their owner
    visible: async (caller, id) => {
      const row = await store.images.get(id);
      if (!row) return false;
      return (await images.canSee(caller, row)) || Boolean(await recycleBin.get(caller, id));
    },
    notFound: (id) => ImageService.notFound(id),
  };
  const sharing = new ImageSharing(store, deps.kms);
  return {
    images,
    sharing,
    attributes: new ImageAttributes(store, sharing),
    lifecycle: new ImageLifecycle(store),
    copier,
    recycleBin,
    references: new ImageReferences(),
    taggable,
    adminRoutes: imageAdminRoutes(store, recycleBin),
  };
}
