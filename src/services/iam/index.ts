// IAM over awsQuery (a global service: one endpoint, any signing region): users, groups, roles,
// access keys, managed and inline policies, attachments, permissions boundaries, instance
// profiles, tags, GetAccountAuthorizationDetails and the policy simulator.
import type { Operations } from '../../api/iam/types.js';
import { loadServiceModel } from '../../protocol/model.js';
import { QueryProtocol } from '../../protocol/query-protocol.js';
import type { HandlerMap, ServiceDefinition } from '../../protocol/dispatch.js';
import { IamContext, type IamDeps } from './iam-context.js';
import { UserService } from './user-service.js';
import { GroupService } from './group-service.js';
import { RoleService } from './role-service.js';
import { InstanceProfileService } from './instance-profile-service.js';
import { AccessKeyService } from './access-key-service.js';
import { ManagedPolicyService } from './managed-policy-service.js';
import { PrincipalPolicyService } from './principal-policy-service.js';
import { accountDetails } from './account-details.js';
import { PolicySimulation } from './policy-simulation.js';
import { iamHandlers, type IamServices } from './handlers.js';

/** The domain (STS reads roles through it) and the awsQuery service definition. */
export function createIam(deps: IamDeps): { domain: IamServices; service: ServiceDefinition } {
  const c = new IamContext(deps);
  const policies = new ManagedPolicyService(c);
  const domain: IamServices = {
    users: new UserService(c),
    groups: new GroupService(c),
    roles: new RoleService(c),
    profiles: new InstanceProfileService(c),
    keys: new AccessKeyService(c),
    policies,
    principalPolicies: new PrincipalPolicyService(c, policies),
    accountDetails: (accountId, filter, page) => accountDetails(c, policies, accountId, filter, page),
    simulation: new PolicySimulation(deps.store, deps.policies),
  };
  const handlers: HandlerMap<Operations> = iamHandlers(domain);
  const model = loadServiceModel('iam');
  return {
    domain,
    service: { id: 'iam', model, protocol: new QueryProtocol(model, 'query'), handlers: handlers as ServiceDefinition['handlers'], internalErrorCode: 'ServiceFailure' },
  };
}
