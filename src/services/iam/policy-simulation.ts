// SimulatePrincipalPolicy and SimulateCustomPolicy: who is simulated (a user, group or role of
// the caller's account, or none), with which policies, then the enforcement's own evaluation
// (iam/enforcement/simulation.ts). Paging is IAM's MaxItems/Marker over the results.
import type { SimulateCustomPolicyRequest, SimulatePolicyResponse, SimulatePrincipalPolicyRequest } from '../../api/iam/types.js';
import { iamArn, parseIamArn } from '../../iam/arns.js';
import { tagMap, userIdentity } from '../../iam/identities.js';
import { simulate, type SimulatedResult, type SourcePolicyType } from '../../iam/enforcement/simulation.js';
import type { PrincipalPolicyResolver } from '../../iam/principal-policies.js';
import type { CallerIdentity, NamedPolicy, PrincipalPolicies } from '../../iam/principal.js';
import type { Store } from '../../store/store.js';
import { invalidInput, noSuch } from './iam-errors.js';

export class PolicySimulation {
  constructor(
    private readonly store: Pick<Store, 'iam'>,
    private readonly resolver: PrincipalPolicyResolver,
  ) {}

  async principal(accountId: string, i: SimulatePrincipalPolicyRequest): Promise<SimulatePolicyResponse> {
    const source = parseIamArn(i.PolicySourceArn);
    if (!source || source.accountId !== accountId || !['user', 'group', 'role'].includes(source.kind)) throw invalidInput(`Invalid ARN: ${i.PolicySourceArn}`);
    const { principal, policies } = await this.source(accountId, source.kind as 'user' | 'group' | 'role', source.name);
    // PolicyExclusionList: managed policies by ARN, inline ones by name
    const excluded = new Set((i.PolicyExclusionList ?? []).flatMap((x) => [x.PolicyArn, x.InlinePolicyIdentifier?.PolicyName].filter((v): v is string => Boolean(v))));
    const kept = { ...policies, identity: policies.identity.filter((p) => !excluded.has(p.id) && !excluded.has(friendlyId(p.id))) };
    return page(this.run(principal, kept, i), i);
  }

  async custom(accountId: string, i: SimulateCustomPolicyRequest): Promise<SimulatePolicyResponse> {
    const caller = i.CallerArn ? parseIamArn(i.CallerArn) : undefined;
    if (i.CallerArn && (!caller || caller.kind !== 'user')) throw invalidInput(`Invalid CallerArn: ${i.CallerArn}`);
    // no caller: a user of the account that has only the given policies
    const principal = userIdentity({ accountId: caller?.accountId ?? accountId, name: caller?.name ?? 'SimulatedUser', path: caller?.path ?? '/', id: 'AIDASIMULATED', tags: {} }, '');
    return page(this.run(principal, { identity: [] }, i), i);
  }

  private run(principal: CallerIdentity, policies: PrincipalPolicies, i: SimulateCustomPolicyRequest | SimulatePrincipalPolicyRequest): SimulatedResult[] {
    const results = simulate({
      principal,
      policies,
      policyInputs: i.PolicyInputList,
      boundaryInputs: i.PermissionsBoundaryPolicyInputList,
      actionNames: i.ActionNames ?? [],
      resourceArns: i.ResourceArns,
      resourcePolicy: i.ResourcePolicy,
      resourceOwner: i.ResourceOwner,
      contextEntries: i.ContextEntries,
      sourceType,
    });
    return results.map((r) => ({ ...r, MatchedStatements: r.MatchedStatements.map((s) => ({ ...s, SourcePolicyId: friendlyId(s.SourcePolicyId) })) }));
  }

  private async source(accountId: string, kind: 'user' | 'group' | 'role', name: string): Promise<{ principal: CallerIdentity; policies: PrincipalPolicies }> {
    const iam = this.store.iam;
    if (kind === 'user') {
      const row = await iam.users.get(accountId, name.toLowerCase());
      if (!row) throw noSuch('user', name);
      const principal = userIdentity({ accountId, name: row.name, path: row.path, id: row.id, tags: tagMap(row.tags) }, '');
      return { principal, policies: await this.resolver.policiesFor(principal) };
    }
    if (kind === 'role') {
      const row = await iam.roles.get(accountId, name.toLowerCase());
      if (!row) throw noSuch('role', name);
      const roleArn = iamArn(accountId, 'role', row.path, row.name);
      const principal: CallerIdentity = { kind: 'assumed-role', accountId, arn: roleArn, roleArn, userId: row.id, accessKeyId: '', tags: tagMap(row.tags) };
      return { principal, policies: await this.resolver.policiesFor(principal) };
    }
    const group = await iam.groups.get(accountId, name.toLowerCase());
    if (!group) throw noSuch('group', name);
    const groupArn = iamArn(accountId, 'group', group.path, group.name);
    const owners = [{ type: 'group' as const, key: group.name_key }];
    const [inline, attached] = await Promise.all([iam.links.inlineOf(accountId, owners), iam.links.attachedTo(accountId, owners)]);
    const identity: NamedPolicy[] = inline.map((p) => ({ id: `${groupArn}:inline/${p.policy_name}`, document: p.document }));
    for (const arn of new Set(attached.map((a) => a.policy_arn))) {
      const document = await this.resolver.managedDocument(arn);
      if (document !== undefined) identity.push({ id: arn, document });
    }
    // a member of the group with no policies of its own
    const principal = userIdentity({ accountId, name: 'SimulatedGroupMember', path: '/', id: 'AIDASIMULATED', tags: {} }, '');
    return { principal, policies: { identity } };
  }
}

/** policiesFor's ids: `<owner ARN>:inline/<name>` for inline policies, the ARN for managed ones. */
function sourceType(id: string): SourcePolicyType {
  const inline = /^arn:aws:iam::\d{12}:(user|group|role)\/.*:inline\//.exec(id);
  if (inline) return inline[1] as SourcePolicyType;
  if (id.startsWith('arn:aws:iam::aws:policy/')) return 'aws-managed';
  if (id.startsWith('arn:aws:iam::')) return 'user-managed';
  return 'none';
}

/** What IAM shows as SourcePolicyId: an inline policy's name, a managed policy's name. */
function friendlyId(id: string): string {
  const inline = id.indexOf(':inline/');
  if (inline >= 0) return id.slice(inline + ':inline/'.length);
  if (id.startsWith('arn:aws:iam::')) return id.slice(id.lastIndexOf('/') + 1);
  return id;
}

function page(results: SimulatedResult[], i: { MaxItems?: number; Marker?: string }): SimulatePolicyResponse {
  const start = i.Marker ? Number.parseInt(i.Marker, 10) : 0;
  if (!Number.isInteger(start) || start < 0 || start > results.length) throw invalidInput('Invalid Marker.');
  const max = i.MaxItems ?? 100;
  const slice = results.slice(start, start + max);
  const truncated = start + max < results.length;
  return { EvaluationResults: slice as SimulatePolicyResponse['EvaluationResults'], IsTruncated: truncated, ...(truncated ? { Marker: String(start + max) } : {}) };
}
