// awsJson1.1 (KMS, SSM) and awsJson1.0 (CloudWatch): `POST /` with `X-Amz-Target:
// <Prefix>.<Operation>` and a JSON body. An awsQueryCompatible service (CloudWatch) also names
// its errors' awsQuery code and fault in `x-amzn-query-error: <Code>;<Sender|Receiver>`.
import { isUtf8 } from 'node:buffer';
import type { ServiceModel } from './model.js';
import type { ProtocolAdapter, RawRequest, RawResponse } from './protocol.js';
import { JsonCodec, jsonErrorBody } from './json-codec.js';
import { ServiceError } from './service-error.js';
import { ValidationFailure, validateInput, type Violation } from './validate.js';
import { smithyValidationMessage } from './query-protocol.js';

export interface JsonProtocolOptions {
  /** default 1.1 */
  version?: '1.0' | '1.1';
  /** awsQueryCompatible: the x-amzn-query-error header on errors, `__type` the error shape's id */
  queryCompatible?: boolean;
}

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
  private readonly contentType: string;
  /** awsQuery error code -> the error shape's name (queryCompatible only) */
  private readonly errorShapes = new Map<string, string>();

  constructor(
    private readonly model: ServiceModel,
    private readonly options: JsonProtocolOptions = {},
  ) {
    this.codec = new JsonCodec(model);
    this.known = new Set(model.allOperations);
    this.contentType = `application/x-amz-json-${options.version ?? '1.1'}`;
    if (options.queryCompatible) {
      for (const [name, shape] of Object.entries(model.shapes)) if (shape.type === 'structure' && shape.error) this.errorShapes.set(shape.error.code, name);
    }
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
    return this.readInput(operation, parseJsonBody(req.body));
  }

  /** The operation's input from a parsed JSON document (also CBOR's, once in JSON's terms), validated. */
  readInput(operation: string, json: unknown): Record<string, unknown> {
    const shape = this.model.operations[operation]?.input;
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
    return { status: 200, headers: { 'content-type': this.contentType, 'x-amzn-requestid': requestId }, body };
  }

  encodeError(err: ServiceError, requestId: string): RawResponse {
    const headers = { 'content-type': this.contentType, 'x-amzn-requestid': requestId, ...(err.headers ?? {}), ...this.queryErrorHeader(err) };
    return { status: err.httpStatus, headers, body: jsonErrorBody(err, this.errorType(err)) };
  }

  /** `__type` of an error: its shape's id where the service is awsQueryCompatible and the model has one. */
  errorType(err: ServiceError): string {
    const shape = this.options.queryCompatible ? this.errorShapes.get(err.code) : undefined;
    return shape ? `com.amazonaws.${this.model.service}#${shape}` : err.code;
  }

  /** awsQueryCompatible: `x-amzn-query-error: <Code>;<Sender|Receiver>` */
  queryErrorHeader(err: ServiceError): Record<string, string> {
    return this.options.queryCompatible ? { 'x-amzn-query-error': `${err.code};${err.fault === 'server' ? 'Receiver' : 'Sender'}` } : {};
  }

  violationError(v: Violation): ServiceError {
    if (v.kind === 'type') return new ServiceError('SerializationException', `Unexpected value type for ${v.memberPath}: expected ${v.expected}`, 400);
    if (v.kind === 'unknown') return new ServiceError('SerializationException', `Unrecognized field ${JSON.stringify(v.memberPath)}: not a member of the input`, 400);
    return new ServiceError('ValidationException', smithyValidationMessage(v), 400);
  }
}
