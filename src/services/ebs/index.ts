// The EBS direct APIs over restJson1.
import { loadServiceModel } from '../../protocol/model.js';
import { RestJsonProtocol } from '../../protocol/rest-json-protocol.js';
import type { ServiceDefinition } from '../../protocol/dispatch.js';

export function ebsService(): ServiceDefinition {
  const model = loadServiceModel('ebs');
  const protocol = new RestJsonProtocol(model, { violationFields: () => ({ Reason: 'INVALID_PARAMETER_VALUE' }) });
  return { id: 'ebs', model, protocol, handlers: {}, internalErrorCode: 'InternalServerException' };
}
