// Parameter tiers and policies. Standard parameters hold up to 4 KB and no policies; Advanced up
// to 8 KB and up to 10 policies; Intelligent-Tiering picks Advanced only when needed; an
// Advanced parameter never goes back to Standard. Policies: Expiration (enforced: the parameter
// is deleted once its timestamp passes), ExpirationNotification and NoChangeNotification
// (stored and reported; Imago has no EventBridge to notify).
import { ServiceError } from '../../protocol/service-error.js';
import { validation } from './ssm-errors.js';

export const STANDARD_MAX = 4096;
export const ADVANCED_MAX = 8192;
const TYPES = ['Expiration', 'ExpirationNotification', 'NoChangeNotification'];

export interface Policy {
  Type: string;
  Version: string;
  Attributes: Record<string, string>;
}

const err = (code: string, message: string) => new ServiceError(code, message, 400);

/** Parses and checks PutParameter's Policies (a JSON array of policies). */
export function parsePolicies(text: string | undefined): Policy[] {
  if (text === undefined) return [];
  let list: unknown;
  try {
    list = JSON.parse(text);
  } catch {
    throw err('InvalidPolicyAttributeException', 'A policy attribute or its value is invalid. The policies must be a JSON array.');
  }
  if (!Array.isArray(list)) throw err('InvalidPolicyAttributeException', 'A policy attribute or its value is invalid. The policies must be a JSON array.');
  if (list.length > 10) throw err('PoliciesLimitExceededException', 'You specified more than the maximum number of allowed policies for the parameter. The maximum is 10.');
  const seen = new Set<string>();
  return list.map((p: Partial<Policy>) => {
    if (!p || typeof p.Type !== 'string' || !TYPES.includes(p.Type)) {
      throw err('InvalidPolicyTypeException', 'The policy type is not supported. Parameter Store supports the following policy types: Expiration, ExpirationNotification, and NoChangeNotification.');
    }
    if (seen.has(p.Type)) throw err('IncompatiblePolicyException', `There is a conflict in the policies specified for this parameter. You can't, for example, specify two ${p.Type} policies for a parameter. Review your policies, and try again.`);
    seen.add(p.Type);
    const attributes = (p.Attributes ?? {}) as Record<string, string>;
    const invalid = () => err('InvalidPolicyAttributeException', `A policy attribute or its value is invalid: ${JSON.stringify(attributes)} for policy type ${p.Type}.`);
    if (p.Type === 'Expiration' && (typeof attributes.Timestamp !== 'string' || !(Date.parse(attributes.Timestamp) > Date.now()))) throw invalid();
    if (p.Type !== 'Expiration' && !/^\d+$/.test(String(attributes.Before ?? attributes.After ?? ''))) throw invalid();
    return { Type: p.Type, Version: String(p.Version ?? '1.0'), Attributes: attributes };
  });
}

/** When an Expiration policy deletes the parameter (ms), if it has one. */
export function expiresAt(policiesText: string | null): number | undefined {
  if (!policiesText) return undefined;
  const expiration = (JSON.parse(policiesText) as Policy[]).find((p) => p.Type === 'Expiration');
  return expiration ? Date.parse(expiration.Attributes.Timestamp) : undefined;
}

/** The tier a write lands in, or the error Parameter Store answers. */
export function tierFor(requested: string | undefined, current: string | undefined, valueBytes: number, policies: readonly Policy[]): string {
  let tier = requested ?? current ?? 'Standard';
  if (tier === 'Intelligent-Tiering') tier = current === 'Advanced' || valueBytes > STANDARD_MAX || policies.length ? 'Advanced' : 'Standard';
  if (current === 'Advanced' && tier === 'Standard') {
    throw validation(
      "This parameter uses the advanced-parameter tier. You can't downgrade a parameter from the advanced-parameter tier to the standard-parameter tier. If necessary, you can delete the advanced parameter and recreate it as a standard parameter.",
    );
  }
  if (tier === 'Standard' && valueBytes > STANDARD_MAX) {
    throw validation(
      `Standard tier parameters support a maximum parameter value of ${STANDARD_MAX} characters. To create a larger parameter value, upgrade the parameter to use the advanced-parameter tier. For more information, see https://docs.aws.amazon.com/systems-manager/latest/userguide/parameter-store-advanced-parameters.html`,
    );
  }
  if (tier === 'Standard' && policies.length) throw validation('Parameter policies are supported only for the advanced-parameter tier. Use Tier=Advanced or Intelligent-Tiering.');
  if (valueBytes > ADVANCED_MAX) throw validation(`Advanced tier parameters support a maximum parameter value of ${ADVANCED_MAX} characters.`);
  return tier;
}
