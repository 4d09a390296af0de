// parsePolicy: a policy document's text → a typed Policy, or a PolicyDocumentError carrying IAM's
// MalformedPolicyDocument message. Checks run in IAM's order (the first failure is the answer):
//   1. JSON and shape: top-level Version/Id/Statement only, known statement elements, value types,
//      Action+NotAction / Resource+NotResource / Principal+NotPrincipal never together, an Effect
//      of allow/deny in any case                                     → "Syntax errors in policy."
//   2. managed policies need Version 2012-10-17                       → "…must be version 2012-10-17 or greater."
//   3. legacy parsing: Effect spelled exactly, Date values parse,
//      ARN-ish resources have their colons                            → "The policy failed legacy parsing"
//   4. Sid unique, then (IAM policies) alphanumeric
//   5. Principal: refused in identity/boundary/session policies, required in resource/trust ones
//   6. actions present; resources present (prohibited in trust policies)
//   7. resource format, action vendors, condition operators and keys, principal values, trust actions
import { isDateCategory, parseOperatorName } from './condition-operators.js';
import { parseDateValue } from './date-values.js';
import { JsonNumber, JsonObject, JsonSyntaxError, parseJsonWithPositions, type JsonValue } from './json-with-positions.js';
import { PolicyDocumentError, PolicyMessages as M } from './policy-document-error.js';
import type { ConditionEntry, Effect, Policy, PolicyKind, PolicyVersion, PrincipalBlock, Statement } from './types.js';

export interface ParsePolicyOptions {
  kind: PolicyKind;
  /** a managed policy (CreatePolicy, CreatePolicyVersion): Version must be 2012-10-17 */
  managed?: boolean;
}

const TOP = new Set(['Version', 'Id', 'Statement']);
const STATEMENT = new Set(['Sid', 'Effect', 'Action', 'NotAction', 'Resource', 'NotResource', 'Principal', 'NotPrincipal', 'Condition']);
const VERSIONS = new Set(['2012-10-17', '2008-10-17']);
const PRINCIPAL_TYPES = new Set(['AWS', 'Service', 'Federated', 'CanonicalUser']);
const PARTITIONS = new Set(['*', 'aws', 'aws-cn', 'aws-us-gov', 'aws-iso', 'aws-iso-b', 'aws-iso-e', 'aws-iso-f', 'aws-eusc']);
const TRUST_ACTIONS = [
  'sts:assumerole', 'sts:assumerolewithsaml', 'sts:assumerolewithwebidentity', 'sts:tagsession',
  'sts:setsourceidentity', 'sts:setcontext',
];

class Syntax extends Error {}

function syntax(ok: unknown): asserts ok {
  if (!ok) throw new Syntax();
}

function stringList(v: JsonValue | undefined): string[] | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return [v];
  syntax(Array.isArray(v) && v.every((x) => typeof x === 'string'));
  return v as string[];
}

function conditionValues(v: JsonValue): string[] {
  const scalar = (x: JsonValue): string => {
    if (typeof x === 'string') return x;
    if (typeof x === 'boolean') return String(x);
    syntax(x instanceof JsonNumber);
    return x.raw;
  };
  return Array.isArray(v) ? v.map(scalar) : [scalar(v)];
}

/** "*", or a map of principal type to values (content is checked later: Invalid principal…). */
function principalBlock(v: JsonValue | undefined): PrincipalBlock | undefined {
  if (v === undefined) return undefined;
  if (typeof v === 'string') return v === '*' ? '*' : { '': [v] };
  syntax(v instanceof JsonObject);
  const out: Record<string, string[]> = {};
  for (const [type, values] of v.fields) out[type] = stringList(values)!;
  return out;
}

function readStatement(v: JsonValue): Statement {
  syntax(v instanceof JsonObject);
  const f = v.fields;
  for (const k of f.keys()) syntax(STATEMENT.has(k));
  syntax(!(f.has('Action') && f.has('NotAction')));
  syntax(!(f.has('Resource') && f.has('NotResource')));
  syntax(!(f.has('Principal') && f.has('NotPrincipal')));
  const effect = f.get('Effect');
  syntax(typeof effect === 'string' && ['allow', 'deny'].includes(effect.toLowerCase()));
  const sid = f.get('Sid');
  syntax(sid === undefined || typeof sid === 'string');
  const condition: ConditionEntry[] = [];
  const cond = f.get('Condition');
  if (cond !== undefined) {
    syntax(cond instanceof JsonObject);
    for (const [operator, block] of cond.fields) {
      syntax(block instanceof JsonObject);
      for (const [key, values] of block.fields) condition.push({ operator, key, values: conditionValues(values) });
    }
  }
  const st: Statement = { effect: effect as Effect, condition, start: v.start, end: v.end };
  if (sid !== undefined) st.sid = sid as string;
  const lists = { action: 'Action', notAction: 'NotAction', resource: 'Resource', notResource: 'NotResource' } as const;
  for (const [prop, name] of Object.entries(lists) as [keyof typeof lists, string][]) {
    const list = stringList(f.get(name));
    if (list) st[prop] = list;
  }
  const principal = principalBlock(f.get('Principal'));
  const notPrincipal = principalBlock(f.get('NotPrincipal'));
  if (principal) st.principal = principal;
  if (notPrincipal) st.notPrincipal = notPrincipal;
  return st;
}

function readDocument(text: string): { policy: Policy; raw: JsonObject } {
  let doc: JsonValue;
  try {
    doc = parseJsonWithPositions(text);
  } catch (e) {
    if (e instanceof JsonSyntaxError) throw new Syntax();
    throw e;
  }
  syntax(doc instanceof JsonObject);
  for (const k of doc.fields.keys()) syntax(TOP.has(k));
  const version = doc.fields.get('Version');
  syntax(version === undefined || (typeof version === 'string' && VERSIONS.has(version)));
  const id = doc.fields.get('Id');
  syntax(id === undefined || typeof id === 'string');
  const raw = doc.fields.get('Statement');
  const list = raw instanceof JsonObject ? [raw] : raw;
  syntax(Array.isArray(list) && list.length > 0);
  const policy: Policy = {
    version: (version as PolicyVersion | undefined) ?? '2008-10-17',
    versionGiven: version !== undefined,
    statements: list.map(readStatement),
  };
  if (id !== undefined) policy.id = id as string;
  return { policy, raw: doc };
}

/** The statement objects as parsed (for the Principal blocks, which readStatement leaves raw). */
function statementObjects(raw: JsonObject): JsonObject[] {
  const s = raw.fields.get('Statement');
  return (s instanceof JsonObject ? [s] : s) as JsonObject[];
}

/** IAM's resource format check: the message for the first malformed resource, if any. */
function resourceFormatError(resource: string): string | undefined {
  if (resource === '*') return undefined;
  const parts = resource.split(':');
  if (parts.length < 2) return M.resourceNotArn(resource);
  if (!PARTITIONS.has(parts[1])) {
    const rest = parts.slice(2);
    const at = (k: number) => (rest.length > k && (k > 0 || rest[0] !== '' || rest.length > 1) ? rest[k] : '*');
    const last = rest.length > 3 ? rest.slice(3).join(':') : '*';
    return `Partition "${parts[1]}" is not valid for resource "arn:${parts[1]}:${at(0)}:${at(1)}:${at(2)}:${last}".`;
  }
  if (parts.length < 3) return M.resourceVendor;
  return undefined;
}

function legacyResourceOk(resource: string): boolean {
  if (resource === '*') return true;
  const colons = resource.split(':').length - 1;
  if (colons < 5 && resource.includes('::')) return false;
  return resource.split(':')[2] !== '';
}

function checkActionPrefix(action: string): void {
  const parts = action.split(':');
  if (parts.length === 1 && parts[0] !== '*') throw new PolicyDocumentError(M.vendorMissing);
  if (parts.length > 2) throw new PolicyDocumentError(M.oneColon);
  if (parts[0] !== '*' && /[^a-zA-Z0-9\-.]/.test(parts[0])) throw new PolicyDocumentError(M.vendorInvalid(parts[0]));
}

const PRINCIPAL_ARN = /^arn:[\w-]+:(iam::\d{12}:(root|(user|role|federated-user|saml-provider|oidc-provider)\/[^*?]+)|sts::\d{12}:(assumed-role|federated-user)\/[^*?]+)$/;
const UNIQUE_ID = /^A[A-Z0-9]{15,127}$/;

function principalValueOk(type: string, value: string): boolean {
  if (value === '*') return true;
  if (value === '' || value.includes('*') || value.includes('?')) return false;
  switch (type) {
    case 'AWS':
      return /^\d{12}$/.test(value) || PRINCIPAL_ARN.test(value) || UNIQUE_ID.test(value);
    case 'CanonicalUser':
      return /^[0-9a-f]{64}$/.test(value);
    default:
      return true;
  }
}

function checkPrincipal(raw: JsonValue | undefined): void {
  if (raw === undefined) return;
  if (typeof raw === 'string') {
    if (raw !== '*') throw new PolicyDocumentError(M.invalidPrincipal);
    return;
  }
  for (const [type, values] of (raw as JsonObject).fields) {
    if (!PRINCIPAL_TYPES.has(type)) throw new PolicyDocumentError(M.invalidPrincipal);
    for (const v of stringList(values)!) if (!principalValueOk(type, v)) throw new PolicyDocumentError(M.invalidPrincipal);
  }
}

function validate(policy: Policy, raw: JsonObject, opts: ParsePolicyOptions): void {
  const { kind } = opts;
  const statements = policy.statements;
  if (opts.managed && policy.version !== '2012-10-17') throw new PolicyDocumentError(M.versionTooOld);

  // legacy parsing; a resource with a format error skips it and reports that error later
  let resourceError: string | undefined;
  for (const st of statements) {
    if (st.effect !== 'Allow' && st.effect !== 'Deny') throw new PolicyDocumentError(M.legacyParsing);
    for (const c of st.condition) {
      if (isDateCategory(c.operator) && c.values.some((v) => Number.isNaN(parseDateValue(v)))) {
        throw new PolicyDocumentError(M.legacyParsing);
      }
    }
  }
  for (const st of statements) {
    for (const list of [st.resource, st.notResource]) {
      if (!list) continue;
      let formatOk = true;
      for (const r of [...list].sort().reverse()) {
        const err = resourceFormatError(r);
        if (err) {
          resourceError ??= err;
          formatOk = false;
        }
      }
      if (formatOk && !resourceError && !list.every(legacyResourceOk)) throw new PolicyDocumentError(M.legacyParsing);
    }
  }

  const sids = new Set<string>();
  for (const st of statements) {
    if (!st.sid) continue;
    if (sids.has(st.sid)) throw new PolicyDocumentError(M.sidNotUnique);
    sids.add(st.sid);
  }
  if (kind !== 'resource' && statements.some((st) => st.sid && !/^[0-9A-Za-z]*$/.test(st.sid))) {
    throw new PolicyDocumentError(M.sidNotAlphanumeric);
  }

  const objects = statementObjects(raw);
  const wantsPrincipal = kind === 'resource' || kind === 'trust';
  for (const o of objects) {
    const has = o.fields.has('Principal') || o.fields.has('NotPrincipal');
    if (!wantsPrincipal && has) throw new PolicyDocumentError(M.principalNotAllowed);
    if (wantsPrincipal && !has) throw new PolicyDocumentError(M.principalMissing);
  }

  for (const st of statements) {
    const actions = st.action ?? st.notAction;
    if (!actions || actions.length === 0) throw new PolicyDocumentError(M.actionsMissing);
  }
  for (const st of statements) {
    const resources = st.resource ?? st.notResource;
    if (kind === 'trust') {
      if (resources) throw new PolicyDocumentError(M.resourceProhibited);
    } else if (!resources || resources.length === 0) {
      throw new PolicyDocumentError(M.resourcesMissing);
    }
  }
  if (resourceError) throw new PolicyDocumentError(resourceError);

  for (const st of statements) for (const a of st.action ?? []) checkActionPrefix(a);
  for (const st of statements) for (const a of st.notAction ?? []) checkActionPrefix(a);
  for (const st of statements) {
    for (const c of st.condition) {
      if (!parseOperatorName(c.operator)) throw new PolicyDocumentError(M.conditionType(c.operator));
      if (!c.key.includes(':')) throw new PolicyDocumentError(M.vendorMissing);
    }
  }
  for (const o of objects) {
    checkPrincipal(o.fields.get('Principal'));
    checkPrincipal(o.fields.get('NotPrincipal'));
  }
  if (kind === 'trust') {
    for (const st of statements) {
      for (const a of st.action ?? st.notAction ?? []) {
        if (!TRUST_ACTIONS.includes(a.toLowerCase())) throw new PolicyDocumentError(M.trustActions);
      }
    }
  }
}

/** Parses and validates a policy document as IAM would for the given kind of policy. */
export function parsePolicy(text: string, opts: ParsePolicyOptions): Policy {
  let doc: { policy: Policy; raw: JsonObject };
  try {
    doc = readDocument(text);
  } catch (e) {
    if (e instanceof Syntax) throw new PolicyDocumentError(M.syntax);
    throw e;
  }
  validate(doc.policy, doc.raw, opts);
  return doc.policy;
}
