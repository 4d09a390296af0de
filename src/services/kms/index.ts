// KMS over awsJson1.1. `kmsService(deps)` builds the wire definition and the KmsService domain
// instance behind it; other services take `.service` (see kms-service.ts for its API).
import { loadServiceModel } from '../../protocol/model.js';
import { JsonProtocol } from '../../protocol/json-protocol.js';
import type { ServiceDefinition } from '../../protocol/dispatch.js';
import type { Store } from '../../store/store.js';
import { KmsService } from './kms-service.js';
import { kmsHandlers } from './handlers.js';

export { KmsService } from './kms-service.js';

export interface KmsDeps {
  store: Store;
  /** the cluster's master key (master-key.ts) */
  masterKey: Buffer;
}

export interface KmsServiceDefinition extends ServiceDefinition {
  service: KmsService;
}

export function kmsService(deps: KmsDeps): KmsServiceDefinition {
  const model = loadServiceModel('kms');
  const service = new KmsService(deps.store, deps.masterKey);
  return {
    id: 'kms',
    model,
    protocol: new JsonProtocol(model),
    handlers: kmsHandlers(service) as ServiceDefinition['handlers'],
    internalErrorCode: 'KMSInternalException',
    service,
  };
}
