// Smithy RPC v2 CBOR (botocore ≥ 1.42's choice for CloudWatch): `POST
// /service/<ServiceShape>/operation/<Operation>` with `smithy-protocol: rpc-v2-cbor` and a CBOR
// map body (cbor.ts); answers the same way, errors as a map with `__type` and `message`. Input
// is read through the awsJson path (tag-1 timestamps become epoch seconds, byte strings base64),
// so validation and its errors are the JSON protocol's; output is walked by shape so timestamps
// go out as tag 1 and blobs as byte strings.
import { isScalar, type MemberRef, type ServiceModel } from './model.js';
import type { ProtocolAdapter, RawRequest, RawResponse } from './protocol.js';
import { CborError, decodeCbor, encodeCbor, type CborValue } from './cbor.js';
import { JsonProtocol, type JsonProtocolOptions } from './json-protocol.js';
import { ServiceError } from './service-error.js';
import type { Violation } from './validate.js';

const HEADERS = { 'content-type': 'application/cbor', 'smithy-protocol': 'rpc-v2-cbor' };
const PATH = /^\/service\/([^/]+)\/operation\/([^/?]+)$/;

export class CborProtocol implements ProtocolAdapter {
  private readonly json: JsonProtocol;
  private readonly known: Set<string>;

  constructor(
    private readonly model: ServiceModel,
    options: JsonProtocolOptions = {},
  ) {
    this.json = new JsonProtocol(model, options);
    this.known = new Set(model.allOperations);
  }

  static matches(req: RawRequest): boolean {
    return req.path.startsWith('/service/');
  }

  operationOf(req: RawRequest): string {
    const m = PATH.exec(req.path);
    if (!m || m[1] !== this.model.targetPrefix || !this.known.has(m[2]!) || req.method !== 'POST') {
      throw new ServiceError('UnknownOperationException', `The operation ${req.method} ${req.path.slice(0, 200)} is not known to this service.`, 404);
    }
    return m[2]!;
  }

  decode(operation: string, req: RawRequest): Record<string, unknown> {
    let body: CborValue = {};
    if (req.body.length > 0) {
      try {
        body = decodeCbor(req.body);
      } catch (e) {
        if (e instanceof CborError) throw new ServiceError('SerializationException', `The request body is not valid CBOR: ${e.message}.`, 400);
        throw e;
      }
    }
    return this.json.readInput(operation, asJson(body));
  }

  encode(operation: string, output: unknown, requestId: string): RawResponse {
    const shape = this.model.operations[operation]?.output;
    const value = shape ? this.structure(shape, (output ?? {}) as Record<string, unknown>) : {};
    return { status: 200, headers: { ...HEADERS, 'x-amzn-requestid': requestId }, body: encodeCbor(value) };
  }

  encodeError(err: ServiceError, requestId: string): RawResponse {
    return {
      status: err.httpStatus,
      headers: { ...HEADERS, 'x-amzn-requestid': requestId, ...(err.headers ?? {}), ...this.json.queryErrorHeader(err) },
      body: encodeCbor({ __type: this.json.errorType(err), message: err.message, ...(err.fields ?? {}) }),
    };
  }

  violationError(v: Violation): ServiceError {
    return this.json.violationError(v);
  }

  private structure(shapeName: string, value: Record<string, unknown>): Record<string, CborValue> {
    const shape = this.model.shapes[shapeName];
    const out: Record<string, CborValue> = {};
    if (shape?.type !== 'structure') return out;
    for (const [name, ref] of Object.entries(shape.members)) {
      const v = value[name];
      if (v !== undefined && v !== null) out[name] = this.value(ref, v);
    }
    return out;
  }

  private value(ref: MemberRef, v: unknown): CborValue {
    if (isScalar(ref.target)) {
      if (ref.target === 'timestamp') return v instanceof Date ? v : new Date(v as string | number);
      if (ref.target === 'blob') return typeof v === 'string' ? Buffer.from(v) : (v as Uint8Array);
      return v as CborValue;
    }
    const shape = this.model.shapes[ref.target]!;
    if (shape.type === 'structure') return this.structure(ref.target, v as Record<string, unknown>);
    if (shape.type === 'list') return (v as unknown[]).map((x) => this.value(shape.member, x));
    const out: Record<string, CborValue> = {};
    for (const [k, x] of Object.entries(v as Record<string, unknown>)) out[k] = this.value(shape.value, x);
    return out;
  }
}

/** CBOR's extra types in their awsJson form: Date -> epoch seconds, bytes -> base64. */
function asJson(v: CborValue): unknown {
  if (v instanceof Date) return v.getTime() / 1000;
  if (v instanceof Uint8Array) return Buffer.from(v).toString('base64');
  if (Array.isArray(v)) return v.map(asJson);
  if (v && typeof v === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) Object.defineProperty(out, k, { value: asJson(x), enumerable: true, writable: true, configurable: true });
    return out;
  }
  return v;
}
