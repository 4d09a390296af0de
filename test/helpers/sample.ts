// Deterministic sample values for any shape of a runtime model, used to round-trip every
// in-scope operation through the real SDK: the SDK's serializer against our parser, and our
// serializer against the SDK's deserializer.
import { isScalar, type MemberRef, type ServiceModel } from '../../src/protocol/model.js';

export interface SampleOptions {
  /** skip members for which this returns true */
  skip?: (shape: string, member: string, ref: MemberRef) => boolean;
  maxDepth?: number;
}

const FIXED_DATE = new Date(Date.UTC(2024, 4, 1, 12, 30, 15, 123));

export function sampleStructure(model: ServiceModel, shapeName: string, options: SampleOptions = {}, depth = 0): Record<string, unknown> {
  const shape = model.shapes[shapeName];
  const out: Record<string, unknown> = {};
  if (shape?.type !== 'structure') return out;
  for (const [name, ref] of Object.entries(shape.members)) {
    if (options.skip?.(shapeName, name, ref)) continue;
    const v = sampleValue(model, ref, name, options, depth + 1);
    if (v !== undefined) out[name] = v;
  }
  return out;
}

function sampleValue(model: ServiceModel, ref: MemberRef, name: string, options: SampleOptions, depth: number): unknown {
  if (isScalar(ref.target)) {
    switch (ref.target) {
      case 'string':
        return ref.enum ? model.enums[ref.enum][0] : matching(ref, `v-${name}`);
      case 'number':
        return Math.min(Math.max(7, ref.min ?? 7), ref.max ?? 7);
      case 'boolean':
        return true;
      case 'timestamp':
        return ref.httpHeader ? new Date(Date.UTC(2024, 4, 1, 12, 30, 15)) : FIXED_DATE;
      case 'blob':
        return new Uint8Array(Buffer.from(`blob-${name}`));
      default:
        return undefined; // documents are not in scope
    }
  }
  if (depth > (options.maxDepth ?? 4)) return undefined;
  const shape = model.shapes[ref.target];
  if (shape.type === 'structure') {
    // an empty structure has no wire form at all; leave it out rather than expect `{}`
    const v = sampleStructure(model, ref.target, options, depth);
    return Object.keys(v).length ? v : undefined;
  }
  if (shape.type === 'list') {
    const a = sampleValue(model, shape.member, `${name}1`, options, depth + 1);
    const b = sampleValue(model, shape.member, `${name}2`, options, depth + 1);
    return a === undefined ? undefined : [a, b];
  }
  const v = sampleValue(model, shape.value, `${name}V`, options, depth + 1);
  return v === undefined ? undefined : { k1: v };
}

// values for the patterns model/patches add (ids, tokens, ARNs), tried when the default fails
const PATTERN_SAMPLES = ['snap-0123456789abcdef0', 'QUJDRA==', 'arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab'];

function matching(ref: MemberRef, fallback: string): string {
  if (!ref.pattern) return fallback;
  const re = new RegExp(ref.pattern, 'u');
  return [fallback, ...PATTERN_SAMPLES].find((s) => re.test(s)) ?? fallback;
}

/** Recursively turns Buffers into Uint8Arrays and drops undefined, for deep comparison. */
export function normalise(v: unknown): unknown {
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(normalise);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) if (x !== undefined && k !== '$metadata') out[k] = normalise(x);
    return out;
  }
  return v;
}
