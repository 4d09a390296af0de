// SSM (public image parameters) over awsJson1.1.
import { loadServiceModel } from '../../protocol/model.js';
import { JsonProtocol } from '../../protocol/json-protocol.js';
import type { ServiceDefinition } from '../../protocol/dispatch.js';

export function ssmService(): ServiceDefinition {
  const model = loadServiceModel('ssm');
  return { id: 'ssm', model, protocol: new JsonProtocol(model), handlers: {}, internalErrorCode: 'InternalServerError' };
}
