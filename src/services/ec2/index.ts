// The EC2 service: every resource folder's handlers over the EC2 query protocol.
import type { Operations } from '../../api/ec2/types.js';
import { loadServiceModel } from '../../protocol/model.js';
import { QueryProtocol } from '../../protocol/query-protocol.js';
import type { HandlerMap, ServiceDefinition } from '../../protocol/dispatch.js';
import type { Store } from '../../store/store.js';
import type { KmsService } from '../kms/kms-service.js';
import type { StorageDomain } from './storage-domain.js';
import { aroundDryRun } from './dry-run.js';
import { regionHandlers } from './regions/handlers.js';
import { accountHandlers } from './account/handlers.js';

export interface Ec2Deps {
  store: Store;
  kms: KmsService;
  storage: StorageDomain;
}

export function ec2Service(deps: Ec2Deps): ServiceDefinition {
  const model = loadServiceModel('ec2');
  const handlers: HandlerMap<Operations> = {
    ...regionHandlers,
    ...accountHandlers(deps.store),
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
