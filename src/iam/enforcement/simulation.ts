// IAM's policy simulator (SimulatePrincipalPolicy, SimulateCustomPolicy): each action on each
// resource decided by the same evaluation the enforcement runs (iam/policy/evaluate.ts), with
// the context the caller gives (ContextEntries) instead of what the enforcement reads from the
// resources. Given the same context, a decision here is the decision a real call gets: the
// SDK tests check the two against each other.
import { ServiceError } from '../../protocol/service-error.js';
import { evaluate, parsePolicy, PolicyDocumentError, type ContextValue, type EvaluationResult, type MatchedStatement } from '../policy/index.js';
import type { CallerIdentity, NamedPolicy, PrincipalPolicies } from '../principal.js';

export interface ContextEntry {
  ContextKeyName?: string;
  ContextKeyValues?: string[];
  ContextKeyType?: string;
}

export interface SimulationRequest {
  /** who is simulated: the policy source's principal, or for a custom simulation CallerArn's */
  principal: CallerIdentity;
  /** the principal's own policies (none for SimulateCustomPolicy) */
  policies: PrincipalPolicies;
  /** PolicyInputList: extra identity policies */
  policyInputs?: string[];
  /** PermissionsBoundaryPolicyInputList: replaces the principal's boundary */
  boundaryInputs?: string[];
  actionNames: string[];
  resourceArns?: string[];
  resourcePolicy?: string;
  /** ResourceOwner: the account owning the resources (default: the principal's) */
  resourceOwner?: string;
  contextEntries?: ContextEntry[];
  /** where a policy's id says which kind it is (for SourcePolicyType) */
  sourceType(policyId: string): SourcePolicyType;
}

export type SourcePolicyType = 'user' | 'group' | 'role' | 'aws-managed' | 'user-managed' | 'resource' | 'none';

export interface SimulatedResult {
  EvalActionName: string;
  EvalResourceName: string;
  EvalDecision: 'allowed' | 'explicitDeny' | 'implicitDeny';
  MatchedStatements: { SourcePolicyId: string; SourcePolicyType: SourcePolicyType; StartPosition: Position; EndPosition: Position }[];
  MissingContextValues: string[];
  PermissionsBoundaryDecisionDetail?: { AllowedByPermissionsBoundary: boolean };
  EvalDecisionDetails?: Record<string, string>;
}

interface Position {
  Line: number;
  Column: number;
}

const DECISION = { Allow: 'allowed', ExplicitDeny: 'explicitDeny', ImplicitDeny: 'implicitDeny' } as const;

const invalidInput = (message: string) => new ServiceError('InvalidInput', message, 400);

/** Validates the input policies as IAM does (MalformedPolicyDocument), then decides every pair. */
export function simulate(req: SimulationRequest): SimulatedResult[] {
  if (!req.actionNames.length) throw invalidInput('ActionNames must contain at least one action.');
  const inputs = (req.policyInputs ?? []).map((document, i): NamedPolicy => ({ id: `PolicyInputList.${i + 1}`, document: checked(document, 'identity') }));
  const boundaryInputs = (req.boundaryInputs ?? []).map((document, i): NamedPolicy => ({ id: `PermissionsBoundaryPolicyInputList.${i + 1}`, document: checked(document, 'boundary') }));
  const resourcePolicy = req.resourcePolicy === undefined ? undefined : { id: 'ResourcePolicy', document: checked(req.resourcePolicy, 'resource') };
  const context = contextOf(req.contextEntries ?? []);
  const boundary = boundaryInputs[0] ?? req.policies.boundary;
  const sourceType = (id: string): SourcePolicyType =>
    id.startsWith('PolicyInputList.') || id.startsWith('PermissionsBoundaryPolicyInputList.') ? 'none' : id === 'ResourcePolicy' ? 'resource' : req.sourceType(id);
  const results: SimulatedResult[] = [];
  for (const action of req.actionNames) {
    if (!/^[A-Za-z0-9-]+:[A-Za-z0-9*?]+$/.test(action)) throw invalidInput(`Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.`);
    for (const resource of req.resourceArns?.length ? req.resourceArns : ['*']) {
      const result: EvaluationResult = evaluate(
        { action, resource, principal: req.principal, context },
        {
          identity: [...req.policies.identity, ...inputs],
          boundary,
          session: req.policies.session,
          resource: resourcePolicy ? [resourcePolicy] : undefined,
          sameAccount: (req.resourceOwner ?? req.principal.accountId) === req.principal.accountId,
        },
      );
      results.push({
        EvalActionName: action,
        EvalResourceName: resource,
        EvalDecision: DECISION[result.decision],
        MatchedStatements: result.matchedStatements.map((s: MatchedStatement) => ({
          SourcePolicyId: s.policyId,
          SourcePolicyType: sourceType(s.policyId),
          StartPosition: { Line: s.start.line, Column: s.start.column },
          EndPosition: { Line: s.end.line, Column: s.end.column },
        })),
        MissingContextValues: result.missingContextKeys ?? [],
        ...(boundary ? { PermissionsBoundaryDecisionDetail: { AllowedByPermissionsBoundary: result.byType.boundary === 'Allow' } } : {}),
        ...(resourcePolicy ? { EvalDecisionDetails: { ...(result.byType.resource ? { resource: DECISION[result.byType.resource] } : {}) } } : {}),
      });
    }
  }
  return results;
}

function checked(document: string, kind: 'identity' | 'boundary' | 'resource'): string {
  try {
    parsePolicy(document, { kind });
  } catch (e) {
    if (e instanceof PolicyDocumentError) throw new ServiceError('MalformedPolicyDocument', e.message, 400);
    throw e;
  }
  return document;
}

/** ContextEntries as evaluation's context: list types keep every value, others the first. */
function contextOf(entries: ContextEntry[]): Record<string, ContextValue> {
  const out: Record<string, ContextValue> = {};
  for (const e of entries) {
    if (!e.ContextKeyName) throw invalidInput('ContextKeyName is required in each context entry.');
    const values = e.ContextKeyValues ?? [];
    out[e.ContextKeyName] = e.ContextKeyType?.endsWith('List') ? values : values[0] ?? '';
  }
  return out;
}
