// The EC2 service: every resource folder's handlers over the EC2 query protocol.
import type { Operations } from '../../api/ec2/types.js';
import { loadServiceModel } from '../../protocol/model.js';
import { QueryProtocol } from '../../protocol/query-protocol.js';
import type { HandlerMap, ServiceDefinition } from '../../protocol/dispatch.js';
import type { Store } from '../../store/store.js';
import type { KmsService } from '../kms/kms-service.js';
import type { StorageDomain } from './storage-domain.js';
import type { ImageDomain } from './image-domain.js';
import { imageHandlers } from './images/handlers.js';
import { aroundDryRun } from './dry-run.js';
import { regionHandlers } from './regions/handlers.js';
import { accountHandlers } from './account/handlers.js';
import { volumeHandlers } from './volumes/handlers.js';
import { encryptionHandlers } from './encryption/handlers.js';
import { snapshotHandlers } from './snapshots/handlers.js';
import { tagHandlers } from './tags/handlers.js';
import { TagService } from './tags/tag-service.js';
import { TaggableRegistry } from './tags/taggable.js';
import { storageTaggables } from './tags/storage-taggables.js';
import type { LaunchTemplateService } from './launch-templates/launch-template-service.js';
import { launchTemplateHandlers } from './launch-templates/handlers.js';
import type { ComputeDomain } from './compute-domain.js';
import { instanceHandlers } from './instances/handlers.js';
import { networkHandlers } from './networking/handlers.js';
import { vpcHandlers } from './networking/vpc-handlers.js';
import { addressHandlers } from './networking/address-handlers.js';
import { interfaceHandlers } from './networking/interface-handlers.js';
import { natPeeringHandlers } from './networking/nat-peering-handlers.js';
import { keyPairHandlers } from './key-pairs/handlers.js';
import { instanceProfileHandlers } from './instance-profiles/handlers.js';
import { importExportHandlers } from './import-export/handlers.js';
import type { ImportExportService } from './import-export/import-export-service.js';

export interface Ec2Deps {
  store: Store;
  kms: KmsService;
  storage: StorageDomain;
  images: ImageDomain;
  launchTemplates: LaunchTemplateService;
  compute: ComputeDomain;
  importExport: ImportExportService;
}

export function ec2Service(deps: Ec2Deps): ServiceDefinition {
  const model = loadServiceModel('ec2');
  // every taggable resource registers its id prefix here
  const taggables = new TaggableRegistry();
  for (const t of storageTaggables(deps.storage.snapshots, deps.storage.volumes)) taggables.register(t);
  taggables.register(deps.images.taggable);
  taggables.register(deps.launchTemplates.taggable());
  for (const t of deps.compute.taggables) taggables.register(t);
  const tags = new TagService(deps.store, taggables);
  const handlers: HandlerMap<Operations> = {
    ...regionHandlers,
    ...accountHandlers(deps.compute.network.vpcs),
    ...encryptionHandlers(deps.storage.defaults),
    ...snapshotHandlers({ snapshots: deps.storage.snapshots, volumes: deps.storage.volumes, tags }),
    ...tagHandlers(tags),
    ...volumeHandlers(deps.storage.volumes),
    ...imageHandlers({ ...deps.images, fromInstance: deps.compute.imageFromInstance }),
    ...launchTemplateHandlers(deps.launchTemplates, deps.compute.instances),
    ...instanceHandlers(deps.compute.instances),
    ...networkHandlers(deps.compute.network),
    ...vpcHandlers(deps.compute.network),
    ...addressHandlers(deps.compute.addresses),
    ...interfaceHandlers(deps.compute.network.interfaces),
    ...natPeeringHandlers(deps.compute.network),
    ...keyPairHandlers(deps.compute.keyPairs),
    ...instanceProfileHandlers(deps.compute.profiles),
    ...importExportHandlers(deps.importExport),
  };
  return {
    id: 'ec2',
    model,
    protocol: new QueryProtocol(model, 'ec2'),
    handlers: handlers as ServiceDefinition['handlers'],
    internalErrorCode: 'InternalError',
    around: aroundDryRun,
  };
}
