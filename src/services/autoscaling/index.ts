// Auto Scaling over awsQuery. Operations arrive with the compute issue; until then every
// modelled operation answers NotImplemented.
import { loadServiceModel } from '../../protocol/model.js';
import { QueryProtocol } from '../../protocol/query-protocol.js';
import type { ServiceDefinition } from '../../protocol/dispatch.js';

export function autoscalingService(): ServiceDefinition {
  const model = loadServiceModel('autoscaling');
  return { id: 'autoscaling', model, protocol: new QueryProtocol(model, 'query'), handlers: {}, internalErrorCode: 'InternalFailure' };
}
