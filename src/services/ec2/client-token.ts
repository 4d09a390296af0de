// EC2 ClientToken idempotency ("Ensure idempotency", EC2 developer guide): the first request
// with a token in an account and region creates; a retry with the same token and the same
// parameters gets the original resource back and creates nothing; the same token with other
// parameters is IdempotentParameterMismatch. A DryRun never consumes a token (the caller's
// checkpoint runs before anything is recorded).
import { createHash } from 'node:crypto';
import type { Store } from '../../store/store.js';
import type { Scope } from '../../store/scope.js';
import { ec2Error } from './ec2-errors.js';

export interface Idempotent<T> {
  action: string;
  token: string | undefined;
  /** the request's parameters that define "the same request" (not DryRun, not the token) */
  params: unknown;
  /** does the work; returns the result and what to keep to answer a retry */
  create: () => Promise<{ result: T; record: string }>;
  /** answers a retry from what `create` kept */
  replay: (record: string) => Promise<T>;
  /** the DryRun checkpoint, run before a replay too */
  checkpoint?: () => void;
}

// one request per token at a time in this process, so two concurrent retries create once
const inFlight = new Map<string, Promise<unknown>>();

function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object' && !(value instanceof Date)) {
    return Object.fromEntries(
      Object.entries(value as Record<string, unknown>)
        .filter(([, v]) => v !== undefined)
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => [k, canonical(v)]),
    );
  }
  return value;
}

export function requestHash(params: unknown): string {
  return createHash('sha256').update(JSON.stringify(canonical(params))).digest('base64url');
}

export async function idempotent<T>(store: Store, scope: Scope, req: Idempotent<T>): Promise<T> {
  const token = req.token;
  if (!token) return (await req.create()).result;
  const lockKey = `${scope.accountId}/${scope.region}/${req.action}/${token}`;
  while (inFlight.has(lockKey)) await inFlight.get(lockKey)!.catch(() => undefined);
  const run = (async () => {
    const hash = requestHash(req.params);
    const previous = await store.idempotency.find(scope, req.action, token);
    if (previous) {
      if (previous.requestHash !== hash) {
        throw ec2Error('IdempotentParameterMismatch', 'Arguments on this idempotent request are inconsistent with arguments used in previous request(s).');
      }
      req.checkpoint?.();
      return req.replay(previous.result);
    }
    const { result, record } = await req.create();
    await store.idempotency.record(scope, req.action, token, hash, record);
    return result;
  })();
  inFlight.set(lockKey, run);
  try {
    return await run;
  } finally {
    if (inFlight.get(lockKey) === run) inFlight.delete(lockKey);
  }
}
