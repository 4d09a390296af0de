// SSM's side of authorization (iam/enforcement/): the parameters a request names, with their tags
// (public /aws/service/… parameters belong to no account: their ARN carries none).
import type { ResourceRequirement } from '../../iam/authorization/reference.js';
import { arnOf, homeOf } from '../../iam/enforcement/arn-of.js';
import type { AuthorizationCall, ResourceFacts, ServiceResources } from '../../iam/enforcement/enforcer.js';
import { requestTags, resourceTags } from '../../iam/enforcement/request-tags.js';
import type { ContextValue } from '../../iam/policy/index.js';
import type { Store } from '../../store/store.js';

export class SsmResources implements ServiceResources {
  constructor(private readonly store: Store) {}

  requestKeys(call: AuthorizationCall): Record<string, ContextValue> {
    return requestTags(call.input.Tags);
  }

  async resources(call: AuthorizationCall, req: ResourceRequirement): Promise<ResourceFacts[]> {
    if (req.type !== 'parameter') return [];
    const input = call.input;
    const names = [input.Name, ...(Array.isArray(input.Names) ? input.Names : []), input.Path, input.ResourceType === 'Parameter' ? input.ResourceId : undefined].filter(
      (n): n is string => typeof n === 'string' && n !== '',
    );
    if (!names.length) return req.required ? [{ arn: arnOf(req.arnTemplate, homeOf(call), {}) }] : [];
    const scope = { accountId: call.identity.accountId, region: call.region };
    const out: ResourceFacts[] = [];
    for (const raw of new Set(names)) {
      const name = raw.replace(/:[^/:]+$/, ''); // name:version or name:label selects within the parameter
      const bare = name.replace(/^\//, '');
      const arn = name.startsWith('/aws/') ? `arn:aws:ssm:${call.region}::parameter/${bare}` : arnOf(req.arnTemplate, homeOf(call), { ParameterNameWithoutLeadingSlash: bare });
      const tags = name.startsWith('/aws/') ? [] : await this.store.ssmParameters.tags(scope, 'Parameter', name);
      out.push({ arn, context: resourceTags(tags.map((t) => ({ key: t.Key, value: t.Value }))) });
    }
    return out;
  }
}
