// A service that answers in several protocols (CloudWatch: awsJson1.0 from the JS SDK, Smithy
// RPC v2 CBOR from recent botocore, awsQuery from older CLIs): each request is read and answered
// in the protocol it speaks, told by its shape — the CBOR path, an X-Amz-Target header, else a
// form body. `forRequest` is what dispatch and the gateway use; the adapter's own methods answer
// for the first (default) protocol.
import type { ProtocolAdapter, RawRequest, RawResponse } from './protocol.js';
import type { ServiceError } from './service-error.js';
import type { Violation } from './validate.js';

export interface ProtocolVariant {
  matches(req: RawRequest): boolean;
  adapter: ProtocolAdapter;
}

export class MultiProtocol implements ProtocolAdapter {
  constructor(
    /** answers requests no variant claims, and errors raised before a request is read */
    private readonly fallback: ProtocolAdapter,
    private readonly variants: ProtocolVariant[],
  ) {}

  forRequest(req: RawRequest): ProtocolAdapter {
    return this.variants.find((v) => v.matches(req))?.adapter ?? this.fallback;
  }

  operationOf(req: RawRequest): string {
    return this.forRequest(req).operationOf(req);
  }

  decode(operation: string, req: RawRequest): Record<string, unknown> {
    return this.forRequest(req).decode(operation, req);
  }

  encode(operation: string, output: unknown, requestId: string): RawResponse {
    return this.fallback.encode(operation, output, requestId);
  }

  encodeError(err: ServiceError, requestId: string): RawResponse {
    return this.fallback.encodeError(err, requestId);
  }

  violationError(v: Violation): ServiceError {
    return this.fallback.violationError(v);
  }
}
