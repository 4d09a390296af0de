// SSM Parameter Store over awsJson1.1: the account's own parameters and AWS's public
// `/aws/service/...` namespace (from the image catalog). `ssmService(deps)` builds the wire
// definition, the ParameterStore behind it, and the `resolve:ssm:` image resolver EC2 uses.
import { loadServiceModel } from '../../protocol/model.js';
import { JsonProtocol } from '../../protocol/json-protocol.js';
import type { ServiceDefinition } from '../../protocol/dispatch.js';
import { ParameterStore, type ParameterStoreDeps } from './parameter-store.js';
import { ssmHandlers } from './handlers.js';
import { ssmImageResolver, type SsmImageResolver } from './resolve-image-id.js';

export { isSsmReference, RESOLVE_PREFIX, type SsmImageResolver } from './resolve-image-id.js';

export interface SsmServiceDefinition extends ServiceDefinition {
  parameters: ParameterStore;
  /** `resolve:ssm:<name>[:version|:label]` -> ami-…, as the caller (EC2 errors) */
  resolveSsmImageId: SsmImageResolver;
}

export function ssmService(deps: ParameterStoreDeps): SsmServiceDefinition {
  const model = loadServiceModel('ssm');
  const parameters = new ParameterStore(deps);
  return {
    id: 'ssm',
    model,
    protocol: new JsonProtocol(model),
    handlers: ssmHandlers(parameters) as ServiceDefinition['handlers'],
    internalErrorCode: 'InternalServerError',
    parameters,
    resolveSsmImageId: ssmImageResolver(parameters),
  };
}
