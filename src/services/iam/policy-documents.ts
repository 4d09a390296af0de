// Policy documents as IAM validates them: the policy language's parser (src/iam/policy) for
// MalformedPolicyDocument, its size quotas for LimitExceeded; and permissions boundary ARNs.
import { PolicyDocumentError, PolicySizeError, parsePolicy, type PolicyKind } from '../../iam/policy/index.js';
import { AWS_MANAGED_POLICIES } from '../../iam/aws-managed-policies.js';
import { parseIamArn } from '../../iam/arns.js';
import type { IamRepos } from '../../store/repos/iam.js';
import { invalidInput, limitExceeded, malformedPolicy, noSuchBoundary } from './iam-errors.js';

/** Throws MalformedPolicyDocument (IAM's message) or LimitExceeded (a size quota) as IAM would. */
export function checkPolicy(text: string, kind: PolicyKind, opts: { managed?: boolean; size?: () => void } = {}): void {
  try {
    parsePolicy(text, { kind, managed: opts.managed });
    opts.size?.();
  } catch (e) {
    if (e instanceof PolicyDocumentError) throw malformedPolicy(e.message);
    if (e instanceof PolicySizeError) throw limitExceeded(e.message);
    throw e;
  }
}

/** A managed policy ARN usable as a permissions boundary (AWS managed, or the account's own). */
export async function checkBoundary(iam: IamRepos, accountId: string, arn: string): Promise<void> {
  if (AWS_MANAGED_POLICIES.has(arn)) return;
  const p = parseIamArn(arn);
  if (!p || p.kind !== 'policy') throw invalidInput(`ARN ${arn} is not valid.`);
  const row = p.accountId === accountId ? await iam.policies.get(accountId, p.name.toLowerCase()) : undefined;
  if (!row || row.path !== p.path) throw noSuchBoundary(arn);
}
