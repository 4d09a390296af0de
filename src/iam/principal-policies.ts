// policiesFor(identity): the policies that apply to a principal's requests, as the enforcement
// evaluates them — a user's inline and attached policies and those of its groups, or a role's;
// the permissions boundary; an assumed role's session policies (from its session token). Roots
// have none (they are not limited by identity policies). Cached per principal for a few seconds
// (IamCache: dropped at once by this node's IAM writes, by other nodes' after the TTL).
import type { IamRepos } from '../store/repos/iam.js';
import type { IamOwnerType } from '../store/schema.js';
import { AWS_MANAGED_POLICIES } from './aws-managed-policies.js';
import { iamArn, parseIamArn } from './arns.js';
import { IamCache, type IamChanges } from './iam-changes.js';
import type { CallerIdentity, NamedPolicy, PrincipalPolicies } from './principal.js';

const NONE: PrincipalPolicies = { identity: [] };

export class PrincipalPolicyResolver {
  private readonly cache: IamCache<PrincipalPolicies>;

  constructor(
    private readonly iam: () => IamRepos,
    changes: IamChanges,
    private readonly now: () => number = Date.now,
  ) {
    this.cache = new IamCache(changes);
  }

  async policiesFor(identity: CallerIdentity): Promise<PrincipalPolicies> {
    if (identity.kind === 'root') return NONE;
    const key = `${identity.kind}|${identity.arn}|${identity.session ? JSON.stringify([identity.session.policy, identity.session.policyArns]) : ''}`;
    const now = this.now();
    const hit = this.cache.get(identity.accountId, key, now);
    if (hit) return hit;
    const value = await this.load(identity);
    this.cache.set(identity.accountId, key, value, now);
    return value;
  }

  /** The default version's document of a managed policy (AWS or the account's), if it exists. */
  async managedDocument(arn: string): Promise<string | undefined> {
    const aws = AWS_MANAGED_POLICIES.get(arn);
    if (aws) return aws.document;
    const parsed = parseIamArn(arn);
    if (!parsed || parsed.kind !== 'policy' || parsed.accountId === 'aws') return undefined;
    const repos = this.iam();
    const row = await repos.policies.get(parsed.accountId, parsed.name.toLowerCase());
    if (!row || row.path !== parsed.path) return undefined;
    return (await repos.links.version(parsed.accountId, row.name_key, row.default_version))?.document;
  }

  private async load(identity: CallerIdentity): Promise<PrincipalPolicies> {
    const repos = this.iam();
    const accountId = identity.accountId;
    let owners: { type: IamOwnerType; key: string; arn: string }[];
    let boundaryArn: string | null;
    if (identity.kind === 'user') {
      const name = identity.userName ?? identity.arn.slice(identity.arn.lastIndexOf('/') + 1);
      const user = await repos.users.get(accountId, name.toLowerCase());
      if (!user) return NONE;
      const groups = await repos.groups.list(accountId, { keys: await repos.links.groupsOf(accountId, user.name_key), limit: 1000 });
      owners = [
        { type: 'user', key: user.name_key, arn: identity.arn },
        ...groups.map((g) => ({ type: 'group' as const, key: g.name_key, arn: iamArn(accountId, 'group', g.path, g.name) })),
      ];
      boundaryArn = user.permissions_boundary;
    } else {
      const role = parseIamArn(identity.roleArn ?? '');
      const row = role && (await repos.roles.get(accountId, role.name.toLowerCase()));
      if (!row) return NONE;
      owners = [{ type: 'role', key: row.name_key, arn: iamArn(accountId, 'role', row.path, row.name) }];
      boundaryArn = row.permissions_boundary;
    }
    const [inline, attached] = await Promise.all([repos.links.inlineOf(accountId, owners), repos.links.attachedTo(accountId, owners)]);
    const identityPolicies: NamedPolicy[] = [];
    for (const p of inline) {
      const owner = owners.find((o) => o.type === p.owner_type && o.key === p.owner_key)!;
      identityPolicies.push({ id: `${owner.arn}:inline/${p.policy_name}`, document: p.document });
    }
    for (const arn of new Set(attached.map((a) => a.policy_arn))) {
      const document = await this.managedDocument(arn);
      if (document !== undefined) identityPolicies.push({ id: arn, document });
    }
    const out: PrincipalPolicies = { identity: identityPolicies };
    if (boundaryArn) {
      // a boundary whose policy is gone allows nothing
      out.boundary = { id: boundaryArn, document: (await this.managedDocument(boundaryArn)) ?? '{"Version":"2012-10-17","Statement":[]}' };
    }
    const s = identity.session;
    if (s && (s.policy !== undefined || s.policyArns?.length)) {
      const session: NamedPolicy[] = [];
      if (s.policy !== undefined) session.push({ id: `${identity.arn}:session-policy`, document: s.policy });
      for (const arn of s.policyArns ?? []) session.push({ id: arn, document: (await this.managedDocument(arn)) ?? '{"Version":"2012-10-17","Statement":[]}' });
      out.session = session;
    }
    return out;
  }
}
