// AWS IAM's policy language and evaluation logic, as a pure library (no I/O). See each module's
// header for the rules it implements; this file only gathers the public surface.
export type { ConditionEntry, Effect, Policy, PolicyKind, PolicyVersion, PrincipalBlock, Statement, TextPosition } from './types.js';
export { parsePolicy, type ParsePolicyOptions } from './parse-policy.js';
export { PolicyDocumentError, PolicyMessages, isPolicyDocumentError } from './policy-document-error.js';
export { PolicySizeLimits, PolicySizeError, policySize, checkManagedPolicySize, checkInlinePolicySize, checkTrustPolicySize } from './policy-size.js';
export { compileParsedPolicy, compilePolicyText, type CompiledPolicy, type CompiledPolicyBody } from './compile-policy.js';
export { PolicyCache, defaultPolicyCache } from './policy-cache.js';
export { CONDITION_OPERATORS } from './condition-operators.js';
export type { ContextInput, ContextValue, RequestPrincipal, ServiceCaller } from './request-context.js';
export {
  evaluate,
  type ApplicablePolicies,
  type AuthorizationRequest,
  type Decision,
  type EvaluationResult,
  type MatchedStatement,
  type PolicyInput,
  type PolicyType,
} from './evaluate.js';
