// What the gateway needs from a wire protocol: find the operation and its typed input in an
// HTTP request, and render an output or an error as an HTTP response.
import type { ServiceError } from './service-error.js';
import type { Violation } from './validate.js';

export interface RawRequest {
  method: string;
  /** the path as sent (still percent-encoded) */
  path: string;
  /** query string parameters, decoded */
  query: [string, string][];
  /** lower-cased header names */
  headers: Record<string, string>;
  body: Buffer;
}

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

export interface Decoded {
  operation: string;
  input: Record<string, unknown>;
}

export interface ProtocolAdapter {
  /** Identifies the operation; throws ServiceError for unknown ones. */
  operationOf(req: RawRequest): string;
  /** Parses and validates the operation's input; throws ServiceError. */
  decode(operation: string, req: RawRequest): Record<string, unknown>;
  encode(operation: string, output: unknown, requestId: string): RawResponse;
  encodeError(err: ServiceError, requestId: string): RawResponse;
  /** The protocol's own error for a model violation (MissingParameter, ValidationError, …). */
  violationError(v: Violation): ServiceError;
  /** A service speaking several protocols (multi-protocol.ts): the adapter for this request. */
  forRequest?(req: RawRequest): ProtocolAdapter;
}
