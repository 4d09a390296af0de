// What the IAM domain answers: its entities as IAM describes them (IAM's own vocabulary and
// field names, so handlers pass them through), built from rows in one place.
import { iamArn } from '../../iam/arns.js';
import type { IamInstanceProfilesTable, IamNamedTable, IamPoliciesTable, IamRolesTable, IamUsersTable } from '../../store/schema.js';

export interface TagView {
  Key: string;
  Value: string;
}

export interface BoundaryView {
  PermissionsBoundaryType: 'PermissionsBoundaryPolicy';
  PermissionsBoundaryArn: string;
}

export interface UserView {
  Path: string;
  UserName: string;
  UserId: string;
  Arn: string;
  CreateDate: Date;
  PermissionsBoundary?: BoundaryView;
  Tags?: TagView[];
}

export interface GroupView {
  Path: string;
  GroupName: string;
  GroupId: string;
  Arn: string;
  CreateDate: Date;
}

export interface RoleView {
  Path: string;
  RoleName: string;
  RoleId: string;
  Arn: string;
  CreateDate: Date;
  /** URL-encoded, as IAM answers policy documents */
  AssumeRolePolicyDocument: string;
  Description?: string;
  MaxSessionDuration: number;
  PermissionsBoundary?: BoundaryView;
  Tags?: TagView[];
}

export interface PolicyView {
  PolicyName: string;
  PolicyId: string;
  Arn: string;
  Path: string;
  DefaultVersionId: string;
  AttachmentCount: number;
  PermissionsBoundaryUsageCount: number;
  IsAttachable: boolean;
  Description?: string;
  CreateDate: Date;
  UpdateDate: Date;
  Tags?: TagView[];
}

export interface PolicyVersionView {
  Document?: string;
  VersionId: string;
  IsDefaultVersion: boolean;
  CreateDate: Date;
}

export interface InstanceProfileView {
  Path: string;
  InstanceProfileName: string;
  InstanceProfileId: string;
  Arn: string;
  CreateDate: Date;
  Roles: RoleView[];
  Tags?: TagView[];
}

export interface AttachedPolicyView {
  PolicyName: string;
  PolicyArn: string;
}

export interface AccessKeyView {
  UserName: string;
  AccessKeyId: string;
  Status: 'Active' | 'Inactive';
  CreateDate: Date;
}

/** IAM answers policy documents URL-encoded (RFC 3986). */
export const wireDocument = (document: string): string => encodeURIComponent(document);

export const parseTags = (json: string): TagView[] => JSON.parse(json) as TagView[];

const tagsOf = (json: string) => {
  const tags = parseTags(json);
  return tags.length ? { Tags: tags } : {};
};

const boundaryOf = (arn: string | null) => (arn ? { PermissionsBoundary: { PermissionsBoundaryType: 'PermissionsBoundaryPolicy' as const, PermissionsBoundaryArn: arn } } : {});

export const arnOf = (kind: 'user' | 'group' | 'role' | 'instance-profile' | 'policy', row: IamNamedTable): string => iamArn(row.account_id, kind, row.path, row.name);

export function userView(row: IamUsersTable): UserView {
  return { Path: row.path, UserName: row.name, UserId: row.id, Arn: arnOf('user', row), CreateDate: new Date(row.created_at), ...boundaryOf(row.permissions_boundary), ...tagsOf(row.tags) };
}

export function groupView(row: IamNamedTable): GroupView {
  return { Path: row.path, GroupName: row.name, GroupId: row.id, Arn: arnOf('group', row), CreateDate: new Date(row.created_at) };
}

export function roleView(row: IamRolesTable): RoleView {
  return {
    Path: row.path,
    RoleName: row.name,
    RoleId: row.id,
    Arn: arnOf('role', row),
    CreateDate: new Date(row.created_at),
    AssumeRolePolicyDocument: wireDocument(row.trust_policy),
    ...(row.description !== null ? { Description: row.description } : {}),
    MaxSessionDuration: row.max_session_duration,
    ...boundaryOf(row.permissions_boundary),
    ...tagsOf(row.tags),
  };
}

export function policyView(row: IamPoliciesTable, attachments: number): PolicyView {
  return {
    PolicyName: row.name,
    PolicyId: row.id,
    Arn: arnOf('policy', row),
    Path: row.path,
    DefaultVersionId: row.default_version,
    AttachmentCount: attachments,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    ...(row.description !== null ? { Description: row.description } : {}),
    CreateDate: new Date(row.created_at),
    UpdateDate: new Date(row.updated_at),
    ...tagsOf(row.tags),
  };
}

export function instanceProfileView(row: IamInstanceProfilesTable, role: IamRolesTable | undefined): InstanceProfileView {
  return {
    Path: row.path,
    InstanceProfileName: row.name,
    InstanceProfileId: row.id,
    Arn: arnOf('instance-profile', row),
    CreateDate: new Date(row.created_at),
    Roles: role ? [roleView(role)] : [],
    ...tagsOf(row.tags),
  };
}
