// restJson1 (the EBS direct APIs): operations are routes (`PUT /snapshots/{SnapshotId}/blocks/{BlockIndex}`);
// members bind to path labels, query parameters, headers, a raw payload, or the JSON body.
import { isScalar, type MemberRef, type ServiceModel } from './model.js';
import type { ProtocolAdapter, RawRequest, RawResponse } from './protocol.js';
import { JsonCodec } from './json-codec.js';
import { parseJsonBody } from './json-protocol.js';
import { parseScalar } from './query-parser.js';
import { ServiceError } from './service-error.js';
import { ValidationFailure, validateInput, lowerFirst, type Violation } from './validate.js';
import { smithyValidationMessage } from './query-protocol.js';

interface Route {
  operation: string;
  method: string;
  pattern: RegExp;
  labels: string[];
}

const isBound = (ref: MemberRef) =>
  Boolean(ref.httpLabel || ref.httpQuery || ref.httpHeader || ref.httpPayload || ref.httpResponseCode || ref.httpQueryParams || ref.httpPrefixHeaders);

export interface RestJsonOptions {
  /** extra members for the protocol's validation errors (EBS: `Reason`) */
  violationFields?: (v: Violation) => Record<string, string>;
}

export class RestJsonProtocol implements ProtocolAdapter {
  private readonly codec: JsonCodec;
  private readonly routes: Route[] = [];

  constructor(
    private readonly model: ServiceModel,
    private readonly options: RestJsonOptions = {},
  ) {
    this.codec = new JsonCodec(model);
    for (const [operation, op] of Object.entries(model.operations)) {
      if (!op.http) continue;
      const labels: string[] = [];
      const path = op.http.uri.split('?')[0];
      const source = path.replace(/\{(\w+)(\+?)\}|[.*+?^$()|[\]\\]/g, (m, label: string, greedy: string) => {
        if (!label) return `\\${m}`;
        labels.push(label);
        return greedy ? '(.+)' : '([^/]+)';
      });
      this.routes.push({ operation, method: op.http.method, pattern: new RegExp(`^${source}$`), labels });
    }
    // literal routes before templated ones: /snapshots/completion/{id} must not match /snapshots/{id}/…
    this.routes.sort((a, b) => a.labels.length - b.labels.length);
  }

  private match(req: RawRequest): { route: Route; values: string[] } | undefined {
    for (const route of this.routes) {
      if (route.method !== req.method) continue;
      const m = route.pattern.exec(req.path);
      if (m) return { route, values: m.slice(1) };
    }
    return undefined;
  }

  operationOf(req: RawRequest): string {
    const hit = this.match(req);
    if (!hit) throw new ServiceError('UnknownOperationException', `No operation matches ${req.method} ${req.path}`, 404);
    return hit.route.operation;
  }

  decode(operation: string, req: RawRequest): Record<string, unknown> {
    const hit = this.match(req)!;
    const shapeName = this.model.operations[operation]?.input;
    if (!shapeName) return {};
    const shape = this.model.shapes[shapeName];
    if (shape.type !== 'structure') return {};
    try {
      const members = Object.entries(shape.members);
      const hasBodyMembers = members.some(([, ref]) => !isBound(ref));
      const input: Record<string, unknown> = hasBodyMembers ? this.codec.readStructure(shapeName, parseJsonBody(req.body), '', isBound) : {};
      for (const [name, ref] of members) {
        const path = lowerFirst(name);
        let text: string | undefined;
        if (ref.httpLabel) {
          const i = hit.route.labels.indexOf(name);
          if (i >= 0) {
            try {
              text = decodeURIComponent(hit.values[i]);
            } catch {
              throw new ServiceError('ValidationException', `Malformed path segment for ${path}`, 400);
            }
          }
        } else if (ref.httpQuery) {
          text = req.query.find(([k]) => k === ref.httpQuery)?.[1];
        } else if (ref.httpHeader) {
          text = req.headers[ref.httpHeader.toLowerCase()];
        } else if (ref.httpPayload) {
          if (isScalar(ref.target)) {
            if (req.body.length > 0 || ref.required) input[name] = ref.target === 'blob' ? req.body : req.body.toString('utf8');
          } else {
            input[name] = this.codec.readStructure(ref.target, parseJsonBody(req.body), path);
          }
          continue;
        }
        if (text === undefined) continue;
        input[name] = ref.target === 'timestamp' && ref.httpHeader ? httpDate(text, path) : parseScalar(ref, text, path, path);
      }
      validateInput(this.model, shapeName, input, (name) => lowerFirst(name));
      return input;
    } catch (e) {
      if (e instanceof ValidationFailure) throw this.violationError(e.violation);
      throw e;
    }
  }

  encode(operation: string, output: unknown, requestId: string): RawResponse {
    const op = this.model.operations[operation];
    const headers: Record<string, string> = { 'x-amzn-requestid': requestId };
    let status = op?.http?.code ?? 200;
    const shape = op?.output ? this.model.shapes[op.output] : undefined;
    if (!shape || shape.type !== 'structure') return { status, headers: { ...headers, 'content-type': 'application/json' }, body: '{}' };
    const value = (output ?? {}) as Record<string, unknown>;
    let body: string | Buffer | undefined;
    for (const [name, ref] of Object.entries(shape.members)) {
      const v = value[name];
      if (v === undefined || v === null) continue;
      if (ref.httpHeader) headers[ref.httpHeader.toLowerCase()] = headerText(ref, v);
      else if (ref.httpResponseCode) status = Number(v);
      else if (ref.httpPayload) {
        if (ref.target === 'blob') {
          body = Buffer.from(v as Uint8Array);
          headers['content-type'] = 'application/octet-stream';
        } else {
          body = JSON.stringify(this.codec.writeStructure(ref.target, v as Record<string, unknown>));
          headers['content-type'] = 'application/json';
        }
      }
    }
    if (body === undefined) {
      body = JSON.stringify(this.codec.writeStructure(op!.output!, value, isBound));
      headers['content-type'] = 'application/json';
    }
    return { status, headers, body };
  }

  encodeError(err: ServiceError, requestId: string): RawResponse {
    return {
      status: err.httpStatus,
      headers: {
        'content-type': 'application/json',
        'x-amzn-requestid': requestId,
        'x-amzn-errortype': err.code,
        ...(err.headers ?? {}),
      },
      body: JSON.stringify({ message: err.message, ...(err.fields ?? {}) }),
    };
  }

  violationError(v: Violation): ServiceError {
    return new ServiceError('ValidationException', smithyValidationMessage(v), 400, { fields: this.options.violationFields?.(v) });
  }
}

function httpDate(text: string, path: string): Date {
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new ValidationFailure({ kind: 'type', wirePath: path, memberPath: path, value: text, expected: 'http-date' });
  return new Date(ms);
}

function headerText(ref: MemberRef, v: unknown): string {
  if (ref.target === 'timestamp') return (v instanceof Date ? v : new Date(v as string)).toUTCString();
  if (Array.isArray(v)) return v.join(',');
  return String(v);
}
