// Model-driven input validation shared by every protocol: required members, enum values and
// the constraints model/patches add (min/max/pattern, and AWS's own error for a list over its
// bound where AWS has one: `maxError`, e.g. EC2's 100 ids per DescribeInstanceStatus). Type
// errors, parameters the model does not know (`unknown`) and text no XML answer could carry (`characters`) are found by the
// parsers while converting wire text; all are reported as a Violation that each protocol
// renders as its own error (EC2 MissingParameter/InvalidParameterValue/UnknownParameter,
// awsQuery ValidationError, JSON ValidationException/SerializationException).
import { isScalar, type MemberRef, type ServiceModel, type StructureShape } from './model.js';
import { ServiceError } from './service-error.js';

export type ViolationKind = 'missing' | 'type' | 'enum' | 'range' | 'length' | 'pattern' | 'unknown' | 'characters';

export interface Violation {
  kind: ViolationKind;
  /** the parameter as the protocol names it on the wire, e.g. `LaunchPermission.Add.1.UserId` */
  wirePath: string;
  /** Smithy-style member path, e.g. `tags.1.member.key` (used by awsQuery/JSON messages) */
  memberPath: string;
  value?: unknown;
  /** what was expected: a type, the enum values, or the bound */
  expected?: string;
}

/**
 * Characters XML 1.0 cannot carry, not even as character references: C0 controls other than
 * tab, LF and CR, U+FFFE/U+FFFF, and surrogates that are not part of a pair.
 */
export const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** One character class, no look-around: the fast first test (a surrogate pair passes the second). */
export const XML_SUSPECT = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]/;

/** True when `text` could be written into an XML answer as it is (escaping aside). */
export function isXmlSafe(text: string): boolean {
  return !XML_SUSPECT.test(text) || !XML_ILLEGAL.test(text);
}

/**
 * A violating value as messages quote it: strings as they are, anything else as JSON, at most
 * 256 characters — a 100,000-deep array must not overflow the stack while an error is written.
 */
export function shownValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = value;
  else {
    try {
      text = JSON.stringify(value) ?? String(value);
    } catch {
      text = Array.isArray(value) ? '[…]' : typeof value === 'object' ? '{…}' : String(value);
    }
  }
  return text.length > 256 ? `${text.slice(0, 256)}…` : text;
}

export class ValidationFailure extends Error {
  constructor(readonly violation: Violation) {
    super(`${violation.kind} ${violation.wirePath}`);
  }
}

/** How a protocol names members on the wire, for messages. */
export type WireNamer = (memberName: string, ref: MemberRef) => string;

export function lowerFirst(s: string): string {
  return s ? s[0].toLowerCase() + s.slice(1) : s;
}

/**
 * Checks `value` (already converted to JS types) against `shapeName`.
 * Throws ValidationFailure on the first violation, as AWS reports one at a time.
 */
export function validateInput(model: ServiceModel, shapeName: string, value: unknown, namer: WireNamer): void {
  checkStructure(model, shapeName, value as Record<string, unknown>, namer, '', '');
}

function join(prefix: string, name: string): string {
  return prefix ? `${prefix}.${name}` : name;
}

function checkStructure(
  model: ServiceModel,
  shapeName: string,
  value: Record<string, unknown>,
  namer: WireNamer,
  wire: string,
  path: string,
): void {
  const shape = model.shapes[shapeName];
  if (shape?.type !== 'structure') return;
  for (const [name, ref] of memberList(shape)) {
    const v = value[name];
    if (v === undefined || v === null) {
      if (ref.required) throw new ValidationFailure({ kind: 'missing', wirePath: join(wire, namer(name, ref)), memberPath: join(path, lowerFirst(name)) });
      continue;
    }
    // the names of a member that is present only: most of a structure's members are absent
    const w = join(wire, namer(name, ref));
    const p = join(path, lowerFirst(name));
    if (ref.maxError && Array.isArray(v)) {
      checkListLimit(ref, v.length, value);
      checkValue(model, { ...ref, max: undefined }, v, namer, w, p);
    } else checkValue(model, ref, v, namer, w, p);
  }
}

const memberLists = new WeakMap<StructureShape, [string, MemberRef][]>();

/** A structure's members in model order, listed once per shape. */
export function memberList(shape: StructureShape): [string, MemberRef][] {
  let list = memberLists.get(shape);
  if (!list) {
    list = Object.entries(shape.members);
    memberLists.set(shape, list);
  }
  return list;
}

/** Length in code points (`[...text].length`, a surrogate pair counting once) without an array. */
function codePoints(text: string): number {
  let n = text.length;
  for (let i = 0; i < text.length - 1; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0xd800 && c <= 0xdbff) {
      const d = text.charCodeAt(i + 1);
      if (d >= 0xdc00 && d <= 0xdfff) {
        n--;
        i++;
      }
    }
  }
  return n;
}

/** model patterns, compiled once each (no global or sticky flag: `test` keeps no state) */
const patterns = new Map<string, RegExp>();

function pattern(source: string): RegExp {
  let re = patterns.get(source);
  if (!re) {
    re = new RegExp(source, 'u');
    patterns.set(source, re);
  }
  return re;
}

function checkValue(model: ServiceModel, ref: MemberRef, v: unknown, namer: WireNamer, wire: string, path: string): void {
  if (isScalar(ref.target)) {
    checkScalar(model, ref, v, wire, path);
    return;
  }
  const shape = model.shapes[ref.target];
  if (shape.type === 'structure') {
    checkStructure(model, ref.target, v as Record<string, unknown>, namer, wire, path);
  } else if (shape.type === 'list') {
    const items = v as unknown[];
    checkLength(ref, items.length, wire, path, v);
    items.forEach((item, i) => checkValue(model, shape.member, item, namer, `${wire}.${i + 1}`, `${path}.${i + 1}.member`));
  } else {
    const entries = Object.entries(v as Record<string, unknown>);
    checkLength(ref, entries.length, wire, path, v);
    for (const [k, item] of entries) {
      checkScalar(model, shape.key, k, `${wire}.${k}`, `${path}.${k}`);
      checkValue(model, shape.value, item, namer, `${wire}.${k}`, `${path}.${k}`);
    }
  }
}

/**
 * A list bound AWS answers in its own words (MemberRef.maxError), the same in every protocol:
 * thrown as that ServiceError, with the count and the bound filled into the message.
 */
function checkListLimit(ref: MemberRef, n: number, siblings: Record<string, unknown>): void {
  const raised = ref.maxFrom !== undefined ? siblings[ref.maxFrom] : undefined;
  const max = Math.max(ref.max ?? Infinity, typeof raised === 'number' ? raised : -Infinity);
  if (n <= max) return;
  const { code, message } = ref.maxError!;
  throw new ServiceError(code, message.replace(/\{count\}/g, String(n)).replace(/\{max\}/g, String(max)));
}

function checkLength(ref: MemberRef, n: number, wire: string, path: string, value: unknown): void {
  if (ref.min !== undefined && n < ref.min)
    throw new ValidationFailure({ kind: 'length', wirePath: wire, memberPath: path, value, expected: `length >= ${ref.min}` });
  if (ref.max !== undefined && n > ref.max)
    throw new ValidationFailure({ kind: 'length', wirePath: wire, memberPath: path, value, expected: `length <= ${ref.max}` });
}

function checkScalar(model: ServiceModel, ref: MemberRef, v: unknown, wire: string, path: string): void {
  if (ref.enum && typeof v === 'string') {
    const values = model.enums[ref.enum];
    if (values && !values.includes(v))
      throw new ValidationFailure({ kind: 'enum', wirePath: wire, memberPath: path, value: v, expected: values.join(', ') });
  }
  if (typeof v === 'number') {
    if (ref.min !== undefined && v < ref.min)
      throw new ValidationFailure({ kind: 'range', wirePath: wire, memberPath: path, value: v, expected: `>= ${ref.min}` });
    if (ref.max !== undefined && v > ref.max)
      throw new ValidationFailure({ kind: 'range', wirePath: wire, memberPath: path, value: v, expected: `<= ${ref.max}` });
  }
  if (typeof v === 'string') {
    if (ref.min !== undefined || ref.max !== undefined) checkLength(ref, codePoints(v), wire, path, v);
    if (ref.pattern !== undefined && !pattern(ref.pattern).test(v))
      throw new ValidationFailure({ kind: 'pattern', wirePath: wire, memberPath: path, value: v, expected: ref.pattern });
  }
}
