// IAM operations: thin mappings onto the domain services (IAM is global: the account is the
// scope, the signing region is not). Listings answer IAM's IsTruncated/Marker.
import type { Operations } from '../../api/iam/types.js';
import type { HandlerMap } from '../../protocol/dispatch.js';
import { callerOf } from '../../iam/identities.js';
import type { Page } from './iam-context.js';
import type { UserService } from './user-service.js';
import type { GroupService } from './group-service.js';
import type { RoleService } from './role-service.js';
import type { InstanceProfileService } from './instance-profile-service.js';
import type { AccessKeyService } from './access-key-service.js';
import type { ManagedPolicyService } from './managed-policy-service.js';
import type { PrincipalPolicyService } from './principal-policy-service.js';
import type { AccountDetails, EntityType } from './account-details.js';
import type { PageRequest } from './iam-context.js';
import type { PolicySimulation } from './policy-simulation.js';

export interface IamServices {
  users: UserService;
  groups: GroupService;
  roles: RoleService;
  profiles: InstanceProfileService;
  keys: AccessKeyService;
  policies: ManagedPolicyService;
  principalPolicies: PrincipalPolicyService;
  accountDetails(accountId: string, filter: EntityType[] | undefined, page: PageRequest): Promise<AccountDetails>;
  simulation: PolicySimulation;
}

const paging = (i: { Marker?: string; MaxItems?: number }): PageRequest => ({ marker: i.Marker, maxItems: i.MaxItems });
const more = <T>(p: Page<T>) => ({ IsTruncated: p.isTruncated, ...(p.marker ? { Marker: p.marker } : {}) });

export function iamHandlers(s: IamServices): HandlerMap<Operations> {
  const { users, groups, roles, profiles, keys, policies, principalPolicies: pp } = s;
  return {
    // the policy simulator: the enforcement's evaluation over the policies of a principal, or given ones
    SimulatePrincipalPolicy: (ctx, i) => s.simulation.principal(ctx.accountId, i),
    SimulateCustomPolicy: (ctx, i) => s.simulation.custom(ctx.accountId, i),
    // users
    async CreateUser(ctx, i) {
      return { User: await users.create(ctx.accountId, { name: i.UserName, path: i.Path, permissionsBoundary: i.PermissionsBoundary, tags: i.Tags }) };
    },
    async GetUser(ctx, i) {
      return { User: await users.get(callerOf(ctx), i.UserName) };
    },
    async ListUsers(ctx, i) {
      const p = await users.list(ctx.accountId, i.PathPrefix, paging(i));
      return { Users: p.items, ...more(p) };
    },
    async DeleteUser(ctx, i) {
      await users.delete(ctx.accountId, i.UserName);
    },
    async TagUser(ctx, i) {
      await users.tag(ctx.accountId, i.UserName, i.Tags);
    },
    async UntagUser(ctx, i) {
      await users.untag(ctx.accountId, i.UserName, i.TagKeys);
    },
    async ListUserTags(ctx, i) {
      return { Tags: await users.tags(ctx.accountId, i.UserName), IsTruncated: false };
    },
    async PutUserPermissionsBoundary(ctx, i) {
      await users.setBoundary(ctx.accountId, i.UserName, i.PermissionsBoundary);
    },
    async DeleteUserPermissionsBoundary(ctx, i) {
      await users.setBoundary(ctx.accountId, i.UserName, null);
    },
    async ListGroupsForUser(ctx, i) {
      const p = await users.groups(ctx.accountId, i.UserName, paging(i));
      return { Groups: p.items, ...more(p) };
    },

    // groups
    async CreateGroup(ctx, i) {
      return { Group: await groups.create(ctx.accountId, i.GroupName, i.Path) };
    },
    async GetGroup(ctx, i) {
      const { group, users: members } = await groups.get(ctx.accountId, i.GroupName, paging(i));
      return { Group: group, Users: members.items, ...more(members) };
    },
    async ListGroups(ctx, i) {
      const p = await groups.list(ctx.accountId, i.PathPrefix, paging(i));
      return { Groups: p.items, ...more(p) };
    },
    async DeleteGroup(ctx, i) {
      await groups.delete(ctx.accountId, i.GroupName);
    },
    async AddUserToGroup(ctx, i) {
      await groups.addUser(ctx.accountId, i.GroupName, i.UserName);
    },
    async RemoveUserFromGroup(ctx, i) {
      await groups.removeUser(ctx.accountId, i.GroupName, i.UserName);
    },

    // roles
    async CreateRole(ctx, i) {
      return {
        Role: await roles.create(ctx.accountId, {
          name: i.RoleName,
          path: i.Path,
          trustPolicy: i.AssumeRolePolicyDocument,
          description: i.Description,
          maxSessionDuration: i.MaxSessionDuration,
          permissionsBoundary: i.PermissionsBoundary,
          tags: i.Tags,
        }),
      };
    },
    async GetRole(ctx, i) {
      return { Role: await roles.get(ctx.accountId, i.RoleName) };
    },
    async ListRoles(ctx, i) {
      const p = await roles.list(ctx.accountId, i.PathPrefix, paging(i));
      return { Roles: p.items, ...more(p) };
    },
    async UpdateRole(ctx, i) {
      await roles.update(ctx.accountId, i.RoleName, { description: i.Description, maxSessionDuration: i.MaxSessionDuration });
      return {};
    },
    async UpdateRoleDescription(ctx, i) {
      await roles.update(ctx.accountId, i.RoleName, { description: i.Description });
      return { Role: await roles.get(ctx.accountId, i.RoleName) };
    },
    async UpdateAssumeRolePolicy(ctx, i) {
      await roles.updateTrustPolicy(ctx.accountId, i.RoleName, i.PolicyDocument);
    },
    async DeleteRole(ctx, i) {
      await roles.delete(ctx.accountId, i.RoleName);
    },
    async TagRole(ctx, i) {
      await roles.tag(ctx.accountId, i.RoleName, i.Tags);
    },
    async UntagRole(ctx, i) {
      await roles.untag(ctx.accountId, i.RoleName, i.TagKeys);
    },
    async ListRoleTags(ctx, i) {
      return { Tags: await roles.tags(ctx.accountId, i.RoleName), IsTruncated: false };
    },
    async PutRolePermissionsBoundary(ctx, i) {
      await roles.setBoundary(ctx.accountId, i.RoleName, i.PermissionsBoundary);
    },
    async DeleteRolePermissionsBoundary(ctx, i) {
      await roles.setBoundary(ctx.accountId, i.RoleName, null);
    },

    // instance profiles
    async CreateInstanceProfile(ctx, i) {
      return { InstanceProfile: await profiles.create(ctx.accountId, i.InstanceProfileName, i.Path, i.Tags) };
    },
    async GetInstanceProfile(ctx, i) {
      return { InstanceProfile: await profiles.get(ctx.accountId, i.InstanceProfileName) };
    },
    async ListInstanceProfiles(ctx, i) {
      const p = await profiles.list(ctx.accountId, i.PathPrefix, paging(i));
      return { InstanceProfiles: p.items, ...more(p) };
    },
    async ListInstanceProfilesForRole(ctx, i) {
      const p = await profiles.forRole(ctx.accountId, i.RoleName, paging(i));
      return { InstanceProfiles: p.items, ...more(p) };
    },
    async DeleteInstanceProfile(ctx, i) {
      await profiles.delete(ctx.accountId, i.InstanceProfileName);
    },
    async AddRoleToInstanceProfile(ctx, i) {
      await profiles.addRole(ctx.accountId, i.InstanceProfileName, i.RoleName);
    },
    async RemoveRoleFromInstanceProfile(ctx, i) {
      await profiles.removeRole(ctx.accountId, i.InstanceProfileName, i.RoleName);
    },

    // access keys
    async CreateAccessKey(ctx, i) {
      return { AccessKey: await keys.create(callerOf(ctx), i.UserName) };
    },
    async ListAccessKeys(ctx, i) {
      return { AccessKeyMetadata: await keys.list(callerOf(ctx), i.UserName), IsTruncated: false };
    },
    async UpdateAccessKey(ctx, i) {
      await keys.setStatus(callerOf(ctx), i.AccessKeyId, i.Status as 'Active' | 'Inactive', i.UserName);
    },
    async DeleteAccessKey(ctx, i) {
      await keys.delete(callerOf(ctx), i.AccessKeyId, i.UserName);
    },
    async GetAccessKeyLastUsed(ctx, i) {
      const u = await keys.lastUsed(ctx.accountId, i.AccessKeyId);
      return { UserName: u.userName, AccessKeyLastUsed: { ServiceName: u.serviceName, Region: u.region, LastUsedDate: u.lastUsedDate } };
    },

    // managed policies
    async CreatePolicy(ctx, i) {
      return { Policy: await policies.create(ctx.accountId, { name: i.PolicyName, path: i.Path, document: i.PolicyDocument, description: i.Description, tags: i.Tags }) };
    },
    async GetPolicy(ctx, i) {
      return { Policy: await policies.get(ctx.accountId, i.PolicyArn) };
    },
    async ListPolicies(ctx, i) {
      const p = await policies.list(ctx.accountId, { scope: i.Scope, onlyAttached: i.OnlyAttached, pathPrefix: i.PathPrefix }, paging(i));
      return { Policies: p.items, ...more(p) };
    },
    async DeletePolicy(ctx, i) {
      await policies.delete(ctx.accountId, i.PolicyArn);
    },
    async CreatePolicyVersion(ctx, i) {
      return { PolicyVersion: await policies.createVersion(ctx.accountId, i.PolicyArn, i.PolicyDocument, i.SetAsDefault ?? false) };
    },
    async GetPolicyVersion(ctx, i) {
      return { PolicyVersion: await policies.getVersion(ctx.accountId, i.PolicyArn, i.VersionId) };
    },
    async ListPolicyVersions(ctx, i) {
      return { Versions: await policies.versions(ctx.accountId, i.PolicyArn), IsTruncated: false };
    },
    async DeletePolicyVersion(ctx, i) {
      await policies.deleteVersion(ctx.accountId, i.PolicyArn, i.VersionId);
    },
    async SetDefaultPolicyVersion(ctx, i) {
      await policies.setDefaultVersion(ctx.accountId, i.PolicyArn, i.VersionId);
    },

    // inline policies
    async PutUserPolicy(ctx, i) {
      await pp.putInline(ctx.accountId, 'user', i.UserName, i.PolicyName, i.PolicyDocument);
    },
    async PutGroupPolicy(ctx, i) {
      await pp.putInline(ctx.accountId, 'group', i.GroupName, i.PolicyName, i.PolicyDocument);
    },
    async PutRolePolicy(ctx, i) {
      await pp.putInline(ctx.accountId, 'role', i.RoleName, i.PolicyName, i.PolicyDocument);
    },
    async GetUserPolicy(ctx, i) {
      const p = await pp.getInline(ctx.accountId, 'user', i.UserName, i.PolicyName);
      return { UserName: p.name, PolicyName: p.policyName, PolicyDocument: p.document };
    },
    async GetGroupPolicy(ctx, i) {
      const p = await pp.getInline(ctx.accountId, 'group', i.GroupName, i.PolicyName);
      return { GroupName: p.name, PolicyName: p.policyName, PolicyDocument: p.document };
    },
    async GetRolePolicy(ctx, i) {
      const p = await pp.getInline(ctx.accountId, 'role', i.RoleName, i.PolicyName);
      return { RoleName: p.name, PolicyName: p.policyName, PolicyDocument: p.document };
    },
    async ListUserPolicies(ctx, i) {
      const p = await pp.listInline(ctx.accountId, 'user', i.UserName, paging(i));
      return { PolicyNames: p.items, ...more(p) };
    },
    async ListGroupPolicies(ctx, i) {
      const p = await pp.listInline(ctx.accountId, 'group', i.GroupName, paging(i));
      return { PolicyNames: p.items, ...more(p) };
    },
    async ListRolePolicies(ctx, i) {
      const p = await pp.listInline(ctx.accountId, 'role', i.RoleName, paging(i));
      return { PolicyNames: p.items, ...more(p) };
    },
    async DeleteUserPolicy(ctx, i) {
      await pp.deleteInline(ctx.accountId, 'user', i.UserName, i.PolicyName);
    },
    async DeleteGroupPolicy(ctx, i) {
      await pp.deleteInline(ctx.accountId, 'group', i.GroupName, i.PolicyName);
    },
    async DeleteRolePolicy(ctx, i) {
      await pp.deleteInline(ctx.accountId, 'role', i.RoleName, i.PolicyName);
    },

    // attached managed policies
    async AttachUserPolicy(ctx, i) {
      await pp.attach(ctx.accountId, 'user', i.UserName, i.PolicyArn);
    },
    async AttachGroupPolicy(ctx, i) {
      await pp.attach(ctx.accountId, 'group', i.GroupName, i.PolicyArn);
    },
    async AttachRolePolicy(ctx, i) {
      await pp.attach(ctx.accountId, 'role', i.RoleName, i.PolicyArn);
    },
    async DetachUserPolicy(ctx, i) {
      await pp.detach(ctx.accountId, 'user', i.UserName, i.PolicyArn);
    },
    async DetachGroupPolicy(ctx, i) {
      await pp.detach(ctx.accountId, 'group', i.GroupName, i.PolicyArn);
    },
    async DetachRolePolicy(ctx, i) {
      await pp.detach(ctx.accountId, 'role', i.RoleName, i.PolicyArn);
    },
    async ListAttachedUserPolicies(ctx, i) {
      const p = await pp.listAttached(ctx.accountId, 'user', i.UserName, i.PathPrefix, paging(i));
      return { AttachedPolicies: p.items, ...more(p) };
    },
    async ListAttachedGroupPolicies(ctx, i) {
      const p = await pp.listAttached(ctx.accountId, 'group', i.GroupName, i.PathPrefix, paging(i));
      return { AttachedPolicies: p.items, ...more(p) };
    },
    async ListAttachedRolePolicies(ctx, i) {
      const p = await pp.listAttached(ctx.accountId, 'role', i.RoleName, i.PathPrefix, paging(i));
      return { AttachedPolicies: p.items, ...more(p) };
    },

    async GetAccountAuthorizationDetails(ctx, i) {
      const d = await s.accountDetails(ctx.accountId, i.Filter, paging(i));
      return { UserDetailList: d.users, GroupDetailList: d.groups, RoleDetailList: d.roles, Policies: d.policies, IsTruncated: d.isTruncated, ...(d.marker ? { Marker: d.marker } : {}) };
    },
  };
}
