// KMS over awsJson1.1.
import { loadServiceModel } from '../../protocol/model.js';
import { JsonProtocol } from '../../protocol/json-protocol.js';
import type { ServiceDefinition } from '../../protocol/dispatch.js';

export function kmsService(): ServiceDefinition {
  const model = loadServiceModel('kms');
  return { id: 'kms', model, protocol: new JsonProtocol(model), handlers: {}, internalErrorCode: 'KMSInternalException' };
}
