// STS: who am I (GetCallerIdentity), temporary credentials for a role (AssumeRole: the role's
// trust policy evaluated as a resource policy with the caller's own identity policies — needed
// too when the trust policy names the caller's account rather than the caller, and always
// across accounts —, ExternalId as sts:ExternalId, session policies, session tags, source
// identity) or for oneself (GetSessionToken), and DecodeAuthorizationMessage.
import { ServiceError } from '../../protocol/service-error.js';
import { decodeAuthorizationMessage } from '../../iam/authorization-message.js';
import { parseIamArn } from '../../iam/arns.js';
import { roleSessionIdentity, tagMap } from '../../iam/identities.js';
import { defaultPolicyCache, evaluate, PolicyDocumentError, parsePolicy, type ContextValue } from '../../iam/policy/index.js';
import type { PrincipalPolicyResolver } from '../../iam/principal-policies.js';
import type { CallerIdentity } from '../../iam/principal.js';
import type { SessionCredentials, SessionTokens } from '../../iam/session-tokens.js';
import type { IamRolesTable } from '../../store/schema.js';

export interface StsDeps {
  role(accountId: string, name: string): Promise<IamRolesTable | undefined>;
  policies: PrincipalPolicyResolver;
  sessions: SessionTokens;
  now?: () => number;
}

export interface AssumeRoleRequest {
  roleArn: string;
  sessionName: string;
  durationSeconds?: number;
  policy?: string;
  policyArns?: string[];
  tags?: { Key: string; Value: string }[];
  transitiveTagKeys?: string[];
  externalId?: string;
  sourceIdentity?: string;
}

export interface AssumedRole {
  credentials: SessionCredentials;
  assumedRoleId: string;
  arn: string;
  packedPolicySize?: number;
  sourceIdentity?: string;
}

const accessDenied = (message: string) => new ServiceError('AccessDenied', message, 403);
const validation = (message: string) => new ServiceError('ValidationError', message, 400);
const ROLE_CHAINING_LIMIT = 3600;
const ROOT_SESSION_LIMIT = 3600;

export class StsService {
  constructor(private readonly deps: StsDeps) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  callerIdentity(caller: CallerIdentity): { userId: string; account: string; arn: string } {
    return { userId: caller.userId, account: caller.accountId, arn: caller.arn };
  }

  async assumeRole(caller: CallerIdentity, r: AssumeRoleRequest): Promise<AssumedRole> {
    if (caller.kind === 'root') throw accessDenied('Roles may not be assumed by root accounts.');
    const parsed = parseIamArn(r.roleArn);
    if (!parsed || parsed.kind !== 'role' || parsed.accountId === 'aws') throw validation(`${r.roleArn} is invalid`);
    const notAuthorized = (action = 'sts:AssumeRole') => accessDenied(`User: ${caller.arn} is not authorized to perform: ${action} on resource: ${r.roleArn}`);
    const role = await this.deps.role(parsed.accountId, parsed.name);
    if (!role || role.path !== parsed.path) throw notAuthorized();

    if (r.policy !== undefined) {
      try {
        parsePolicy(r.policy, { kind: 'session' });
      } catch (e) {
        if (e instanceof PolicyDocumentError) throw new ServiceError('MalformedPolicyDocument', e.message, 400);
        throw e;
      }
    }
    for (const arn of r.policyArns ?? []) if (!/^arn:aws:iam::(\d{12}|aws):policy\/.+/.test(arn)) throw validation(`${arn} is invalid`);
    const sessionTags = Object.fromEntries((r.tags ?? []).map((t) => [t.Key, t.Value]));
    for (const k of r.transitiveTagKeys ?? []) {
      if (!(k in sessionTags)) throw new ServiceError('InvalidParameterValue', 'The specified transitive tag key must be included in the requested tags.', 400);
    }

    // who may: the trust policy (a resource policy that must allow) and the caller's own policies
    const context: Record<string, ContextValue> = { 'sts:RoleSessionName': r.sessionName };
    if (r.externalId !== undefined) context['sts:ExternalId'] = r.externalId;
    if (r.sourceIdentity !== undefined) context['sts:SourceIdentity'] = r.sourceIdentity;
    if (r.tags?.length) {
      for (const t of r.tags) context[`aws:RequestTag/${t.Key}`] = t.Value;
      context['aws:TagKeys'] = r.tags.map((t) => t.Key);
    }
    if (r.transitiveTagKeys?.length) context['sts:TransitiveTagKeys'] = r.transitiveTagKeys;
    const own = await this.deps.policies.policiesFor(caller);
    // compiled as a trust policy (no Resource), then evaluated as the role's resource policy
    const trust = { id: r.roleArn, body: defaultPolicyCache.get(role.trust_policy, 'trust') };
    const allowed = (action: string) =>
      evaluate(
        { action, resource: r.roleArn, principal: caller, context },
        { identity: own.identity, boundary: own.boundary, session: own.session, resource: [trust], sameAccount: caller.accountId === role.account_id, resourcePolicyRequired: true },
      ).decision === 'Allow';
    if (!allowed('sts:AssumeRole')) throw notAuthorized();
    if (r.tags?.length && !allowed('sts:TagSession')) throw notAuthorized('sts:TagSession');
    if (r.sourceIdentity !== undefined && !allowed('sts:SetSourceIdentity')) throw notAuthorized('sts:SetSourceIdentity');
    if (caller.sourceIdentity !== undefined && r.sourceIdentity !== undefined && r.sourceIdentity !== caller.sourceIdentity) {
      throw accessDenied('The source identity of a role session cannot be changed by role chaining.');
    }

    const duration = r.durationSeconds ?? 3600;
    if (duration > role.max_session_duration) throw validation('The requested DurationSeconds exceeds the MaxSessionDuration set for this role.');
    const chained = caller.kind === 'assumed-role';
    if (chained && duration > ROLE_CHAINING_LIMIT) throw validation('The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.');

    // tags: the role's, then transitive tags the caller's session passes on, then the session's own
    const inherited = Object.fromEntries((caller.session?.transitiveTagKeys ?? []).filter((k) => caller.tags?.[k] !== undefined).map((k) => [k, caller.tags![k]]));
    const tags = { ...tagMap(role.tags), ...inherited, ...sessionTags };
    const transitive = [...new Set([...Object.keys(inherited), ...(r.transitiveTagKeys ?? [])])];
    const sourceIdentity = r.sourceIdentity ?? caller.sourceIdentity;
    const identity = roleSessionIdentity(
      { accountId: role.account_id, roleName: role.name, rolePath: role.path, roleId: role.id, sessionName: r.sessionName, tags, sourceIdentity },
      '',
    );
    const { accessKeyId: _unused, ...rest } = identity;
    void _unused;
    const credentials = this.deps.sessions.issue({
      ...rest,
      session: {
        expiresAt: this.now() + duration * 1000,
        ...(r.policy !== undefined ? { policy: r.policy } : {}),
        ...(r.policyArns?.length ? { policyArns: r.policyArns } : {}),
        ...(transitive.length ? { transitiveTagKeys: transitive } : {}),
      },
    });
    const out: AssumedRole = { credentials, assumedRoleId: identity.userId, arn: identity.arn };
    const packed = packedSize(r);
    if (packed !== undefined) out.packedPolicySize = packed;
    if (sourceIdentity !== undefined) out.sourceIdentity = sourceIdentity;
    return out;
  }

  /** GetSessionToken: a user's or root's own permissions, for 900 s to 36 h (roots: 1 h). */
  sessionToken(caller: CallerIdentity, durationSeconds?: number): SessionCredentials {
    if (caller.kind === 'assumed-role' || caller.session) throw accessDenied('Cannot call GetSessionToken with session credentials');
    const duration = Math.min(durationSeconds ?? 43_200, caller.kind === 'root' ? ROOT_SESSION_LIMIT : Infinity);
    const { accessKeyId: _unused, admin: _admin, ...rest } = caller;
    void _unused;
    void _admin;
    return this.deps.sessions.issue({ ...rest, session: { expiresAt: this.now() + duration * 1000 } });
  }

  decode(encoded: string): string {
    const decoded = decodeAuthorizationMessage(encoded);
    if (decoded === undefined) throw new ServiceError('InvalidAuthorizationMessageException', 'The encoded authorization message is invalid.', 400);
    return decoded;
  }
}

/** PackedPolicySize: how much of the packed session policies and tags quota is used, in percent. */
function packedSize(r: AssumeRoleRequest): number | undefined {
  if (r.policy === undefined && !r.policyArns?.length && !r.tags?.length) return undefined;
  const bytes = (r.policy?.replace(/\s+/g, '').length ?? 0) + (r.policyArns ?? []).join('').length + (r.tags ?? []).reduce((n, t) => n + t.Key.length + t.Value.length, 0);
  return Math.max(1, Math.round((bytes / 2048) * 100));
}
