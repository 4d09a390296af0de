// Every condition operator, compiled once per policy. Semantics (IAM's "Condition operators" and
// "multivalued context keys" pages):
// - several values for one key: OR for a positive operator; a negated one (StringNotEquals, …)
//   holds when the context value matches none of them (NOR);
// - a key missing from the context: false, but true for a negated operator; `…IfExists`: true;
//   ForAllValues: true (an empty set satisfies "all"); ForAnyValue: false;
// - ForAllValues:Op — every context value passes Op; ForAnyValue:Op — at least one does (Op
//   negated or not, per context value). Without a set operator a multivalued context value is
//   taken as "any value matches" (negated: none does);
// - Null: "true" means the key is absent, "false" that it is present (no IfExists, no variables);
// - policy variables only in String, Arn and Bool values (Version 2012-10-17).
import { parseDateValue } from './date-values.js';
import { compileGlob, globCodes, matchGlobCodes, type GlobPiece, type StringTest } from './glob.js';
import { cidrContains, parseCidr, parseIp, type Cidr } from './ip-cidr.js';
import { compileArnPattern, splitArn, type ArnTest } from './arn-pattern.js';
import { hasVariables, parseTemplate, piecesText, resolveTemplate, type TemplatePiece } from './policy-variables.js';
import type { RequestContext } from './request-context.js';
import type { ConditionEntry } from './types.js';

type Category = 'string' | 'numeric' | 'date' | 'bool' | 'binary' | 'ip' | 'arn' | 'null';
type Comparison = 'eq' | 'lt' | 'lte' | 'gt' | 'gte';

interface OperatorSpec {
  category: Category;
  negated: boolean;
  ignoreCase?: boolean;
  like?: boolean;
  cmp?: Comparison;
}

const BASE: Record<string, OperatorSpec> = {
  StringEquals: { category: 'string', negated: false },
  StringNotEquals: { category: 'string', negated: true },
  StringEqualsIgnoreCase: { category: 'string', negated: false, ignoreCase: true },
  StringNotEqualsIgnoreCase: { category: 'string', negated: true, ignoreCase: true },
  StringLike: { category: 'string', negated: false, like: true },
  StringNotLike: { category: 'string', negated: true, like: true },
  Bool: { category: 'bool', negated: false },
  BinaryEquals: { category: 'binary', negated: false },
  IpAddress: { category: 'ip', negated: false },
  NotIpAddress: { category: 'ip', negated: true },
  ArnEquals: { category: 'arn', negated: false },
  ArnLike: { category: 'arn', negated: false },
  ArnNotEquals: { category: 'arn', negated: true },
  ArnNotLike: { category: 'arn', negated: true },
  Null: { category: 'null', negated: false },
};
for (const [family, category] of [['Numeric', 'numeric'], ['Date', 'date']] as const) {
  BASE[`${family}Equals`] = { category, negated: false, cmp: 'eq' };
  BASE[`${family}NotEquals`] = { category, negated: true, cmp: 'eq' };
  BASE[`${family}LessThan`] = { category, negated: false, cmp: 'lt' };
  BASE[`${family}LessThanEquals`] = { category, negated: false, cmp: 'lte' };
  BASE[`${family}GreaterThan`] = { category, negated: false, cmp: 'gt' };
  BASE[`${family}GreaterThanEquals`] = { category, negated: false, cmp: 'gte' };
}

/** Every base operator name (without set prefix or IfExists). */
export const CONDITION_OPERATORS: readonly string[] = Object.keys(BASE);

export interface ParsedOperator {
  base: string;
  spec: OperatorSpec;
  set?: 'ForAllValues' | 'ForAnyValue';
  ifExists: boolean;
}

/** `ForAnyValue:StringLikeIfExists` → its parts; undefined for an operator IAM does not know. */
export function parseOperatorName(name: string): ParsedOperator | undefined {
  let rest = name;
  let set: ParsedOperator['set'];
  for (const prefix of ['ForAllValues', 'ForAnyValue'] as const) {
    if (rest.startsWith(`${prefix}:`)) {
      set = prefix;
      rest = rest.slice(prefix.length + 1);
    }
  }
  const ifExists = rest.endsWith('IfExists');
  if (ifExists) rest = rest.slice(0, -'IfExists'.length);
  const spec = BASE[rest];
  if (!spec || (ifExists && rest === 'Null')) return undefined;
  return { base: rest, spec, set, ifExists };
}

export function isDateCategory(operator: string): boolean {
  return parseOperatorName(operator)?.spec.category === 'date';
}

/** Does one context value match one of the policy values? undefined: a policy variable had no value. */
type AnyValueTest = (value: string, ctx: RequestContext) => boolean | undefined;

export interface CompiledCondition {
  operator: string;
  key: string;
  keyLower: string;
  op: ParsedOperator;
  nullExpect?: boolean[];
  test: AnyValueTest;
}

function compare(cmp: Comparison, a: number, b: number): boolean {
  switch (cmp) {
    case 'eq': return a === b;
    case 'lt': return a < b;
    case 'lte': return a <= b;
    case 'gt': return a > b;
    case 'gte': return a >= b;
  }
}

function normBase64(s: string): string {
  return Buffer.from(s, 'base64').toString('base64');
}

/** A test over templates (values with variables), any of which may match. */
function templated(
  templates: TemplatePiece[][],
  staticTest: (value: string) => boolean,
  dynamicTest: (value: string, resolved: string) => boolean,
  dynamicGlob?: (value: string, codes: number[]) => boolean,
): AnyValueTest {
  const dynamic = templates.filter(hasVariables);
  if (dynamic.length === 0) return (v) => staticTest(v);
  return (v, ctx) => {
    if (staticTest(v)) return true;
    let unresolved = false;
    for (const t of dynamic) {
      const r = resolveTemplate(t, ctx.lookup);
      if (!r) {
        unresolved = true;
        continue;
      }
      if (dynamicGlob ? dynamicGlob(v, globCodes(r)) : dynamicTest(v, piecesText(r))) return true;
    }
    return unresolved ? undefined : false;
  };
}

function compileTest(spec: OperatorSpec, values: string[], variables: boolean): AnyValueTest {
  switch (spec.category) {
    case 'string': {
      const fold = spec.ignoreCase ? (s: string) => s.toLowerCase() : (s: string) => s;
      if (spec.like) {
        const templates = values.map((v) => parseTemplate(v, { variables, wildcards: true }));
        const tests: StringTest[] = templates.filter((t) => !hasVariables(t)).map((t) => compileGlob(t as GlobPiece[]));
        return templated(templates, (v) => tests.some((t) => t(v)), () => false, (v, codes) => matchGlobCodes(codes, v));
      }
      const templates = values.map((v) => parseTemplate(v, { variables, wildcards: false }));
      const set = new Set(templates.filter((t) => !hasVariables(t)).map((t) => fold(piecesText(t as GlobPiece[]))));
      return templated(templates, (v) => set.has(fold(v)), (v, r) => fold(v) === fold(r));
    }
    case 'bool': {
      const templates = values.map((v) => parseTemplate(v, { variables, wildcards: false }));
      const set = new Set(templates.filter((t) => !hasVariables(t)).map((t) => piecesText(t as GlobPiece[]).toLowerCase()));
      return templated(templates, (v) => set.has(v.toLowerCase()), (v, r) => v.toLowerCase() === r.toLowerCase());
    }
    case 'arn': {
      const tests: ArnTest[] = values.map((v) => compileArnPattern(parseTemplate(v, { variables, wildcards: true })));
      return (v, ctx) => {
        const parts = splitArn(v);
        let unresolved = false;
        for (const t of tests) {
          const r = t(parts, ctx.lookup);
          if (r) return true;
          if (r === undefined) unresolved = true;
        }
        return unresolved ? undefined : false;
      };
    }
    case 'numeric': {
      const nums = values.map(Number);
      const cmp = spec.cmp!;
      return (v) => {
        const n = v.trim() === '' ? NaN : Number(v);
        return nums.some((p) => compare(cmp, n, p));
      };
    }
    case 'date': {
      const dates = values.map(parseDateValue);
      const cmp = spec.cmp!;
      return (v) => {
        const d = parseDateValue(v);
        return dates.some((p) => compare(cmp, d, p));
      };
    }
    case 'binary': {
      const set = new Set(values.map(normBase64));
      return (v) => set.has(normBase64(v));
    }
    case 'ip': {
      const cidrs = values.map(parseCidr).filter((c): c is Cidr => c !== undefined);
      return (v) => {
        const ip = parseIp(v);
        return ip !== undefined && cidrs.some((c) => cidrContains(c, ip));
      };
    }
    case 'null':
      return () => false;
  }
}

export function compileCondition(entry: ConditionEntry, variables: boolean): CompiledCondition {
  const op = parseOperatorName(entry.operator);
  if (!op) throw new Error(`unknown condition operator ${entry.operator}`);
  const c: CompiledCondition = {
    operator: entry.operator,
    key: entry.key,
    keyLower: entry.key.toLowerCase(),
    op,
    test: compileTest(op.spec, entry.values, variables),
  };
  if (op.spec.category === 'null') c.nullExpect = entry.values.map((v) => v.toLowerCase() === 'true');
  return c;
}

/** Whether one condition (one operator, one key, its values) holds for the request. */
export function evaluateCondition(c: CompiledCondition, ctx: RequestContext): boolean {
  const raw = ctx.get(c.keyLower, c.key);
  if (c.nullExpect) {
    const absent = raw === undefined;
    return c.nullExpect.some((e) => e === absent);
  }
  const { op } = c;
  if (raw === undefined) {
    if (op.set === 'ForAllValues') return true;
    if (op.set === 'ForAnyValue') return false;
    return op.ifExists || op.spec.negated;
  }
  const values = typeof raw === 'string' ? [raw] : raw;
  const negated = op.spec.negated;
  if (op.set) {
    const all = op.set === 'ForAllValues';
    for (const v of values) {
      const m = c.test(v, ctx);
      if (m === undefined) return false;
      const pass = negated ? !m : m;
      if (all && !pass) return false;
      if (!all && pass) return true;
    }
    return all;
  }
  for (const v of values) {
    const m = c.test(v, ctx);
    if (m === undefined) return false;
    if (m) return !negated;
  }
  return negated;
}
