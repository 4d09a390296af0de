// Auto Scaling's side of authorization (iam/enforcement/): the groups and launch configurations a
// request names — a group with its tags (autoscaling:ResourceTag/…) and the uuid of its ARN — and
// the request's own keys (autoscaling:LaunchTemplateVersionSpecified, sizes, request tags).
import type { ActionRequirement, ResourceRequirement } from '../../iam/authorization/reference.js';
import { arnOf, homeOf } from '../../iam/enforcement/arn-of.js';
import type { AuthorizationCall, ResourceFacts, ServiceResources } from '../../iam/enforcement/enforcer.js';
import { requestTags, resourceTags } from '../../iam/enforcement/request-tags.js';
import type { ContextValue } from '../../iam/policy/index.js';
import type { Store } from '../../store/store.js';

type Input = Record<string, unknown>;

export class AutoscalingResources implements ServiceResources {
  constructor(private readonly store: Store) {}

  requestKeys(call: AuthorizationCall): Record<string, ContextValue> {
    const input = call.input;
    const keys: Record<string, ContextValue> = { ...requestTags(input.Tags) };
    const lt = (input.LaunchTemplate ?? (input.MixedInstancesPolicy as Input | undefined)?.LaunchTemplate) as Input | undefined;
    const spec = (lt?.LaunchTemplateSpecification ?? lt) as Input | undefined;
    if (spec && (spec.LaunchTemplateId !== undefined || spec.LaunchTemplateName !== undefined)) {
      keys['autoscaling:LaunchTemplateVersionSpecified'] = String(typeof spec.Version === 'string' && spec.Version !== '');
    }
    if (typeof input.LaunchConfigurationName === 'string') keys['autoscaling:LaunchConfigurationName'] = input.LaunchConfigurationName;
    if (typeof input.MinSize === 'number') keys['autoscaling:MinSize'] = String(input.MinSize);
    if (typeof input.MaxSize === 'number') keys['autoscaling:MaxSize'] = String(input.MaxSize);
    return keys;
  }

  async resources(call: AuthorizationCall, req: ResourceRequirement, action: ActionRequirement): Promise<ResourceFacts[]> {
    const input = call.input;
    if (req.type === 'launchConfiguration') {
      const name = input.LaunchConfigurationName;
      return typeof name === 'string' ? [{ arn: arnOf(req.arnTemplate, homeOf(call), { LaunchConfigurationName: name }) }] : [];
    }
    if (req.type !== 'autoScalingGroup') return [];
    const names = groupNames(input);
    if (!names.length) return req.required ? [{ arn: arnOf(req.arnTemplate, homeOf(call), {}) }] : [];
    const scope = { accountId: call.identity.accountId, region: call.region };
    const tags = await this.store.autoscalingGroups.tags(scope, names);
    const out: ResourceFacts[] = [];
    for (const name of names) {
      const group = action.action === 'autoscaling:CreateAutoScalingGroup' ? undefined : await this.store.autoscalingGroups.get(scope, name);
      const own = tags.filter((t) => t.group_name === name);
      out.push({ arn: arnOf(req.arnTemplate, homeOf(call), { GroupId: group?.group_id, GroupFriendlyName: name }), context: resourceTags(own, 'autoscaling') });
    }
    return out;
  }
}

function groupNames(input: Input): string[] {
  const out = new Set<string>();
  if (typeof input.AutoScalingGroupName === 'string') out.add(input.AutoScalingGroupName);
  if (Array.isArray(input.AutoScalingGroupNames)) for (const n of input.AutoScalingGroupNames) if (typeof n === 'string') out.add(n);
  // CreateOrUpdateTags / DeleteTags name groups in each tag
  if (Array.isArray(input.Tags)) {
    for (const t of input.Tags as Input[]) if (t.ResourceType === 'auto-scaling-group' && typeof t.ResourceId === 'string') out.add(t.ResourceId);
  }
  return [...out];
}
