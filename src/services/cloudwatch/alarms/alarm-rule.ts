// A composite alarm's AlarmRule: ALARM(x), OK(x), INSUFFICIENT_DATA(x) over other alarms (by name
// or ARN, quoted or not), TRUE, FALSE, NOT, AND, OR and parentheses — NOT binds tightest, then
// AND, then OR. Parsed once (PutCompositeAlarm refuses what does not parse) and evaluated against
// the children's states.
import type { AlarmState } from './alarm-model.js';

export type RuleNode =
  | { kind: 'const'; value: boolean }
  | { kind: 'state'; state: AlarmState; alarm: string }
  | { kind: 'not'; of: RuleNode }
  | { kind: 'and' | 'or'; left: RuleNode; right: RuleNode };

export class RuleSyntaxError extends Error {}

const TOKEN = /\s*(\(|\)|"(?:[^"\\]|\\.)*"|[^\s()"]+)/y;

function tokenize(rule: string): string[] {
  const out: string[] = [];
  let at = 0;
  for (;;) {
    TOKEN.lastIndex = at;
    const m = TOKEN.exec(rule);
    if (!m) break;
    out.push(m[1]!);
    at = TOKEN.lastIndex;
  }
  if (rule.slice(at).trim()) throw new RuleSyntaxError(`unexpected text at ${at}`);
  return out;
}

export function parseRule(rule: string): RuleNode {
  const tokens = tokenize(rule);
  let i = 0;
  const peek = () => tokens[i];
  const take = (want?: string) => {
    const t = tokens[i++];
    if (t === undefined || (want !== undefined && t !== want)) throw new RuleSyntaxError(`expected ${want ?? 'more'} at token ${i}`);
    return t;
  };
  const or = (): RuleNode => {
    let left = and();
    while (peek() === 'OR') (take(), (left = { kind: 'or', left, right: and() }));
    return left;
  };
  const and = (): RuleNode => {
    let left = unary();
    while (peek() === 'AND') (take(), (left = { kind: 'and', left, right: unary() }));
    return left;
  };
  const unary = (): RuleNode => {
    const t = take();
    if (t === 'NOT') return { kind: 'not', of: unary() };
    if (t === 'TRUE' || t === 'FALSE') return { kind: 'const', value: t === 'TRUE' };
    if (t === '(') {
      const inner = or();
      take(')');
      return inner;
    }
    if (t === 'ALARM' || t === 'OK' || t === 'INSUFFICIENT_DATA') {
      take('(');
      const raw = take();
      take(')');
      const alarm = raw.startsWith('"') ? raw.slice(1, -1).replace(/\\(.)/g, '$1') : raw;
      return { kind: 'state', state: t, alarm };
    }
    throw new RuleSyntaxError(`unexpected ${t}`);
  };
  const root = or();
  if (i !== tokens.length) throw new RuleSyntaxError(`unexpected ${tokens[i]}`);
  return root;
}

/** The alarm names a rule refers to (ARNs reduced to names). */
export function ruleAlarms(node: RuleNode): string[] {
  switch (node.kind) {
    case 'const':
      return [];
    case 'state':
      return [alarmNameOf(node.alarm)];
    case 'not':
      return ruleAlarms(node.of);
    default:
      return [...new Set([...ruleAlarms(node.left), ...ruleAlarms(node.right)])];
  }
}

export const alarmNameOf = (ref: string): string => {
  const m = /^arn:aws[a-z-]*:cloudwatch:[^:]*:\d*:alarm:(.+)$/.exec(ref);
  return m ? m[1]! : ref;
};

export function evaluateRule(node: RuleNode, stateOf: (name: string) => AlarmState | undefined): boolean {
  switch (node.kind) {
    case 'const':
      return node.value;
    case 'state':
      return stateOf(alarmNameOf(node.alarm)) === node.state;
    case 'not':
      return !evaluateRule(node.of, stateOf);
    case 'and':
      return evaluateRule(node.left, stateOf) && evaluateRule(node.right, stateOf);
    case 'or':
      return evaluateRule(node.left, stateOf) || evaluateRule(node.right, stateOf);
  }
}
