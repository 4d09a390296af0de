// A parsed policy turned into matchers, once: actions as lower-cased globs, resources as ARN
// patterns, principals and conditions as closures. Evaluating a compiled policy parses no JSON
// and builds no RegExp.
import { compileArnPattern, type ArnTest } from './arn-pattern.js';
import { compileCondition, type CompiledCondition } from './condition-operators.js';
import { compileGlob, globPieces, type StringTest } from './glob.js';
import { parsePolicy, type ParsePolicyOptions } from './parse-policy.js';
import { parseTemplate } from './policy-variables.js';
import { compilePrincipal, type PrincipalTest } from './principal-match.js';
import type { Effect, Policy, PolicyKind, Statement, TextPosition } from './types.js';

export interface CompiledStatement {
  index: number;
  sid?: string;
  effect: Effect;
  /** Action (or NotAction when `notAction`): any matcher matching the lower-cased action */
  actions: StringTest[];
  notAction: boolean;
  /** undefined: no Resource element (trust policies) — every resource */
  resources?: ArnTest[];
  notResource: boolean;
  principal?: PrincipalTest;
  conditions: CompiledCondition[];
  start: TextPosition;
  end: TextPosition;
}

export interface CompiledPolicyBody {
  kind: PolicyKind;
  policy: Policy;
  statements: CompiledStatement[];
}

/** A compiled policy with the id matchedStatements report it under. */
export interface CompiledPolicy {
  id: string;
  body: CompiledPolicyBody;
}

function compileStatement(st: Statement, index: number, variables: boolean): CompiledStatement {
  const actionList = st.action ?? st.notAction ?? [];
  const resourceList = st.resource ?? st.notResource;
  const c: CompiledStatement = {
    index,
    effect: st.effect,
    actions: actionList.map((a) => compileGlob(globPieces(a), true)),
    notAction: st.action === undefined,
    resources: resourceList?.map((r) => compileArnPattern(parseTemplate(r, { variables, wildcards: true }))),
    notResource: st.notResource !== undefined,
    principal: compilePrincipal(st.principal, st.notPrincipal),
    conditions: st.condition.map((e) => compileCondition(e, variables)),
    start: st.start,
    end: st.end,
  };
  if (st.sid !== undefined) c.sid = st.sid;
  return c;
}

export function compileParsedPolicy(policy: Policy, kind: PolicyKind): CompiledPolicyBody {
  const variables = policy.version === '2012-10-17';
  return { kind, policy, statements: policy.statements.map((st, k) => compileStatement(st, k, variables)) };
}

/** Parses (throwing PolicyDocumentError) and compiles a document; see PolicyCache for the cached way. */
export function compilePolicyText(text: string, opts: ParsePolicyOptions): CompiledPolicyBody {
  return compileParsedPolicy(parsePolicy(text, opts), opts.kind);
}
