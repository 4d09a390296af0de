// The CallerIdentity of each kind of principal (principal.ts has the forms).
import { assumedRoleArn, iamArn, rootArn } from './arns.js';
import type { CallerIdentity } from './principal.js';

export function rootIdentity(accountId: string, accessKeyId: string, admin = false): CallerIdentity {
  return { kind: 'root', accountId, arn: rootArn(accountId), userId: accountId, accessKeyId, ...(admin ? { admin } : {}) };
}

export interface UserFacts {
  accountId: string;
  name: string;
  path: string;
  id: string;
  tags: Record<string, string>;
}

export function userIdentity(user: UserFacts, accessKeyId: string): CallerIdentity {
  return { kind: 'user', accountId: user.accountId, arn: iamArn(user.accountId, 'user', user.path, user.name), userId: user.id, accessKeyId, userName: user.name, tags: user.tags };
}

export interface RoleSessionFacts {
  accountId: string;
  roleName: string;
  rolePath: string;
  roleId: string;
  sessionName: string;
  tags?: Record<string, string>;
  sourceIdentity?: string;
}

export function roleSessionIdentity(s: RoleSessionFacts, accessKeyId: string): CallerIdentity {
  const id: CallerIdentity = {
    kind: 'assumed-role',
    accountId: s.accountId,
    arn: assumedRoleArn(s.accountId, s.roleName, s.sessionName),
    userId: `${s.roleId}:${s.sessionName}`,
    accessKeyId,
    roleArn: iamArn(s.accountId, 'role', s.rolePath, s.roleName),
  };
  if (s.tags && Object.keys(s.tags).length) id.tags = s.tags;
  if (s.sourceIdentity !== undefined) id.sourceIdentity = s.sourceIdentity;
  return id;
}

/** IAM tags as stored ([{Key, Value}] JSON) → aws:PrincipalTag's map. */
export function tagMap(json: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const t of JSON.parse(json) as { Key: string; Value: string }[]) out[t.Key] = t.Value;
  return out;
}

/** The request's caller; the account's root where a context comes from outside the gateway. */
export function callerOf(ctx: { identity?: CallerIdentity; accountId: string; accessKeyId: string }): CallerIdentity {
  return ctx.identity ?? rootIdentity(ctx.accountId, ctx.accessKeyId);
}
