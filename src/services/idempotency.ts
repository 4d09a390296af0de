// ClientToken idempotency for every service that takes one ("Ensure idempotency", EC2 developer
// guide): the first request with a token in an account and region creates; a retry with the same
// token and the same parameters gets the original resource back and creates nothing; the same
// token with other parameters is the service's mismatch error. A DryRun never consumes a token.
//
// The token is claimed in the store before anything is created (its primary key admits one
// claimant, on any node sharing the store), answered when the creation is done, and released
// when it failed, so a retry may create. A retry that finds the token claimed but unanswered
// waits for the answer; a claim unanswered for ABANDONED_MS (its node died mid-way) is taken over.
import { createHash } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Repos, Store } from '../store/store.js';
import type { Scope } from '../store/scope.js';

export interface Idempotent<T> {
  action: string;
  token: string | undefined;
  /** the request's parameters that define "the same request" (not DryRun, not the token) */
  params: unknown;
  /**
   * does the work; returns the result and what to keep to answer a retry. It may pass that
   * record to `complete` inside its own unit of work (one commit instead of two).
   */
  create: (complete: (tx: Repos, record: string) => Promise<void>) => Promise<{ result: T; record: string }>;
  /** answers a retry from what `create` kept */
  replay: (record: string) => Promise<T>;
  /** the error for a token reused with other parameters */
  mismatch: () => Error;
  /** the error for a retry whose original is still running after WAIT_MS (a 5xx: SDKs retry it) */
  busy: () => Error;
  /** the DryRun checkpoint, run before a replay too */
  checkpoint?: () => void;
}

const WAIT_MS = 30_000;
const ABANDONED_MS = 5 * 60_000;

// one request per token at a time in this process: its retries wait here, not in the store
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
  if (!token) return (await req.create(async () => undefined)).result;
  const lockKey = `${scope.accountId}/${scope.region}/${req.action}/${token}`;
  while (inFlight.has(lockKey)) await inFlight.get(lockKey)!.catch(() => undefined);
  const run = once(store, scope, token, req);
  inFlight.set(lockKey, run);
  try {
    return await run;
  } finally {
    if (inFlight.get(lockKey) === run) inFlight.delete(lockKey);
  }
}

async function once<T>(store: Store, scope: Scope, token: string, req: Idempotent<T>): Promise<T> {
  const hash = requestHash(req.params);
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const previous = await store.idempotency.find(scope, req.action, token);
    if (previous) {
      if (previous.requestHash !== hash) throw req.mismatch();
      if (previous.result) {
        req.checkpoint?.();
        return req.replay(previous.result);
      }
      // claimed and not answered yet: by a request still running elsewhere, or abandoned
      const abandonedBefore = new Date(Date.now() - ABANDONED_MS).toISOString();
      if (previous.claimedAt < abandonedBefore) await store.idempotency.release(scope, req.action, token, abandonedBefore);
      else if (Date.now() > deadline) throw req.busy();
      else await sleep(100);
      continue;
    }
    if (!(await store.idempotency.claim(scope, req.action, token, hash))) continue;
    try {
      let completed = false;
      const { result, record } = await req.create(async (tx, kept) => {
        await tx.idempotency.complete(scope, req.action, token, kept);
        completed = true;
      });
      if (!completed) await store.idempotency.complete(scope, req.action, token, record);
      return result;
    } catch (e) {
      // a failure (a DryRun included) consumes nothing: a retry may create
      await store.idempotency.release(scope, req.action, token);
      throw e;
    }
  }
}
