// The EBS direct APIs over restJson1.
import { loadServiceModel } from '../../protocol/model.js';
import { RestJsonProtocol } from '../../protocol/rest-json-protocol.js';
import type { ServiceDefinition } from '../../protocol/dispatch.js';
import type { StorageDomain } from '../ec2/storage-domain.js';
import type { BlockStorage } from '../../blocks/block-storage.js';

export interface EbsDeps {
  storage: StorageDomain;
  blocks: BlockStorage;
}

export function ebsService(_deps: EbsDeps): ServiceDefinition {
  const model = loadServiceModel('ebs');
  const protocol = new RestJsonProtocol(model, { violationFields: () => ({ Reason: 'INVALID_PARAMETER_VALUE' }) });
  return { id: 'ebs', model, protocol, handlers: {}, internalErrorCode: 'InternalServerException' };
}
