// Key policies: parse, validate and evaluate the subset of the IAM policy language KMS key
// policies use for account-level sharing. Imago's callers are accounts (no IAM users or roles),
// so a principal is an account's root: it matches `"*"`, `"<account>"` and
// `"arn:aws:iam::<account>:root"`. Evaluated: Effect Allow/Deny (an explicit Deny wins),
// Principal/NotPrincipal (AWS as string or list), Action/NotAction (string or list, `*` and `?`
// wildcards, case-insensitive), and Conditions on `kms:CallerAccount` (StringEquals, StringLike
// and their IfExists/negated forms) and `kms:GrantIsForAWSResource` (Bool). A condition outside
// that subset fails closed: such an Allow never applies, such a Deny always does.
import { malformedPolicy } from './kms-errors.js';

export interface PolicyStatement {
  effect: 'Allow' | 'Deny';
  /** `*` for everyone, else the AWS principal values */
  principals: '*' | string[];
  notPrincipal: boolean;
  actions: string[];
  notAction: boolean;
  conditions: PolicyCondition[];
  /** a condition Imago cannot evaluate is present */
  unsupportedCondition: boolean;
}

interface PolicyCondition {
  operator: 'StringEquals' | 'StringNotEquals' | 'StringLike' | 'StringNotLike' | 'Bool';
  ifExists: boolean;
  key: 'kms:calleraccount' | 'kms:grantisforawsresource';
  values: string[];
}

export interface KeyPolicy {
  statements: PolicyStatement[];
}

/** What a request looks like to the evaluator. */
export interface PolicyRequest {
  /** the calling account (its root is the principal) */
  account: string;
  /** `kms:<Operation>`, e.g. `kms:Decrypt`, `kms:ReEncryptFrom` */
  action: string;
  grantIsForAwsResource?: boolean;
}

export type PolicyDecision = 'allow' | 'explicit-deny' | 'implicit-deny';

const INVALID_PRINCIPALS = 'Policy contains a statement with one or more invalid principals.';
const AWS_PRINCIPAL = /^(\*|\d{12}|arn:aws:(iam|sts)::\d{12}:.+)$/;

/** Parses a policy document; MalformedPolicyDocumentException for anything that is not one. */
export function parseKeyPolicy(text: string): KeyPolicy {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch {
    throw malformedPolicy('The policy document is not valid JSON.');
  }
  if (!isObject(doc)) throw malformedPolicy('The policy document must be a JSON object.');
  if (doc.Version !== undefined && doc.Version !== '2012-10-17' && doc.Version !== '2008-10-17') {
    throw malformedPolicy(`The policy Version ${JSON.stringify(doc.Version)} is not supported.`);
  }
  const raw = doc.Statement;
  const list = Array.isArray(raw) ? raw : raw === undefined ? [] : [raw];
  if (list.length === 0) throw malformedPolicy('The policy document has no Statement.');
  return { statements: list.map(parseStatement) };
}

function parseStatement(s: unknown): PolicyStatement {
  if (!isObject(s)) throw malformedPolicy('Each policy Statement must be a JSON object.');
  if (s.Effect !== 'Allow' && s.Effect !== 'Deny') throw malformedPolicy('Each policy Statement needs an Effect of Allow or Deny.');
  if ((s.Principal === undefined) === (s.NotPrincipal === undefined)) throw malformedPolicy('Each policy Statement needs exactly one of Principal, NotPrincipal.');
  if ((s.Action === undefined) === (s.NotAction === undefined)) throw malformedPolicy('Each policy Statement needs exactly one of Action, NotAction.');
  const actions = stringList(s.Action ?? s.NotAction, 'Action');
  if (actions.length === 0) throw malformedPolicy('A policy Statement has an empty Action.');
  const { conditions, unsupported } = parseConditions(s.Condition);
  return {
    effect: s.Effect,
    principals: parsePrincipal(s.Principal ?? s.NotPrincipal),
    notPrincipal: s.NotPrincipal !== undefined,
    actions,
    notAction: s.NotAction !== undefined,
    conditions,
    unsupportedCondition: unsupported,
  };
}

function parsePrincipal(p: unknown): '*' | string[] {
  if (p === '*') return '*';
  if (!isObject(p) || Object.keys(p).length === 0) throw malformedPolicy(INVALID_PRINCIPALS);
  const out: string[] = [];
  for (const [type, value] of Object.entries(p)) {
    const values = stringList(value, 'Principal');
    // only AWS principals can name an account; service/federated principals never match a caller
    if (type !== 'AWS') continue;
    for (const v of values) if (!AWS_PRINCIPAL.test(v)) throw malformedPolicy(INVALID_PRINCIPALS);
    out.push(...values);
  }
  return out;
}

const OPERATORS = new Set(['StringEquals', 'StringNotEquals', 'StringLike', 'StringNotLike', 'Bool']);

function parseConditions(c: unknown): { conditions: PolicyCondition[]; unsupported: boolean } {
  if (c === undefined) return { conditions: [], unsupported: false };
  if (!isObject(c)) throw malformedPolicy('A policy Condition must be a JSON object.');
  const conditions: PolicyCondition[] = [];
  let unsupported = false;
  for (const [op, body] of Object.entries(c)) {
    if (!isObject(body)) throw malformedPolicy(`The policy Condition operator ${op} must map keys to values.`);
    const ifExists = op.endsWith('IfExists');
    const operator = ifExists ? op.slice(0, -'IfExists'.length) : op;
    for (const [key, value] of Object.entries(body)) {
      const values = stringList(typeof value === 'boolean' ? String(value) : value, 'Condition');
      const k = key.toLowerCase();
      const known = (k === 'kms:calleraccount' && operator !== 'Bool') || (k === 'kms:grantisforawsresource' && operator === 'Bool');
      if (!OPERATORS.has(operator) || !known) {
        unsupported = true;
        continue;
      }
      conditions.push({ operator: operator as PolicyCondition['operator'], ifExists, key: k as PolicyCondition['key'], values });
    }
  }
  return { conditions, unsupported };
}

function stringList(v: unknown, element: string): string[] {
  const list = Array.isArray(v) ? v : [v];
  if (!list.every((x) => typeof x === 'string')) throw malformedPolicy(`The policy ${element} must be a string or a list of strings.`);
  return list as string[];
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** IAM wildcard match: `*` any run, `?` one character; case-insensitive like IAM actions. */
export function wildcardMatch(pattern: string, value: string, ignoreCase = true): boolean {
  const re = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${re}$`, ignoreCase ? 'i' : '').test(value);
}

export function principalMatches(principals: '*' | string[], account: string): boolean {
  if (principals === '*') return true;
  return principals.some((p) => p === '*' || p === account || p === `arn:aws:iam::${account}:root`);
}

function conditionHolds(c: PolicyCondition, req: PolicyRequest): boolean {
  const actual = c.key === 'kms:calleraccount' ? req.account : req.grantIsForAwsResource === undefined ? undefined : String(req.grantIsForAwsResource);
  if (actual === undefined) return c.ifExists;
  switch (c.operator) {
    case 'StringEquals':
      return c.values.includes(actual);
    case 'StringNotEquals':
      return !c.values.includes(actual);
    case 'StringLike':
      return c.values.some((v) => wildcardMatch(v, actual, false));
    case 'StringNotLike':
      return !c.values.some((v) => wildcardMatch(v, actual, false));
    case 'Bool':
      return c.values.some((v) => v.toLowerCase() === actual);
  }
}

function statementApplies(s: PolicyStatement, req: PolicyRequest): boolean {
  const principal = principalMatches(s.principals, req.account) !== s.notPrincipal;
  const action = s.actions.some((a) => wildcardMatch(a, req.action)) !== s.notAction;
  if (!principal || !action) return false;
  // fail closed on what we cannot evaluate
  if (s.unsupportedCondition) return s.effect === 'Deny';
  return s.conditions.every((c) => conditionHolds(c, req));
}

/** IAM's order: an explicit Deny anywhere wins, then any Allow, else the implicit deny. */
export function evaluatePolicy(policy: KeyPolicy, req: PolicyRequest): PolicyDecision {
  let allowed = false;
  for (const s of policy.statements) {
    if (!statementApplies(s, req)) continue;
    if (s.effect === 'Deny') return 'explicit-deny';
    allowed = true;
  }
  return allowed ? 'allow' : 'implicit-deny';
}
