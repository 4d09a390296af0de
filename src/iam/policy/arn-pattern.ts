// ARN patterns, as the Resource element and the Arn* condition operators match them: the six
// colon-separated parts (arn, partition, service, region, account, resource — the resource part
// keeps any further colons) are matched one by one, case-sensitively, and a wildcard does not
// cross a colon. A pattern with fewer parts whose last part ends in `*` lets that last part run
// over the rest of the ARN (so `*` and `arn:aws:ec2:*` match everything they look like they do).
import { compileGlob, globCodes, matchGlobCodes, STAR, type GlobPiece, type StringTest } from './glob.js';
import { hasVariables, resolveTemplate, type TemplatePiece, type VariableLookup } from './policy-variables.js';

/** An ARN's six parts, or the whole string as one part when it is not an ARN (e.g. `*`). */
export function splitArn(arn: string): string[] {
  const parts: string[] = [];
  let from = 0;
  for (let k = 0; k < 5; k++) {
    const c = arn.indexOf(':', from);
    if (c === -1) return [arn];
    parts.push(arn.slice(from, c));
    from = c + 1;
  }
  parts.push(arn.slice(from));
  return parts;
}

/** Splits pieces at the first five literal colons (a colon inside a variable's name is not one). */
function splitPieces(pieces: readonly GlobPiece[] | readonly TemplatePiece[]): TemplatePiece[][] {
  const segs: TemplatePiece[][] = [[]];
  for (const p of pieces) {
    if (typeof p !== 'string' || segs.length === 6) {
      segs[segs.length - 1].push(p);
      continue;
    }
    let rest = p;
    let c: number;
    while (segs.length < 6 && (c = rest.indexOf(':')) !== -1) {
      if (c > 0) segs[segs.length - 1].push(rest.slice(0, c));
      segs.push([]);
      rest = rest.slice(c + 1);
    }
    if (rest !== '') segs[segs.length - 1].push(rest);
  }
  return segs;
}

/** true/false, or undefined when a policy variable in the pattern had no value. */
export type ArnTest = (arnParts: readonly string[], lookup: VariableLookup, onMissing?: (name: string) => void) => boolean | undefined;

function matchStatic(tests: readonly StringTest[], spill: boolean, arnParts: readonly string[]): boolean {
  const n = tests.length;
  if (!spill) {
    if (arnParts.length !== n) return false;
    for (let k = 0; k < n; k++) if (!tests[k](arnParts[k])) return false;
    return true;
  }
  if (arnParts.length < n) return false;
  for (let k = 0; k < n - 1; k++) if (!tests[k](arnParts[k])) return false;
  return tests[n - 1](n === arnParts.length ? arnParts[n - 1] : arnParts.slice(n - 1).join(':'));
}

function endsInStar(seg: readonly TemplatePiece[]): boolean {
  return seg[seg.length - 1] === STAR;
}

export function compileArnPattern(pieces: readonly TemplatePiece[]): ArnTest {
  if (!hasVariables(pieces)) {
    const segs = splitPieces(pieces) as GlobPiece[][];
    const spill = segs.length < 6 && endsInStar(segs[segs.length - 1]);
    const tests = segs.map((s) => compileGlob(s));
    return (parts) => matchStatic(tests, spill, parts);
  }
  return (parts, lookup, onMissing) => {
    const resolved = resolveTemplate(pieces, lookup, onMissing);
    if (!resolved) return undefined;
    const segs = splitPieces(resolved) as GlobPiece[][];
    const spill = segs.length < 6 && endsInStar(segs[segs.length - 1]);
    const tests = segs.map((s) => {
      const codes = globCodes(s);
      return (x: string) => matchGlobCodes(codes, x);
    });
    return matchStatic(tests, spill, parts);
  };
}
