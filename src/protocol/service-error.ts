// The one error type domain code throws. Each protocol renders it in its own envelope
// (EC2 <Response><Errors>, awsQuery <ErrorResponse>, JSON {"__type"}, rest-json headers).
export interface ServiceErrorOptions {
  /** extra members of the error shape (e.g. EBS `Reason`), emitted by JSON protocols */
  fields?: Record<string, string>;
  /** extra response headers */
  headers?: Record<string, string>;
  /** awsQuery `<Type>`: Sender (default for 4xx) or Receiver */
  fault?: 'client' | 'server';
}

export class ServiceError extends Error {
  readonly code: string;
  readonly httpStatus: number;
  readonly fields?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly fault: 'client' | 'server';

  constructor(code: string, message: string, httpStatus = 400, options: ServiceErrorOptions = {}) {
    super(message);
    this.name = 'ServiceError';
    this.code = code;
    this.httpStatus = httpStatus;
    this.fields = options.fields;
    this.headers = options.headers;
    this.fault = options.fault ?? (httpStatus >= 500 ? 'server' : 'client');
  }
}

export function isServiceError(e: unknown): e is ServiceError {
  return e instanceof ServiceError;
}
