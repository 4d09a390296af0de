// Metric math for GetMetricData (and metric math alarms): a parser and an evaluator over time
// series. Supported, with AWS's semantics:
//   arithmetic  + - * / ^ and unary minus between numbers, series (on the timestamps both have)
//               and arrays of series (element-wise)
//   aggregates  SUM AVG MIN MAX STDDEV of an array -> one series (per timestamp);
//               of one series -> a number
//   METRICS()   every MetricStat query's series (METRICS('x'): those whose label contains x)
//   FILL(s, v | REPEAT | LINEAR), RATE(s), DIFF(s), DIFF_TIME(s), PERIOD(s),
//   ABS CEIL FLOOR SQRT EXP LOG LOG10 (point-wise), FIRST(a), LAST(a), [a, b, …] arrays
// Not supported (a ValidationError names the function): SEARCH, IF, ANOMALY_DETECTION_BAND,
// INSIGHT_RULE_METRIC, SERVICE_QUOTA, LAMBDA, SLICE, SORT, TIME_SERIES, REMOVE_EMPTY, RUNNING_SUM,
// comparison and logical operators.

/** timestamps (ms) ascending, values aligned */
export interface Series {
  label: string;
  ts: number[];
  values: number[];
}
export type MathValue = number | Series | Series[];

export class MathError extends Error {}

type Node =
  | { k: 'num'; v: number }
  | { k: 'str'; v: string }
  | { k: 'id'; v: string }
  | { k: 'neg'; a: Node }
  | { k: 'bin'; op: string; a: Node; b: Node }
  | { k: 'call'; f: string; args: Node[] }
  | { k: 'list'; items: Node[] };

const MAX_LENGTH = 1024;
const MAX_DEPTH = 64;

export function parseExpression(text: string): Node {
  if (text.length > MAX_LENGTH) throw new MathError(`expression longer than ${MAX_LENGTH} characters`);
  const tokens = [...text.matchAll(/\s*(\d+(?:\.\d*)?(?:[eE][-+]?\d+)?|\.\d+|[A-Za-z_][A-Za-z0-9_]*|"[^"]*"|'[^']*'|[-+*/^(),[\]]|\S)/g)].map((m) => m[1]!);
  let i = 0;
  let depth = 0;
  const peek = () => tokens[i];
  const take = (want?: string) => {
    const t = tokens[i++];
    if (t === undefined || (want !== undefined && t !== want)) throw new MathError(t === undefined ? `unexpected end of expression${want ? `, expected ${want}` : ''}` : `unexpected '${t}'`);
    return t;
  };
  const nest = <T>(fn: () => T): T => {
    if (++depth > MAX_DEPTH) throw new MathError('expression nested too deeply');
    try {
      return fn();
    } finally {
      depth--;
    }
  };
  const expr = (): Node =>
    nest(() => {
      let a = term();
      while (peek() === '+' || peek() === '-') a = { k: 'bin', op: take(), a, b: term() };
      return a;
    });
  const term = (): Node => {
    let a = unary();
    while (peek() === '*' || peek() === '/') a = { k: 'bin', op: take(), a, b: unary() };
    return a;
  };
  const unary = (): Node => nest(() => (peek() === '-' ? (take(), { k: 'neg', a: unary() }) : peek() === '+' ? (take(), unary()) : power()));
  const power = (): Node => {
    const a = primary();
    return peek() === '^' ? (take(), { k: 'bin', op: '^', a, b: unary() }) : a;
  };
  const primary = (): Node => {
    const t = take();
    if (/^(\d|\.\d)/.test(t)) return { k: 'num', v: Number(t) };
    if (/^["']/.test(t)) return { k: 'str', v: t.slice(1, -1) };
    if (t === '(') {
      const e = expr();
      take(')');
      return e;
    }
    if (t === '[') {
      const items: Node[] = [];
      if (peek() !== ']') for (items.push(expr()); peek() === ','; take(), items.push(expr()));
      take(']');
      return { k: 'list', items };
    }
    if (/^[A-Za-z_]/.test(t)) {
      if (peek() !== '(') return { k: 'id', v: t };
      take('(');
      const args: Node[] = [];
      if (peek() !== ')') for (args.push(expr()); peek() === ','; take(), args.push(expr()));
      take(')');
      return { k: 'call', f: t.toUpperCase(), args };
    }
    throw new MathError(`unexpected '${t}'`);
  };
  const root = expr();
  if (i < tokens.length) throw new MathError(`unexpected '${tokens[i]}'`);
  return root;
}

/** The ids an expression refers to (to order evaluation and find cycles). */
export function references(node: Node): string[] {
  switch (node.k) {
    case 'id':
      return [node.v];
    case 'neg':
      return references(node.a);
    case 'bin':
      return [...references(node.a), ...references(node.b)];
    case 'call':
      // FILL(x, REPEAT | LINEAR): a keyword, not an id
      return (node.f === 'FILL' && node.args[1] && isFillMode(node.args[1]) ? node.args.slice(0, 1) : node.args).flatMap(references);
    case 'list':
      return node.items.flatMap(references);
    default:
      return [];
  }
}

const isFillMode = (n: Node): n is { k: 'id'; v: string } => n.k === 'id' && (n.v.toUpperCase() === 'REPEAT' || n.v.toUpperCase() === 'LINEAR');

export interface MathContext {
  /** an id's value (a MetricStat's series, an expression's result) */
  lookup(id: string): MathValue;
  /** every MetricStat query's series, in query order */
  metrics(): Series[];
  /** the periods' start times of the query (FILL, and numbers shown as series) */
  grid: number[];
  periodSeconds: number;
}

export function evaluate(node: Node, ctx: MathContext): MathValue {
  switch (node.k) {
    case 'num':
      return node.v;
    case 'str':
      throw new MathError(`unexpected string "${node.v}"`);
    case 'id':
      return ctx.lookup(node.v);
    case 'neg':
      return binary('*', -1, evaluate(node.a, ctx));
    case 'bin':
      return binary(node.op, evaluate(node.a, ctx), evaluate(node.b, ctx));
    case 'list':
      return node.items.flatMap((n) => {
        const v = evaluate(n, ctx);
        if (typeof v === 'number') throw new MathError('an array holds time series, not numbers');
        return Array.isArray(v) ? v : [v];
      });
    case 'call':
      return call(node.f, node.args, ctx);
  }
}

const POINTWISE: Record<string, (x: number) => number> = { ABS: Math.abs, CEIL: Math.ceil, FLOOR: Math.floor, SQRT: Math.sqrt, EXP: Math.exp, LOG: Math.log, LOG10: Math.log10 };
const AGGREGATES: Record<string, (xs: number[]) => number> = {
  SUM: (xs) => xs.reduce((s, x) => s + x, 0),
  AVG: (xs) => xs.reduce((s, x) => s + x, 0) / xs.length,
  MIN: (xs) => Math.min(...xs),
  MAX: (xs) => Math.max(...xs),
  STDDEV: (xs) => {
    const m = xs.reduce((s, x) => s + x, 0) / xs.length;
    return Math.sqrt(xs.reduce((s, x) => s + (x - m) ** 2, 0) / xs.length);
  },
};

function call(f: string, args: Node[], ctx: MathContext): MathValue {
  const arity = (n: number) => {
    if (args.length !== n) throw new MathError(`${f} takes ${n} argument${n === 1 ? '' : 's'}`);
  };
  if (f === 'METRICS') {
    if (args.length > 1) throw new MathError('METRICS takes at most 1 argument');
    const filter = args[0];
    if (filter && filter.k !== 'str') throw new MathError('METRICS takes a string');
    return ctx.metrics().filter((s) => !filter || s.label.includes(filter.v));
  }
  if (f in AGGREGATES) {
    if (args.length === 0) throw new MathError(`${f} takes at least 1 argument`);
    const vals = args.map((a) => evaluate(a, ctx));
    const agg = AGGREGATES[f]!;
    if (vals.length === 1 && !Array.isArray(vals[0])) {
      const v = vals[0]!;
      if (typeof v === 'number') return v;
      return v.values.length ? agg(v.values) : NaN;
    }
    const all = vals.flatMap((v) => (typeof v === 'number' ? [constant(v, ctx)] : Array.isArray(v) ? v : [v]));
    const byTs = new Map<number, number[]>();
    for (const s of all) s.ts.forEach((t, i) => (byTs.get(t) ?? byTs.set(t, []).get(t)!).push(s.values[i]!));
    const ts = [...byTs.keys()].sort((a, b) => a - b);
    return clean({ label: '', ts, values: ts.map((t) => agg(byTs.get(t)!)) });
  }
  if (f in POINTWISE) {
    arity(1);
    return map(evaluate(args[0]!, ctx), (s) => clean({ ...s, values: s.values.map(POINTWISE[f]!) }), POINTWISE[f]!);
  }
  if (f === 'FIRST' || f === 'LAST') {
    arity(1);
    const v = evaluate(args[0]!, ctx);
    if (!Array.isArray(v)) return v;
    if (!v.length) throw new MathError(`${f} of an empty array`);
    return f === 'FIRST' ? v[0]! : v[v.length - 1]!;
  }
  if (f === 'FILL') {
    arity(2);
    const v = evaluate(args[0]!, ctx);
    const how = args[1]!;
    const mode = isFillMode(how) ? how.v.toUpperCase() : undefined;
    const with_ = mode ? undefined : evaluate(how, ctx);
    if (with_ !== undefined && typeof with_ !== 'number') throw new MathError('FILL takes a number, REPEAT or LINEAR');
    return map(v, (s) => fill(s, ctx.grid, mode ?? (with_ as number)));
  }
  if (f === 'RATE' || f === 'DIFF' || f === 'DIFF_TIME') {
    arity(1);
    return map(evaluate(args[0]!, ctx), (s) => {
      const ts: number[] = [];
      const values: number[] = [];
      for (let i = 1; i < s.ts.length; i++) {
        const dt = (s.ts[i]! - s.ts[i - 1]!) / 1000;
        const dv = s.values[i]! - s.values[i - 1]!;
        ts.push(s.ts[i]!);
        values.push(f === 'DIFF' ? dv : f === 'DIFF_TIME' ? dt : dv / dt);
      }
      return { label: s.label, ts, values };
    });
  }
  if (f === 'PERIOD') {
    arity(1);
    return map(evaluate(args[0]!, ctx), (s) => ({ label: s.label, ts: s.ts, values: s.ts.map(() => ctx.periodSeconds) }));
  }
  throw new MathError(`unsupported function ${f}`);
}

function map(v: MathValue, fn: (s: Series) => Series, scalar?: (x: number) => number): MathValue {
  if (typeof v === 'number') {
    if (scalar) return scalar(v);
    throw new MathError('expected a time series, got a number');
  }
  return Array.isArray(v) ? v.map(fn) : fn(v);
}

function constant(v: number, ctx: MathContext): Series {
  return { label: '', ts: ctx.grid, values: ctx.grid.map(() => v) };
}

const OPS: Record<string, (a: number, b: number) => number> = { '+': (a, b) => a + b, '-': (a, b) => a - b, '*': (a, b) => a * b, '/': (a, b) => a / b, '^': (a, b) => a ** b };

function binary(op: string, a: MathValue, b: MathValue): MathValue {
  const fn = OPS[op]!;
  if (typeof a === 'number' && typeof b === 'number') return fn(a, b);
  if (Array.isArray(a)) {
    if (Array.isArray(b)) {
      if (a.length !== b.length) throw new MathError('arrays of different lengths');
      return a.map((s, i) => binary(op, s, b[i]!) as Series);
    }
    return a.map((s) => binary(op, s, b) as Series);
  }
  if (Array.isArray(b)) return b.map((s) => binary(op, a, s) as Series);
  if (typeof a === 'number') return clean({ ...(b as Series), values: (b as Series).values.map((x) => fn(a, x)) });
  if (typeof b === 'number') return clean({ ...a, values: a.values.map((x) => fn(x, b)) });
  // two series: the timestamps both have
  const other = new Map(b.ts.map((t, i) => [t, b.values[i]!]));
  const ts: number[] = [];
  const values: number[] = [];
  a.ts.forEach((t, i) => {
    const y = other.get(t);
    if (y === undefined) return;
    ts.push(t);
    values.push(fn(a.values[i]!, y));
  });
  return clean({ label: a.label, ts, values });
}

/** drops points that are not finite numbers (x/0, log of a negative) */
function clean(s: Series): Series {
  if (s.values.every(Number.isFinite)) return s;
  const ts: number[] = [];
  const values: number[] = [];
  s.values.forEach((v, i) => {
    if (Number.isFinite(v)) {
      ts.push(s.ts[i]!);
      values.push(v);
    }
  });
  return { label: s.label, ts, values };
}

function fill(s: Series, grid: number[], how: number | string): Series {
  const have = new Map(s.ts.map((t, i) => [t, s.values[i]!]));
  const values: number[] = [];
  const ts: number[] = [];
  grid.forEach((t) => {
    const v = have.get(t);
    if (v !== undefined) {
      ts.push(t);
      values.push(v);
      return;
    }
    if (typeof how === 'number') {
      ts.push(t);
      values.push(how);
      return;
    }
    const before = [...s.ts.keys()].reverse().find((j) => s.ts[j]! < t);
    const after = s.ts.findIndex((x) => x > t);
    if (how === 'REPEAT') {
      if (before === undefined) return;
      ts.push(t);
      values.push(s.values[before]!);
    } else if (before !== undefined && after >= 0) {
      const t0 = s.ts[before]!;
      const t1 = s.ts[after]!;
      ts.push(t);
      values.push(s.values[before]! + ((s.values[after]! - s.values[before]!) * (t - t0)) / (t1 - t0));
    }
  });
  return { label: s.label, ts, values };
}
