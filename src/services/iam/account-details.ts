// GetAccountAuthorizationDetails: every user, group, role and managed policy (attached ones, AWS's
// and the account's) of the account with their policies, filtered by entity type, paged with
// Marker/MaxItems over the concatenation (users, groups, roles, policies).
import { AWS_MANAGED_POLICIES } from '../../iam/aws-managed-policies.js';
import type { IamOwnerType } from '../../store/schema.js';
import { pageOf, type IamContext, type PageRequest } from './iam-context.js';
import { arnOf, groupView, instanceProfileView, policyView, roleView, userView, wireDocument, type AttachedPolicyView, type GroupView, type InstanceProfileView, type PolicyVersionView, type PolicyView, type RoleView, type UserView } from './iam-views.js';
import { attachedViews } from './principal-policy-service.js';
import type { ManagedPolicyService } from './managed-policy-service.js';

export type EntityType = 'User' | 'Group' | 'Role' | 'LocalManagedPolicy' | 'AWSManagedPolicy';

interface PolicyDetail {
  PolicyName: string;
  PolicyDocument: string;
}

export interface AccountDetails {
  users: (UserView & { UserPolicyList: PolicyDetail[]; GroupList: string[]; AttachedManagedPolicies: AttachedPolicyView[] })[];
  groups: (GroupView & { GroupPolicyList: PolicyDetail[]; AttachedManagedPolicies: AttachedPolicyView[] })[];
  roles: (RoleView & { RolePolicyList: PolicyDetail[]; AttachedManagedPolicies: AttachedPolicyView[]; InstanceProfileList: InstanceProfileView[] })[];
  policies: (PolicyView & { PolicyVersionList: PolicyVersionView[] })[];
  isTruncated: boolean;
  marker?: string;
}

type Item = { key: string; add: (out: AccountDetails) => Promise<void> };

export async function accountDetails(c: IamContext, managed: ManagedPolicyService, accountId: string, filter: EntityType[] | undefined, page: PageRequest): Promise<AccountDetails> {
  const want = (t: EntityType) => !filter?.length || filter.includes(t);
  const iam = c.iam;
  const all = { limit: 100_000 };
  const policiesOf = async (type: IamOwnerType, key: string) => {
    const owner = [{ type, key }];
    const [inline, attached] = await Promise.all([iam.links.inlineOf(accountId, owner), iam.links.attachedTo(accountId, owner)]);
    return { inline: inline.map((p) => ({ PolicyName: p.policy_name, PolicyDocument: wireDocument(p.document) })), attached: attachedViews(attached.map((a) => a.policy_arn)) };
  };
  const items: Item[] = [];
  if (want('User')) {
    for (const u of await iam.users.list(accountId, all)) {
      items.push({
        key: `1${u.name_key}`,
        add: async (out) => {
          const p = await policiesOf('user', u.name_key);
          const groups = await iam.groups.list(accountId, { keys: await iam.links.groupsOf(accountId, u.name_key), limit: 1000 });
          out.users.push({ ...userView(u), UserPolicyList: p.inline, GroupList: groups.map((g) => g.name), AttachedManagedPolicies: p.attached });
        },
      });
    }
  }
  if (want('Group')) {
    for (const g of await iam.groups.list(accountId, all)) {
      items.push({ key: `2${g.name_key}`, add: async (out) => {
        const p = await policiesOf('group', g.name_key);
        out.groups.push({ ...groupView(g), GroupPolicyList: p.inline, AttachedManagedPolicies: p.attached });
      } });
    }
  }
  if (want('Role')) {
    const profiles = await iam.instanceProfiles.list(accountId, all);
    for (const r of await iam.roles.list(accountId, all)) {
      items.push({ key: `3${r.name_key}`, add: async (out) => {
        const p = await policiesOf('role', r.name_key);
        const own = profiles.filter((ip) => ip.role_key === r.name_key).map((ip) => instanceProfileView(ip, r));
        out.roles.push({ ...roleView(r), RolePolicyList: p.inline, AttachedManagedPolicies: p.attached, InstanceProfileList: own });
      } });
    }
  }
  const counts = await iam.links.attachmentCounts(accountId);
  if (want('AWSManagedPolicy')) {
    for (const p of AWS_MANAGED_POLICIES.values()) {
      if (!counts.has(p.arn)) continue;
      items.push({ key: `4${p.name.toLowerCase()}`, add: async (out) => {
        out.policies.push({ ...(await managed.get(accountId, p.arn)), PolicyVersionList: await managed.versionsWithDocuments(accountId, p.arn) });
      } });
    }
  }
  if (want('LocalManagedPolicy')) {
    for (const p of await iam.policies.list(accountId, all)) {
      const arn = arnOf('policy', p);
      items.push({ key: `5${p.name_key}`, add: async (out) => {
        out.policies.push({ ...policyView(p, counts.get(arn) ?? 0), PolicyVersionList: await managed.versionsWithDocuments(accountId, arn) });
      } });
    }
  }
  const result = await pageOf(['GetAccountAuthorizationDetails', accountId, filter ?? []], page, async (after, limit) => items.filter((i) => after === undefined || i.key > after).slice(0, limit), (i) => i.key, (i) => i);
  const out: AccountDetails = { users: [], groups: [], roles: [], policies: [], isTruncated: result.isTruncated, ...(result.marker ? { marker: result.marker } : {}) };
  for (const i of result.items) await i.add(out);
  return out;
}
