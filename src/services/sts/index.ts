// STS over awsQuery: GetCallerIdentity, AssumeRole, GetSessionToken, DecodeAuthorizationMessage.
import type { Operations } from '../../api/sts/types.js';
import { loadServiceModel } from '../../protocol/model.js';
import { QueryProtocol } from '../../protocol/query-protocol.js';
import type { HandlerMap, ServiceDefinition } from '../../protocol/dispatch.js';
import { StsService, type StsDeps } from './sts-service.js';
import { stsHandlers } from './handlers.js';

export function stsService(deps: StsDeps): ServiceDefinition {
  const handlers: HandlerMap<Operations> = stsHandlers(new StsService(deps));
  const model = loadServiceModel('sts');
  return { id: 'sts', model, protocol: new QueryProtocol(model, 'query'), handlers: handlers as ServiceDefinition['handlers'], internalErrorCode: 'InternalFailure' };
}
