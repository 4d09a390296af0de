// The taggable registrations of the block-storage resources: snapshots (the caller's, shared with
// it, or public: each account tags its own view) and volumes (the caller's).
import type { ServiceError } from '../../../protocol/service-error.js';
import type { Scope } from '../../../store/scope.js';
import { SnapshotService } from '../snapshots/snapshot-service.js';
import { VolumeService } from '../volumes/volume-service.js';
import type { Taggable } from './taggable.js';

const succeeds = (p: Promise<unknown>) => p.then(
  () => true,
  (e: unknown) => {
    if ((e as ServiceError).code?.endsWith('.NotFound')) return false;
    throw e;
  },
);

export function storageTaggables(snapshots: SnapshotService, volumes: VolumeService): Taggable[] {
  return [
    {
      prefix: 'snap',
      resourceType: 'snapshot',
      visible: (caller: Scope, id: string) => succeeds(snapshots.getVisible(caller, id)),
      notFound: (id) => SnapshotService.notFound(id),
    },
    {
      prefix: 'vol',
      resourceType: 'volume',
      visible: (caller: Scope, id: string) => succeeds(volumes.getOwned(caller, id)),
      notFound: (id) => VolumeService.notFound(id),
    },
  ];
}
