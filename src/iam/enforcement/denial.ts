// Each service's access-denied error, worded as AWS words it since its "enhanced" messages: who,
// which action, on which resource, and which kind of policy failed to allow (or denied). EC2 adds
// the encoded authorization message that sts:DecodeAuthorizationMessage turns back into JSON.
import { ServiceError } from '../../protocol/service-error.js';
import type { PolicyType } from '../policy/index.js';
import type { AuthorizationCall, PairDecision } from './enforcer.js';

export interface Denial extends PairDecision {
  encoded: string;
}

const KIND: Record<PolicyType, string> = {
  identity: 'identity-based policy',
  boundary: 'permissions boundary',
  session: 'session policy',
  resource: 'resource-based policy',
};

/** "because no identity-based policy allows the ec2:X action" / "with an explicit deny in a …" */
export function denialReason(pair: PairDecision): string {
  const { result, action } = pair;
  if (result.decision === 'ExplicitDeny') {
    const type = result.matchedStatements.find((s) => s.effect === 'Deny')?.policyType ?? 'identity';
    return `with an explicit deny in ${article(KIND[type])}`;
  }
  const order: PolicyType[] = ['identity', 'boundary', 'session', 'resource'];
  const failed = order.find((t) => result.byType[t] !== undefined && result.byType[t] !== 'Allow') ?? 'identity';
  return `because no ${KIND[failed]} allows the ${action} action`;
}

function article(s: string): string {
  return /^[aeiou]/i.test(s) ? `an ${s}` : `a ${s}`;
}

export function deniedError(call: AuthorizationCall, d: Denial): ServiceError {
  const who = `User: ${call.identity.arn} is not authorized to perform: ${d.action}${d.resource === '*' ? '' : ` on resource: ${d.resource}`} ${denialReason(d)}`;
  switch (call.service) {
    case 'ec2':
      return new ServiceError('UnauthorizedOperation', `You are not authorized to perform this operation. ${who}. Encoded authorization failure message: ${d.encoded}`, 403);
    case 'autoscaling':
    case 'cloudwatch':
    case 'iam':
    case 'sts':
      return new ServiceError('AccessDenied', who, 403);
    case 'ebs':
      return new ServiceError('AccessDeniedException', who, 403, { fields: { Reason: 'UNAUTHORIZED_ACCOUNT' } });
    default: // kms, ssm, cloudtrail
      return new ServiceError('AccessDeniedException', who, 400);
  }
}
