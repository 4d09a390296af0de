// Reads the compact Smithy schemas that @aws-sdk/client-* v3 packages export from their root
// (`DescribeImages$`, `DescribeImagesRequest$`, …) and turns the ones reachable from the
// in-scope operations into our runtime model shapes.
//
// Schema forms (see @smithy/core/schema):
//   operation  [9, ns, name, traits, () => input, () => output]
//   structure  [3, ns, name, traits, memberNames, memberSchemas, requiredCount?]   (-3 = error)
//   list       [1, ns, name, traits, memberSchema]
//   map        [2, ns, name, traits, keySchema, valueSchema]
//   simple     [0, ns, name, traits, scalarCode]
//   member     scalarCode | () => schema | [schemaOrCode, traits]
// Required members come first in a structure; requiredCount says how many.
// traits is an object, or a bitmask of httpLabel|idempotent|idempotencyToken|sensitive|
// httpPayload|httpResponseCode|httpQueryParams.
import type { MemberRef, OperationModel, Shape } from '../../src/protocol/model.js';

type Schema = unknown[];
type Traits = Record<string, unknown>;

const BIT_TRAITS = [
  'httpLabel',
  'idempotent',
  'idempotencyToken',
  'sensitive',
  'httpPayload',
  'httpResponseCode',
  'httpQueryParams',
] as const;

function traitsOf(indicator: unknown): Traits {
  if (indicator && typeof indicator === 'object') return indicator as Traits;
  const bits = Number(indicator) | 0;
  const traits: Traits = {};
  BIT_TRAITS.forEach((name, i) => {
    if ((bits >> i) & 1) traits[name] = 1;
  });
  return traits;
}

const SCALAR_CODES: Record<number, { target: string; timestampFormat?: MemberRef['timestampFormat'] }> = {
  0: { target: 'string' },
  1: { target: 'number' },
  2: { target: 'boolean' },
  4: { target: 'timestamp' },
  5: { target: 'timestamp', timestampFormat: 'date-time' },
  6: { target: 'timestamp', timestampFormat: 'http-date' },
  7: { target: 'timestamp', timestampFormat: 'epoch-seconds' },
  15: { target: 'document' },
  17: { target: 'number' },
  19: { target: 'number' },
  21: { target: 'blob' },
  42: { target: 'blob' },
};

export interface WalkResult {
  operations: Record<string, OperationModel>;
  shapes: Record<string, Shape>;
  /** enum name per "Shape.Member" (filled in later from the .d.ts files) */
}

export class SchemaWalker {
  readonly shapes: Record<string, Shape> = {};
  private readonly identity = new Map<string, unknown>();

  /** Converts an operation schema; registers every shape it reaches. */
  operation(op: Schema): OperationModel {
    const traits = traitsOf(op[3]);
    const result: OperationModel = {};
    const input = this.resolve(op[4]);
    const output = this.resolve(op[5]);
    if (input !== 'unit') result.input = this.named(input as Schema);
    if (output !== 'unit') result.output = this.named(output as Schema);
    const http = traits.http as [string, string, number] | undefined;
    if (http) result.http = { method: http[0], uri: http[1], code: http[2] };
    return result;
  }

  /** Registers an error structure (its code and HTTP status come from its traits). */
  error(schema: Schema): string {
    return this.named(schema);
  }

  private resolve(s: unknown): unknown {
    return typeof s === 'function' ? (s as () => unknown)() : s;
  }

  /** Registers a structure/list/map schema and returns its name. */
  private named(schema: Schema): string {
    const kind = schema[0] as number;
    const name = schema[2] as string;
    const seen = this.identity.get(name);
    if (seen === schema) return name;
    if (seen !== undefined) throw new Error(`two different shapes named ${name}`);
    this.identity.set(name, schema);
    // 4: a union (exactly one member set); on the wire it is a structure
    if (kind === 3 || kind === -3 || kind === 4) {
      const shape: Shape = { type: 'structure', members: {} };
      this.shapes[name] = shape; // before members: shapes can be recursive
      const names = schema[4] as string[];
      const members = schema[5] as unknown[];
      const required = (schema[6] as number | undefined) ?? 0;
      names.forEach((member, i) => {
        const ref = this.member(members[i]);
        if (i < required) ref.required = true;
        shape.members[member] = ref;
      });
      if (kind === -3) {
        const t = traitsOf(schema[3]);
        const queryError = t.awsQueryError as [string, number] | undefined;
        shape.error = {
          code: queryError?.[0] ?? name,
          httpStatus: queryError?.[1] ?? Number(t.httpError ?? (t.error === 'server' ? 500 : 400)),
          fault: t.error === 'server' ? 'server' : 'client',
        };
      }
      return name;
    }
    if (kind === 1) {
      const shape: Shape = { type: 'list', member: { target: 'string' } };
      this.shapes[name] = shape;
      shape.member = this.member(schema[4]);
      return name;
    }
    if (kind === 2) {
      const shape: Shape = { type: 'map', key: { target: 'string' }, value: { target: 'string' } };
      this.shapes[name] = shape;
      shape.key = this.member(schema[4]);
      shape.value = this.member(schema[5]);
      return name;
    }
    throw new Error(`unexpected schema kind ${kind} for ${name}`);
  }

  private member(s: unknown): MemberRef {
    let ref: unknown = s;
    let traits: Traits = {};
    if (Array.isArray(s) && s.length === 2 && !(typeof s[0] === 'number' && typeof s[1] === 'string')) {
      ref = s[0];
      traits = traitsOf(s[1]);
    }
    ref = this.resolve(ref);
    const out: MemberRef = { target: 'string' };
    if (typeof ref === 'number') {
      Object.assign(out, this.scalarOrModified(ref));
    } else if (Array.isArray(ref)) {
      const kind = ref[0] as number;
      if (kind === 0) {
        // a named simple type: inline it, keeping its traits (sensitive, streaming)
        Object.assign(out, this.scalarOrModified(ref[4] as number));
        Object.assign(traits, { ...traitsOf(ref[3]), ...traits });
      } else {
        out.target = this.named(ref);
      }
    } else {
      throw new Error(`unexpected member schema ${String(ref)}`);
    }
    applyTraits(out, traits);
    return out;
  }

  /** Scalar codes, including the list (64) and map (128) modifiers for anonymous collections. */
  private scalarOrModified(code: number): Partial<MemberRef> {
    if (code & 64) {
      const inner = SCALAR_CODES[code & 63];
      const name = `__listOf_${inner.target}`;
      this.shapes[name] ??= { type: 'list', member: { ...inner } };
      return { target: name };
    }
    if (code & 128) {
      const inner = SCALAR_CODES[code & 127];
      const name = `__mapOf_${inner.target}`;
      this.shapes[name] ??= { type: 'map', key: { target: 'string' }, value: { ...inner } };
      return { target: name };
    }
    const scalar = SCALAR_CODES[code];
    if (!scalar) throw new Error(`unknown scalar code ${code}`);
    return { ...scalar };
  }
}

function applyTraits(out: MemberRef, t: Traits): void {
  if (typeof t.xmlName === 'string') out.xmlName = t.xmlName;
  if (typeof t.ec2QueryName === 'string') out.ec2QueryName = t.ec2QueryName;
  if (t.xmlFlattened) out.flattened = true;
  if (t.xmlAttribute) out.xmlAttribute = true;
  if (t.idempotencyToken) out.idempotencyToken = true;
  if (t.sensitive) out.sensitive = true;
  if (t.streaming) out.streaming = true;
  if (t.httpLabel) out.httpLabel = true;
  if (typeof t.httpQuery === 'string') out.httpQuery = t.httpQuery;
  if (typeof t.httpHeader === 'string') out.httpHeader = t.httpHeader;
  if (typeof t.httpPrefixHeaders === 'string') out.httpPrefixHeaders = t.httpPrefixHeaders;
  if (t.httpPayload) out.httpPayload = true;
  if (t.httpResponseCode) out.httpResponseCode = true;
  if (t.httpQueryParams) out.httpQueryParams = true;
}
