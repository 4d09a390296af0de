// Retries with exponential back-off and full jitter, around any chunk store: an operation that
// fails with a retryable error (retryable.ts: the backend unreachable, 5xx, throttling, network
// resets) is tried again after a random delay in [0, min(maxMs, baseMs * 2^(attempt-1))], up to
// `attempts` times in all; any other error (4xx, a missing chunk, corrupt data) is final at
// once. Every operation is idempotent (puts of an id dedupe, deletes ignore missing ids), so
// repeating one whose answer was lost is safe. `list()` is not retried (an iterator cannot be
// resumed where it failed); `close()` neither.
import type { ChunkStore } from '../chunk-store.js';
import { ForwardingChunkStore, type Operation } from './forwarding.js';
import { isRetryable } from './retryable.js';

export interface RetryPolicy {
  /** tries in all, the first included (default 6) */
  attempts?: number;
  /** the first back-off's upper bound, ms (default 50) */
  baseMs?: number;
  /** no back-off is longer than this, ms (default 5000) */
  maxMs?: number;
  /** what counts as transient (default: retryable.ts) */
  retryable?: (err: unknown) => boolean;
  /** seams for tests */
  sleep?: (ms: number) => Promise<void>;
  random?: () => number;
  /** told of each retry (logging, metrics) */
  onRetry?: (info: { op: string; attempt: number; delayMs: number; error: unknown }) => void;
}

export class RetryingChunkStore extends ForwardingChunkStore {
  constructor(
    inner: ChunkStore,
    private readonly policy: RetryPolicy = {},
  ) {
    super(inner);
  }

  protected override call<T>(op: Operation, fn: () => Promise<T>): Promise<T> {
    return withRetries(op, fn, this.policy);
  }
}

/** Runs `fn` under the policy (also for work that is not a chunk store call, e.g. opening one). */
export async function withRetries<T>(op: string, fn: () => Promise<T>, policy: RetryPolicy = {}): Promise<T> {
  const attempts = policy.attempts ?? 6;
  const base = policy.baseMs ?? 50;
  const max = policy.maxMs ?? 5000;
  const retryable = policy.retryable ?? isRetryable;
  const sleep = policy.sleep ?? ((ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms)));
  const random = policy.random ?? Math.random;
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn();
    } catch (error) {
      if (attempt >= attempts || !retryable(error)) throw error;
      const delayMs = Math.floor(random() * Math.min(max, base * 2 ** (attempt - 1)));
      policy.onRetry?.({ op, attempt, delayMs, error });
      await sleep(delayMs);
    }
  }
}
