// awsJson1.1 (KMS, SSM): `POST /` with `X-Amz-Target: <Prefix>.<Operation>` and a JSON body.
import { isUtf8 } from 'node:buffer';
import type { ServiceModel } from './model.js';
import type { ProtocolAdapter, RawRequest, RawResponse } from './protocol.js';
import { JsonCodec, jsonErrorBody } from './json-codec.js';
import { ServiceError } from './service-error.js';
import { ValidationFailure, validateInput, type Violation } from './validate.js';
import { smithyValidationMessage } from './query-protocol.js';

const CONTENT_TYPE = 'application/x-amz-json-1.1';

export function parseJsonBody(body: Buffer): unknown {
  if (body.length === 0) return {};
  if (!isUtf8(body)) throw new ServiceError('SerializationException', 'The request body is not valid UTF-8.', 400);
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    // also a body nested deeper than the parser's stack
    throw new ServiceError('SerializationException', 'The request body is not valid JSON.', 400);
  }
}

export class JsonProtocol implements ProtocolAdapter {
  private readonly codec: JsonCodec;
  private readonly known: Set<string>;

  constructor(private readonly model: ServiceModel) {
    this.codec = new JsonCodec(model);
    this.known = new Set(model.allOperations);
  }

  operationOf(req: RawRequest): string {
    const target = req.headers['x-amz-target'] ?? '';
    const dot = target.lastIndexOf('.');
    const prefix = target.slice(0, dot);
    const op = target.slice(dot + 1);
    // botocore sends some services' prefix namespaced (`com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101`)
    const ours = prefix === this.model.targetPrefix || prefix.endsWith(`.${this.model.targetPrefix}`);
    if (dot < 0 || !ours || !this.known.has(op)) {
      throw new ServiceError('UnknownOperationException', target ? `The operation ${target} is not known to this service.` : 'The request is missing the X-Amz-Target header.', 400);
    }
    return op;
  }

  decode(operation: string, req: RawRequest): Record<string, unknown> {
    const shape = this.model.operations[operation]?.input;
    const json = parseJsonBody(req.body);
    try {
      if (!shape) return {};
      const input = this.codec.readStructure(shape, json);
      validateInput(this.model, shape, input, (name) => name);
      return input;
    } catch (e) {
      if (e instanceof ValidationFailure) throw this.violationError(e.violation);
      throw e;
    }
  }

  encode(operation: string, output: unknown, requestId: string): RawResponse {
    const shape = this.model.operations[operation]?.output;
    const body = shape ? JSON.stringify(this.codec.writeStructure(shape, (output ?? {}) as Record<string, unknown>)) : '{}';
    return { status: 200, headers: { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': requestId }, body };
  }

  encodeError(err: ServiceError, requestId: string): RawResponse {
    return {
      status: err.httpStatus,
      headers: { 'content-type': CONTENT_TYPE, 'x-amzn-requestid': requestId, ...(err.headers ?? {}) },
      body: jsonErrorBody(err),
    };
  }

  violationError(v: Violation): ServiceError {
    if (v.kind === 'type') return new ServiceError('SerializationException', `Unexpected value type for ${v.memberPath}: expected ${v.expected}`, 400);
    if (v.kind === 'unknown') return new ServiceError('SerializationException', `Unrecognized field ${JSON.stringify(v.memberPath)}: not a member of the input`, 400);
    return new ServiceError('ValidationException', smithyValidationMessage(v), 400);
  }
}
