// Wildcard matching for actions, resources and StringLike/ArnLike values: `*` is any run of
// characters (possibly empty), `?` exactly one. A pattern is compiled once into a character-code
// array (STAR and QMARK as negative codes) and matched by the classic backtracking-on-last-star
// loop — no RegExp is built, at compile time or per request.

export const STAR = -1;
export const QMARK = -2;

export type GlobCodes = readonly number[];

/** A glob as a list of pieces: literal text (wildcard characters in it are literal) or a wildcard. */
export type GlobPiece = string | typeof STAR | typeof QMARK;

export function globCodes(pieces: readonly GlobPiece[], ignoreCase = false): number[] {
  const codes: number[] = [];
  for (const p of pieces) {
    if (typeof p === 'number') {
      if (p === STAR && codes[codes.length - 1] === STAR) continue;
      codes.push(p);
      continue;
    }
    const s = ignoreCase ? p.toLowerCase() : p;
    for (let i = 0; i < s.length; i++) codes.push(s.charCodeAt(i));
  }
  return codes;
}

/** Splits a plain pattern (no policy variables) into pieces: every `*` and `?` is a wildcard. */
export function globPieces(pattern: string): GlobPiece[] {
  const out: GlobPiece[] = [];
  let from = 0;
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c !== '*' && c !== '?') continue;
    if (i > from) out.push(pattern.slice(from, i));
    out.push(c === '*' ? STAR : QMARK);
    from = i + 1;
  }
  if (from < pattern.length) out.push(pattern.slice(from));
  return out;
}

/** Whether `s` matches the compiled pattern; `s` must already be lower-cased for an ignore-case pattern. */
export function matchGlobCodes(pat: GlobCodes, s: string): boolean {
  const m = pat.length;
  const n = s.length;
  let p = 0;
  let i = 0;
  let starP = -1;
  let starI = 0;
  while (i < n) {
    const c = p < m ? pat[p] : 0;
    if (p < m && (c === QMARK || c === s.charCodeAt(i))) {
      p++;
      i++;
    } else if (c === STAR && p < m) {
      starP = p++;
      starI = i;
    } else if (starP >= 0) {
      p = starP + 1;
      i = ++starI;
    } else {
      return false;
    }
  }
  while (p < m && pat[p] === STAR) p++;
  return p === m;
}

export type StringTest = (s: string) => boolean;

/**
 * A matcher for a static pattern, with fast paths for the common shapes: `*`, no wildcard at all,
 * and `prefix*`. With ignoreCase the caller lower-cases the input (once per request, not per pattern).
 */
export function compileGlob(pieces: readonly GlobPiece[], ignoreCase = false): StringTest {
  const codes = globCodes(pieces, ignoreCase);
  if (codes.length === 1 && codes[0] === STAR) return () => true;
  const wild = codes.findIndex((c) => c < 0);
  const literal = (to: number) => String.fromCharCode(...codes.slice(0, to));
  if (wild === -1) {
    const exact = literal(codes.length);
    return (s) => s === exact;
  }
  if (wild === codes.length - 1 && codes[wild] === STAR) {
    const prefix = literal(wild);
    return (s) => s.startsWith(prefix);
  }
  return (s) => matchGlobCodes(codes, s);
}
