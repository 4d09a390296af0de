// The AMI catalog as domain services: the image service (lookups, register, describe,
// deregister), sharing (launch permissions) and lifecycle switches. Built once by the
// composition root; shared by the EC2 handlers, instances and the CLI.
import type { JobRunner } from '../../jobs/job-runner.js';
import type { Store } from '../../store/store.js';
import type { KmsService } from '../kms/kms-service.js';
import type { StorageDomain } from './storage-domain.js';
import { ImageService } from './images/image-service.js';
import { ImageSharing } from './images/image-sharing.js';
import { ImageLifecycle } from './images/image-lifecycle.js';
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
  lifecycle: ImageLifecycle;
  taggable: Taggable;
}

export function createImageDomain(deps: ImageDomainDeps): ImageDomain {
  const images = new ImageService({
    store: deps.store,
    snapshots: deps.storage.snapshots,
    jobs: deps.jobs,
    settleMs: deps.settleMs,
    deregisteredVisibleMs: deps.deregisteredVisibleMs ?? 3600_000,
  });
  const taggable: Taggable = {
    prefix: 'ami',
    resourceType: 'image',
    visible: (caller, id) =>
      images.getVisible(caller, id).then(
        () => true,
        (e: unknown) => {
          if ((e as { code?: string }).code?.endsWith('.NotFound')) return false;
          throw e;
        },
      ),
    notFound: (id) => ImageService.notFound(id),
  };
  return { images, sharing: new ImageSharing(deps.store, deps.kms), lifecycle: new ImageLifecycle(deps.store), taggable };
}
