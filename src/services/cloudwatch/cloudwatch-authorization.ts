// CloudWatch's side of authorization (iam/enforcement/): the alarms a request names — by AlarmName,
// AlarmNames, AlarmNamePrefix-less describes (the `*` alarm) or a tagging call's ResourceARN — with
// their tags (aws:ResourceTag/…), and the request's own keys: cloudwatch:namespace of
// PutMetricData, cloudwatch:AlarmActions of PutMetricAlarm/PutCompositeAlarm, request tags.
// Metric operations take no resource ("*"): the reference lists only the optional `dataset` type.
import type { ActionRequirement, ResourceRequirement } from '../../iam/authorization/reference.js';
import { arnOf, homeOf } from '../../iam/enforcement/arn-of.js';
import type { AuthorizationCall, ResourceFacts, ServiceResources } from '../../iam/enforcement/enforcer.js';
import { requestTags, resourceTags } from '../../iam/enforcement/request-tags.js';
import type { ContextValue } from '../../iam/policy/index.js';
import type { Scope } from '../../store/scope.js';

type Input = Record<string, unknown>;

/** The tags of the named alarms of a scope (alarms/ provides it; without it alarms have none). */
export type AlarmTagLookup = (scope: Scope, names: string[]) => Promise<Map<string, { key: string; value: string }[]>>;

export class CloudWatchResources implements ServiceResources {
  constructor(private readonly alarmTags?: AlarmTagLookup) {}

  requestKeys(call: AuthorizationCall): Record<string, ContextValue> {
    const input = call.input;
    const keys: Record<string, ContextValue> = { ...requestTags(input.Tags) };
    if (typeof input.Namespace === 'string' && call.operation === 'PutMetricData') keys['cloudwatch:namespace'] = input.Namespace;
    const actions = ['AlarmActions', 'OKActions', 'InsufficientDataActions'].flatMap((m) => (Array.isArray(input[m]) ? (input[m] as unknown[]).filter((a): a is string => typeof a === 'string') : []));
    if (actions.length) keys['cloudwatch:AlarmActions'] = actions;
    return keys;
  }

  async resources(call: AuthorizationCall, req: ResourceRequirement, action: ActionRequirement): Promise<ResourceFacts[]> {
    if (req.type !== 'alarm') return [];
    const names = alarmNames(call.input, call.region, call.identity.accountId);
    if (!names.length) return req.required ? [{ arn: arnOf(req.arnTemplate, homeOf(call), {}) }] : [];
    const creating = action.action === 'cloudwatch:PutMetricAlarm' || action.action === 'cloudwatch:PutCompositeAlarm';
    const tags = this.alarmTags && !creating ? await this.alarmTags({ accountId: call.identity.accountId, region: call.region }, names) : undefined;
    return names.map((name) => ({ arn: arnOf(req.arnTemplate, homeOf(call), { AlarmName: name }), context: resourceTags(tags?.get(name) ?? [], undefined) }));
  }
}

/** AlarmName, AlarmNames, or the alarm of a tagging call's ResourceARN in the caller's own account and region. */
function alarmNames(input: Input, region: string, accountId: string): string[] {
  const out = new Set<string>();
  if (typeof input.AlarmName === 'string') out.add(input.AlarmName);
  if (Array.isArray(input.AlarmNames)) for (const n of input.AlarmNames) if (typeof n === 'string') out.add(n);
  if (typeof input.ResourceARN === 'string') {
    const prefix = `arn:aws:cloudwatch:${region}:${accountId}:alarm:`;
    if (input.ResourceARN.startsWith(prefix)) out.add(input.ResourceARN.slice(prefix.length));
  }
  return [...out];
}
