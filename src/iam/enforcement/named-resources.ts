// The resources of services whose requests name them plainly (IAM users, roles, groups, policies,
// instance profiles): an ARN given as is, a name put into the type's ARN template. Names are
// placed at the root path: a user or role created under a path is matched by a policy written
// for its name only when the policy's pattern allows the path (`user/*alice` or `user/*`).
import type { ResourceRequirement } from '../authorization/reference.js';
import { arnOfId, homeOf } from './arn-of.js';
import type { AuthorizationCall, ResourceFacts, ServiceResources } from './enforcer.js';
import { requestTags } from './request-tags.js';
import type { ContextValue } from '../policy/index.js';

export class NamedResources implements ServiceResources {
  /** `members`: resource type → input members holding its name or ARN */
  constructor(private readonly members: Record<string, readonly string[]>) {}

  requestKeys(call: AuthorizationCall): Record<string, ContextValue> {
    return requestTags(call.input.Tags);
  }

  async resources(call: AuthorizationCall, req: ResourceRequirement): Promise<ResourceFacts[]> {
    const values = (this.members[req.type] ?? []).map((m) => call.input[m]).filter((v): v is string => typeof v === 'string' && v !== '');
    if (!values.length) return req.required ? [{ arn: arnOfId(req.arnTemplate, homeOf(call), '*') }] : [];
    return [...new Set(values)].map((v) => ({ arn: v.startsWith('arn:') ? v : arnOfId(req.arnTemplate, homeOf(call), v) }));
  }
}

export const stsResources = (): NamedResources => new NamedResources({ role: ['RoleArn'] });
