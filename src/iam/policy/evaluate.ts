// IAM's policy evaluation logic for one request (one action on one resource; a request touching
// several resources is evaluated once per resource by the caller):
//
//   1. any matching Deny, in any policy (identity, boundary, session, resource) → ExplicitDeny
//   2. identity side: root is allowed everything; anyone else needs an identity Allow, and then
//      also a boundary Allow if a boundary is set and a session-policy Allow if session policies
//      were passed
//   3. same account: the identity side allowing is enough; so is a resource policy Allow naming
//      the caller — by user or session ARN (or "*", or a service) regardless of the identity
//      side, by role ARN only within the boundary and session policies, by account only as a
//      delegation back to the identity side. `resourcePolicyRequired` (KMS key policies, role
//      trust policies) drops the "identity side is enough" rule.
//   4. cross account: both the identity side and a resource policy Allow naming the caller.
//   otherwise → ImplicitDeny.
import { splitArn } from './arn-pattern.js';
import { evaluateCondition } from './condition-operators.js';
import type { CompiledPolicy, CompiledPolicyBody, CompiledStatement } from './compile-policy.js';
import { defaultPolicyCache, type PolicyCache } from './policy-cache.js';
import type { PrincipalGrant } from './principal-match.js';
import { RequestContext, type ContextInput, type RequestPrincipal } from './request-context.js';
import type { Effect, PolicyKind, TextPosition } from './types.js';
import type { NamedPolicy } from '../principal.js';

export type Decision = 'Allow' | 'ImplicitDeny' | 'ExplicitDeny';

export interface AuthorizationRequest {
  /** `service:Action`, e.g. `ec2:DeregisterImage` (case-insensitive) */
  action: string;
  /** the resource's ARN, or `*` for actions without resource-level permissions */
  resource: string;
  principal: RequestPrincipal;
  /** condition keys (case-insensitive) → value(s); the principal's own aws:* keys are derived */
  context?: ContextInput;
}

/** A policy as text (compiled through the cache) or already compiled. */
export type PolicyInput = NamedPolicy | CompiledPolicy;

export interface ApplicablePolicies {
  identity: readonly PolicyInput[];
  boundary?: PolicyInput;
  session?: readonly PolicyInput[];
  /** resource-based policies of the resource (its owner's account) */
  resource?: readonly PolicyInput[];
  /** the principal and the resource are in the same account */
  sameAccount: boolean;
  /** the resource policy must allow (KMS key policies, role trust policies) */
  resourcePolicyRequired?: boolean;
  /** how the resource policies are read: 'trust' for a role's trust policy (no Resource element) */
  resourceKind?: 'resource' | 'trust';
}

export type PolicyType = 'identity' | 'boundary' | 'session' | 'resource';

export interface MatchedStatement {
  policyId: string;
  policyType: PolicyType;
  statementIndex: number;
  sid?: string;
  effect: Effect;
  start: TextPosition;
  end: TextPosition;
}

export interface EvaluationResult {
  decision: Decision;
  /** for Allow the allowing statements, for ExplicitDeny the denying ones, for ImplicitDeny any allows that fell short */
  matchedStatements: MatchedStatement[];
  /** each policy type's own verdict (SimulatePrincipalPolicy's boundary / resource details) */
  byType: Partial<Record<PolicyType, Decision>>;
  /** condition keys and policy variables the request context had no value for */
  missingContextKeys?: string[];
}

interface Prepared {
  action: string;
  arnParts: string[];
  ctx: RequestContext;
}

/** undefined when the statement does not apply; the grant kind (identity-type: 'any') when it does. */
function statementApplies(st: CompiledStatement, req: Prepared): PrincipalGrant | undefined {
  let actionHit = false;
  for (const a of st.actions) {
    if (a(req.action)) {
      actionHit = true;
      break;
    }
  }
  if (actionHit === st.notAction) return undefined;
  let grant: PrincipalGrant = 'any';
  if (st.principal) {
    const g = st.principal(req.ctx.principal);
    if (!g) return undefined;
    grant = g;
  }
  if (st.resources) {
    let hit = false;
    for (const r of st.resources) {
      const m = r(req.arnParts, req.ctx.lookup);
      if (m) {
        hit = true;
        break;
      }
      // NotResource with a variable that has no value: the statement can't be judged, so it doesn't apply
      if (m === undefined && st.notResource) return undefined;
    }
    if (hit === st.notResource) return undefined;
  }
  for (const c of st.conditions) if (!evaluateCondition(c, req.ctx)) return undefined;
  return grant;
}

interface TypeOutcome {
  allows: MatchedStatement[];
  denies: MatchedStatement[];
  grants: Set<PrincipalGrant>;
}

function evaluateType(type: PolicyType, policies: readonly PolicyInput[], kind: PolicyKind, req: Prepared, cache: PolicyCache): TypeOutcome {
  const out: TypeOutcome = { allows: [], denies: [], grants: new Set() };
  for (const p of policies) {
    const body: CompiledPolicyBody = 'body' in p ? p.body : cache.get(p.document, kind);
    for (const st of body.statements) {
      const grant = statementApplies(st, req);
      if (!grant) continue;
      const m: MatchedStatement = { policyId: p.id, policyType: type, statementIndex: st.index, effect: st.effect, start: st.start, end: st.end };
      if (st.sid !== undefined) m.sid = st.sid;
      if (st.effect === 'Deny') out.denies.push(m);
      else {
        out.allows.push(m);
        out.grants.add(grant);
      }
    }
  }
  return out;
}

function verdict(o: TypeOutcome): Decision {
  return o.denies.length ? 'ExplicitDeny' : o.allows.length ? 'Allow' : 'ImplicitDeny';
}

export function evaluate(request: AuthorizationRequest, policies: ApplicablePolicies, cache: PolicyCache = defaultPolicyCache): EvaluationResult {
  const req: Prepared = {
    action: request.action.toLowerCase(),
    arnParts: splitArn(request.resource),
    ctx: new RequestContext(request.principal, request.context),
  };
  const identity = evaluateType('identity', policies.identity, 'identity', req, cache);
  const boundary = policies.boundary ? evaluateType('boundary', [policies.boundary], 'boundary', req, cache) : undefined;
  const session = policies.session?.length ? evaluateType('session', policies.session, 'session', req, cache) : undefined;
  const resource = policies.resource?.length ? evaluateType('resource', policies.resource, policies.resourceKind ?? 'resource', req, cache) : undefined;

  const byType: EvaluationResult['byType'] = { identity: verdict(identity) };
  if (boundary) byType.boundary = verdict(boundary);
  if (session) byType.session = verdict(session);
  if (resource) byType.resource = verdict(resource);

  const outcomes = [identity, boundary, session, resource].filter((o): o is TypeOutcome => o !== undefined);
  const finish = (decision: Decision, matched: MatchedStatement[]): EvaluationResult => {
    const r: EvaluationResult = { decision, matchedStatements: matched, byType };
    if (req.ctx.missing.size) r.missingContextKeys = [...req.ctx.missing];
    return r;
  };
  const denies = outcomes.flatMap((o) => o.denies);
  if (denies.length) return finish('ExplicitDeny', denies);

  const isRoot = request.principal.kind === 'root';
  const withinLimits = (!boundary || boundary.allows.length > 0) && (!session || session.allows.length > 0);
  const identitySide = isRoot || (identity.allows.length > 0 && withinLimits);
  const g = resource?.grants ?? new Set<PrincipalGrant>();
  const direct = g.has('any') || g.has('user') || g.has('session') || g.has('service');
  const resourceSide = direct || (g.has('role') && withinLimits) || (g.has('account') && identitySide);

  let allowed: boolean;
  if (!policies.sameAccount) allowed = identitySide && g.size > 0;
  else if (policies.resourcePolicyRequired) allowed = resourceSide;
  else allowed = identitySide || resourceSide;

  const allows = outcomes.flatMap((o) => o.allows);
  return finish(allowed ? 'Allow' : 'ImplicitDeny', allows);
}
