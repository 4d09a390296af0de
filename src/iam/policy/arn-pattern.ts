// ARN patterns, as the Resource element and the Arn* condition operators match them: the six
// colon-separated parts (arn, partition, service, region, account, resource — the resource part
// keeps any further colons) are matched one by one, case-sensitively, and a wildcard does not
// cross a colon. A pattern with fewer parts whose last part ends in `*` lets that last part run
// over the rest of the ARN (so `*` and `arn:aws:ec2:*` match everything they look like they do).
import { STAR, type GlobPiece } from './glob.js';
import { compileTemplateMatcher, hasVariables, type TemplatePiece, type TemplateTest, type VariableLookup } from './policy-variables.js';

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
export type ArnTest = (arnParts: readonly string[], lookup: VariableLookup) => boolean | undefined;

/**
 * Compiles each part on its own, so a variable (allowed in the resource part) costs only its part
 * per request, and the static parts are checked first. A variable's value is substituted within
 * its part: a colon in it does not start another part.
 */
export function compileArnPattern(pieces: readonly TemplatePiece[]): ArnTest {
  const segs = splitPieces(pieces);
  const n = segs.length;
  const spill = n < 6 && segs[n - 1][segs[n - 1].length - 1] === STAR;
  const tests: TemplateTest[] = segs.map(compileTemplateMatcher);
  const order = segs.map((_, k) => k).sort((a, b) => Number(hasVariables(segs[a])) - Number(hasVariables(segs[b])));
  return (parts, lookup) => {
    if (spill ? parts.length < n : parts.length !== n) return false;
    let unresolved = false;
    for (const k of order) {
      const value = spill && k === n - 1 && parts.length > n ? parts.slice(n - 1).join(':') : parts[k];
      const r = tests[k](value, lookup);
      if (r === false) return false;
      if (r === undefined) unresolved = true;
    }
    return unresolved ? undefined : true;
  };
}
