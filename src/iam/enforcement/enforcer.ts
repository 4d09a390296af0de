// Authorization of one request, between decoding and the handler (protocol/dispatch.ts). The
// Service Authorization Reference (iam/authorization/) says which actions the operation needs and
// on which resource types; the service's resolver (ServiceResources) turns the request into the
// concrete resources with their condition keys; policy evaluation (iam/policy/) decides each
// (action, resource) pair with the principal's policies and the resource's own policy. The first
// pair not allowed ends the request with the service's own access-denied error (denial.ts).
//
// Account roots (the credentials file's profiles) are allowed everything, as on AWS without
// organizations' SCPs: the common path costs nothing. Everyone else is evaluated on every call,
// Describe* included (their actions take the `*` resource).
import { authorizationFor, type ActionRequirement, type ResourceRequirement } from '../authorization/reference.js';
import { evaluate, type ContextValue, type EvaluationResult } from '../policy/index.js';
import type { CallerIdentity, NamedPolicy, PrincipalPolicies } from '../principal.js';
import { deniedError, type Denial } from './denial.js';
import { globalKeys } from './global-keys.js';

/**
 * Actions decided by their own handler, which has the resource policy at hand: AssumeRole and
 * what travels with it are evaluated against the role's trust policy by STS (sts-service.ts).
 */
const DECIDED_BY_HANDLER = new Set(['sts:AssumeRole', 'sts:TagSession', 'sts:SetSourceIdentity']);

export interface AuthorizationCall {
  identity: CallerIdentity;
  /** the signing name: ec2, autoscaling, kms, ssm, ebs, iam, sts, cloudtrail */
  service: string;
  operation: string;
  input: Record<string, unknown>;
  region: string;
  sourceIp?: string;
  now: Date;
}

/** One resource an action is evaluated on, with what conditions may ask of it. */
export interface ResourceFacts {
  arn: string;
  context?: Record<string, ContextValue>;
  /** the resource's own policies (a KMS key policy), in its owner's account */
  policies?: NamedPolicy[];
  /** the account owning the resource, when it has policies of its own */
  ownerAccount?: string;
  /** only the resource policy can allow (KMS key policies) */
  resourcePolicyRequired?: boolean;
}

/** A service's side of authorization: which resources a request names, and its request keys. */
export interface ServiceResources {
  /**
   * The resources of type `req.type` the request touches — existing ones with their keys, ones it
   * creates as `*` ARNs with the request's tags — or [] when it touches none of that type.
   */
  resources(call: AuthorizationCall, req: ResourceRequirement, action: ActionRequirement): Promise<ResourceFacts[]>;
  /** condition keys of the request itself (ec2:Region, autoscaling:LaunchTemplateVersionSpecified) */
  requestKeys?(call: AuthorizationCall, action: ActionRequirement): Record<string, ContextValue>;
}

export interface EnforcerDeps {
  /** the principal's identity, boundary and session policies */
  policiesFor(identity: CallerIdentity): Promise<PrincipalPolicies>;
  services: ReadonlyMap<string, ServiceResources>;
  /** STS's encoding of the authorization failure (DecodeAuthorizationMessage reverses it) */
  encodeMessage(json: string): string;
}

/** One (action, resource) pair's decision and what it was decided on. */
export interface PairDecision {
  action: string;
  resource: string;
  context: Record<string, ContextValue>;
  result: EvaluationResult;
}

export class Enforcer {
  constructor(private readonly deps: EnforcerDeps) {}

  /** Throws the service's access-denied error for the first (action, resource) not allowed. */
  async authorize(call: AuthorizationCall): Promise<void> {
    if (call.identity.kind === 'root') return;
    for await (const pair of this.decide(call)) {
      if (pair.result.decision !== 'Allow') throw deniedError(call, this.denial(call, pair));
    }
  }

  /** Every (action, resource) pair of the call with its decision, in order (SimulatePrincipalPolicy uses them all). */
  async *decide(call: AuthorizationCall, policies?: PrincipalPolicies): AsyncGenerator<PairDecision> {
    const auth = authorizationFor(call.service, call.operation);
    if (auth.noPermissionRequired) return;
    const applicable = policies ?? (await this.deps.policiesFor(call.identity));
    const service = this.deps.services.get(call.service);
    const base = globalKeys(call);
    for (const action of auth.actions) {
      if (action.when && !action.when.present.some((m) => present(call.input[m]))) continue;
      if (DECIDED_BY_HANDLER.has(action.action)) continue;
      const prefix = action.action.slice(0, action.action.indexOf(':'));
      // a request's keys come from the service the action belongs to (ec2:CreateTags of an EBS StartSnapshot: EC2's)
      const owner = prefix === call.service ? service : this.deps.services.get(prefix) ?? service;
      const requestKeys = { ...base, ...owner?.requestKeys?.(call, action), ...action.context };
      const targets: ResourceFacts[] = [];
      for (const req of action.resources) {
        const found = owner ? await owner.resources(call, req, action) : [];
        targets.push(...found);
      }
      if (!targets.length) targets.push({ arn: '*' });
      for (const target of targets) {
        const context = { ...requestKeys, ...target.context };
        const result = evaluate(
          { action: action.action, resource: target.arn, principal: call.identity, context },
          {
            identity: applicable.identity,
            boundary: applicable.boundary,
            session: applicable.session,
            resource: target.policies,
            sameAccount: (target.ownerAccount ?? call.identity.accountId) === call.identity.accountId,
            resourcePolicyRequired: target.resourcePolicyRequired,
          },
        );
        yield { action: action.action, resource: target.arn, context, result };
      }
    }
  }

  private denial(call: AuthorizationCall, pair: PairDecision): Denial {
    return { ...pair, encoded: this.deps.encodeMessage(JSON.stringify(decodedMessage(call.identity, pair))) };
  }
}

/** A member the request really carries: not empty, nor a structure of empty members (Packer's `IamInstanceProfile.Name=`). */
function present(v: unknown): boolean {
  if (v === undefined || v === null || v === '') return false;
  if (Array.isArray(v)) return v.length > 0;
  if (typeof v === 'object' && !Buffer.isBuffer(v) && !(v instanceof Uint8Array) && !(v instanceof Date)) return Object.values(v).some(present);
  return true;
}

/** What DecodeAuthorizationMessage shows, in the shape AWS documents. */
export function decodedMessage(identity: CallerIdentity, pair: PairDecision): unknown {
  const items = <T>(xs: T[]) => ({ items: xs });
  return {
    allowed: pair.result.decision === 'Allow',
    explicitDeny: pair.result.decision === 'ExplicitDeny',
    matchedStatements: items(
      pair.result.matchedStatements.map((s) => ({
        statementId: s.sid ?? '',
        effect: s.effect.toUpperCase(),
        principals: items([{ value: identity.userId }]),
        principalGroups: items([]),
        actions: items([{ value: pair.action }]),
        resources: items([{ value: pair.resource }]),
        conditions: items([]),
        policy: { id: s.policyId, type: s.policyType, statementIndex: s.statementIndex },
      })),
    ),
    failures: items([]),
    context: {
      principal: { id: identity.userId, ...(identity.userName ? { name: identity.userName } : {}), arn: identity.arn },
      action: pair.action,
      resource: pair.resource,
      conditions: items(
        Object.entries(pair.context)
          .filter(([k]) => !k.toLowerCase().startsWith('aws:principal'))
          .map(([key, v]) => ({ key, values: items((Array.isArray(v) ? v : [v]).map((value) => ({ value }))) })),
      ),
    },
  };
}
