// A scaling policy as stored: PutScalingPolicy's input (type defaulted) plus the names of the
// alarms Auto Scaling manages for it, and its ARN, built and parsed in one place.
import type { PutScalingPolicyType } from '../../api/autoscaling/types.js';
import type { Scope } from '../../store/scope.js';
import type { PolicyRow } from '../../store/repos/autoscaling-groups.js';

export interface PolicyConfig extends PutScalingPolicyType {
  PolicyType: string;
  /** a target tracking policy's managed alarms (internal, never on the wire) */
  managedAlarms?: string[];
}

export const parseConfig = (p: PolicyRow): PolicyConfig => JSON.parse(p.config) as PolicyConfig;

export const policyArn = (p: Pick<PolicyRow, 'region' | 'account_id' | 'policy_id' | 'group_name' | 'policy_name'>) =>
  `arn:aws:autoscaling:${p.region}:${p.account_id}:scalingPolicy:${p.policy_id}:autoScalingGroupName/${p.group_name}:policyName/${p.policy_name}`;

/** The parts of a policy ARN (undefined when it is not one). */
export function parsePolicyArn(arn: string): { scope: Scope; policyId: string; group: string; name: string } | undefined {
  const m = /^arn:aws:autoscaling:([a-z0-9-]+):(\d{12}):scalingPolicy:([0-9a-f-]{36}):autoScalingGroupName\/(.+):policyName\/(.+)$/.exec(arn);
  return m ? { scope: { region: m[1]!, accountId: m[2]! }, policyId: m[3]!, group: m[4]!, name: m[5]! } : undefined;
}
