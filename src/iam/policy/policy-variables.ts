// Policy variables (Version 2012-10-17 only; older documents keep `${…}` as literal text):
//   ${aws:username}             the request context's value for the key (names case-insensitive)
//   ${aws:username, 'nobody'}   … or the default when the key has no value; '' in it is one quote
//   ${*} ${?} ${$}              a literal *, ? or $ (never a wildcard)
// A key with no value and no default — or a multivalued key, which can't be a variable — makes the
// value unusable: the caller treats that resource or condition value as not matching (AWS: "any
// attempt to match it fails"). Substitution is one pass: a default's text is never re-read.
import { compileGlob, globCodes, matchGlobCodes, QMARK, STAR, type GlobPiece } from './glob.js';

export interface VariableRef {
  /** lower-cased context key */
  key: string;
  /** as written, for reporting a missing key */
  name: string;
  defaultValue?: string;
}

export type TemplatePiece = GlobPiece | VariableRef;

/** Where a variable's value comes from (the request context); undefined when it has none. */
export type VariableLookup = (keyLower: string, name: string) => string | string[] | undefined;

const VARIABLE = /^\s*([^\s,'}]+)\s*(?:,\s*'((?:[^']|'')*)'\s*)?$/;

/**
 * Splits a policy string into literal text, wildcards (when `wildcards`) and variable references
 * (when `variables`, i.e. Version 2012-10-17). Adjacent literals are merged.
 */
export function parseTemplate(text: string, opts: { variables: boolean; wildcards: boolean }): TemplatePiece[] {
  const out: TemplatePiece[] = [];
  const lit = (s: string) => {
    if (s === '') return;
    const last = out[out.length - 1];
    if (typeof last === 'string') out[out.length - 1] = last + s;
    else out.push(s);
  };
  let i = 0;
  while (i < text.length) {
    const c = text[i];
    if (opts.wildcards && (c === '*' || c === '?')) {
      out.push(c === '*' ? STAR : QMARK);
      i++;
      continue;
    }
    if (opts.variables && c === '$' && text[i + 1] === '{') {
      const close = findClose(text, i + 2);
      if (close !== -1) {
        const inner = text.slice(i + 2, close);
        if (inner === '*' || inner === '?' || inner === '$') {
          lit(inner);
          i = close + 1;
          continue;
        }
        const m = VARIABLE.exec(inner);
        if (m) {
          const ref: VariableRef = { key: m[1].toLowerCase(), name: m[1] };
          if (m[2] !== undefined) ref.defaultValue = m[2].replace(/''/g, "'");
          out.push(ref);
          i = close + 1;
          continue;
        }
      }
    }
    let j = i + 1;
    while (j < text.length && !(opts.wildcards && (text[j] === '*' || text[j] === '?')) && !(opts.variables && text[j] === '$')) j++;
    lit(text.slice(i, j));
    i = j;
  }
  return out;
}

/** The closing brace of a `${`, skipping quoted default text (which may hold `}`). */
function findClose(text: string, from: number): number {
  let quoted = false;
  for (let i = from; i < text.length; i++) {
    const c = text[i];
    if (c === "'") quoted = !quoted;
    else if (c === '}' && !quoted) return i;
  }
  return -1;
}

export function hasVariables(pieces: readonly TemplatePiece[]): boolean {
  return pieces.some((p) => typeof p === 'object');
}

/**
 * Substitutes every variable; undefined when one has no (single) value and no default. `onMissing`
 * hears the keys that had none (for SimulatePrincipalPolicy's missing context values).
 */
export function resolveTemplate(
  pieces: readonly TemplatePiece[],
  lookup: VariableLookup,
  onMissing?: (name: string) => void,
): GlobPiece[] | undefined {
  const out: GlobPiece[] = [];
  for (const p of pieces) {
    if (typeof p !== 'object') {
      out.push(p);
      continue;
    }
    const v = lookup(p.key, p.name);
    if (typeof v === 'string') out.push(v);
    else if (p.defaultValue !== undefined) out.push(p.defaultValue);
    else {
      onMissing?.(p.name);
      return undefined;
    }
  }
  return out;
}

/** The pieces as one string, wildcards written as `*` and `?` (for templates parsed without wildcards). */
export function piecesText(pieces: readonly GlobPiece[]): string {
  let s = '';
  for (const p of pieces) s += p === STAR ? '*' : p === QMARK ? '?' : p;
  return s;
}

/** Matches a string against a template; undefined when a variable in it had no value. */
export type TemplateTest = (s: string, lookup: VariableLookup) => boolean | undefined;

/**
 * A matcher for a template: a static one is a compiled glob; one with variables substitutes them
 * per request and compares directly when no wildcard remains, else runs the glob loop.
 */
export function compileTemplateMatcher(pieces: readonly TemplatePiece[]): TemplateTest {
  if (!hasVariables(pieces)) {
    const t = compileGlob(pieces as GlobPiece[]);
    return (s) => t(s);
  }
  const wild = pieces.some((p) => p === STAR || p === QMARK);
  return (s, lookup) => {
    const r = resolveTemplate(pieces, lookup);
    if (!r) return undefined;
    return wild ? matchGlobCodes(globCodes(r), s) : s === (r as string[]).join('');
  };
}
