// IAM's policy size quotas, counted in characters other than white space (IAM: "does not count
// white space when calculating the size of a policy"). Inline policies count together: the sum of
// all of an entity's inline policies must fit. Exceeding one is a LimitExceeded error (HTTP 409).

export const PolicySizeLimits = {
  /** a customer managed policy (CreatePolicy, CreatePolicyVersion) */
  managed: 6144,
  /** all inline policies of one user, together */
  inlineUser: 2048,
  /** all inline policies of one role, together */
  inlineRole: 10240,
  /** all inline policies of one group, together */
  inlineGroup: 5120,
  /** a role's trust policy (the default quota; adjustable up to 4096) */
  trust: 2048,
} as const;

export class PolicySizeError extends Error {
  readonly code = 'LimitExceeded';
  constructor(message: string) {
    super(message);
    this.name = 'PolicySizeError';
  }
}

/** The characters of a policy document that count against a quota. */
export function policySize(text: string): number {
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (!(c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d || c === 0x0b || c === 0x0c)) n++;
  }
  return n;
}

export function checkManagedPolicySize(text: string): void {
  if (policySize(text) > PolicySizeLimits.managed) {
    throw new PolicySizeError(`Cannot exceed quota for PolicySize: ${PolicySizeLimits.managed}`);
  }
}

export function checkTrustPolicySize(text: string, limit: number = PolicySizeLimits.trust): void {
  if (policySize(text) > limit) throw new PolicySizeError(`Cannot exceed quota for ACLSizePerRole: ${limit}`);
}

/**
 * The inline policies an entity would have after a PutUserPolicy / PutRolePolicy / PutGroupPolicy
 * (the new document and the others it keeps) must fit together.
 */
export function checkInlinePolicySize(entity: 'user' | 'role' | 'group', name: string, documents: readonly string[]): void {
  const limit = { user: PolicySizeLimits.inlineUser, role: PolicySizeLimits.inlineRole, group: PolicySizeLimits.inlineGroup }[entity];
  const total = documents.reduce((n, d) => n + policySize(d), 0);
  if (total > limit) throw new PolicySizeError(`Maximum policy size of ${limit} bytes exceeded for ${entity} ${name}`);
}
