// What is worth retrying: the one definition the retry wrapper and the S3 backend's error
// mapping share. Transient: the backend's own ChunkStoreUnavailableError, network failures
// (resets, refusals, timeouts), HTTP 5xx, 429 and S3's throttling codes. Never: 4xx client
// errors, a missing chunk, corrupt data, a malformed id — retrying those cannot help.

const NETWORK_CODES = new Set(['ECONNRESET', 'ECONNREFUSED', 'ECONNABORTED', 'EPIPE', 'ETIMEDOUT', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH', 'ENETDOWN', 'UND_ERR_SOCKET', 'ERR_STREAM_PREMATURE_CLOSE']);
const THROTTLING = new Set(['SlowDown', 'Throttling', 'ThrottlingException', 'RequestLimitExceeded', 'TooManyRequestsException', 'RequestThrottled', 'RequestTimeout', 'InternalError', 'ServiceUnavailable']);
const NETWORK_NAMES = new Set(['TimeoutError', 'RequestTimeout']);

interface ErrorShape {
  kind?: unknown;
  code?: unknown;
  name?: unknown;
  Code?: unknown;
  message?: unknown;
  cause?: unknown;
  $metadata?: { httpStatusCode?: number };
}

export function isRetryable(err: unknown): boolean {
  if (!err || typeof err !== 'object') return false;
  const e = err as ErrorShape;
  if (e.kind === 'unavailable') return true;
  if (e.kind === 'not-found' || e.kind === 'permanent' || err instanceof TypeError || err instanceof RangeError) return false;
  if (typeof e.code === 'string' && NETWORK_CODES.has(e.code)) return true;
  const status = e.$metadata?.httpStatusCode;
  if (status !== undefined && (status >= 500 || status === 429)) return true;
  const name = typeof e.Code === 'string' ? e.Code : typeof e.name === 'string' ? e.name : '';
  if (THROTTLING.has(name) || NETWORK_NAMES.has(name)) return true;
  if (status === undefined && typeof e.message === 'string' && /socket hang up|ECONNRESET|EPIPE/.test(e.message)) return true;
  return e.cause !== undefined && e.cause !== err && isRetryable(e.cause);
}
