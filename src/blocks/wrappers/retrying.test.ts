// The retry wrapper with an injected failing backend: transient failures are retried with
// bounded, jittered back-off; client errors, missing and corrupt chunks never are.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryChunkStore } from '../backends/memory.js';
import { ChunkNotFoundError, ChunkPermanentError, ChunkStoreUnavailableError, type ChunkStore } from '../chunk-store.js';
import { chunkStoreConformance, idOf, listAll } from '../chunk-store.conformance.js';
import { ForwardingChunkStore, type Operation } from './forwarding.js';
import { RetryingChunkStore, type RetryPolicy } from './retrying.js';

/** Fails the next calls of an operation with the errors queued for it (after or instead of running it). */
class FailingChunkStore extends ForwardingChunkStore {
  readonly calls: Operation[] = [];
  readonly failures = new Map<Operation, { error: unknown; afterRunning?: boolean }[]>();

  failNext(op: Operation, ...errors: unknown[]): this {
    this.failures.set(op, [...(this.failures.get(op) ?? []), ...errors.map((error) => ({ error }))]);
    return this;
  }

  /** the operation happens, but its answer is lost */
  loseNextAnswer(op: Operation, error: unknown): this {
    this.failures.set(op, [...(this.failures.get(op) ?? []), { error, afterRunning: true }]);
    return this;
  }

  protected override async call<T>(op: Operation, fn: () => Promise<T>): Promise<T> {
    this.calls.push(op);
    const failure = this.failures.get(op)?.shift();
    if (!failure) return fn();
    if (failure.afterRunning) await fn();
    throw failure.error;
  }
}

const transient = {
  unavailable: new ChunkStoreUnavailableError('S3 GetObject: 503 ServiceUnavailable'),
  reset: Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' }),
  refused: Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:1'), { code: 'ECONNREFUSED' }),
  http500: Object.assign(new Error('InternalError'), { name: 'InternalError', $metadata: { httpStatusCode: 500 } }),
  throttled: Object.assign(new Error('Please reduce your request rate.'), { name: 'SlowDown', $metadata: { httpStatusCode: 503 } }),
  tooMany: Object.assign(new Error('Too Many Requests'), { $metadata: { httpStatusCode: 429 } }),
  timeout: Object.assign(new Error('Connection timed out after 60000 ms'), { name: 'TimeoutError' }),
};

const final = {
  accessDenied: Object.assign(new Error('Access Denied'), { name: 'AccessDenied', $metadata: { httpStatusCode: 403 } }),
  badRequest: Object.assign(new Error('InvalidArgument'), { name: 'InvalidArgument', $metadata: { httpStatusCode: 400 } }),
  notFound: new ChunkNotFoundError('0'.repeat(64)),
  corrupt: new ChunkPermanentError('0'.repeat(64), 'checksum mismatch'),
  malformed: new TypeError('invalid chunk id'),
};

function setup(policy: RetryPolicy = {}) {
  const delays: number[] = [];
  const failing = new FailingChunkStore(new MemoryChunkStore());
  const store = new RetryingChunkStore(failing, { sleep: async (ms) => void delays.push(ms), random: () => 1, ...policy });
  return { failing, store, delays };
}

/** Every put and get of a chunk fails once (its first try), with a connection reset. */
class FlakyChunkStore extends ForwardingChunkStore {
  readonly #failed = new Set<string>();
  #once(key: string): void {
    if (this.#failed.has(key)) return;
    this.#failed.add(key);
    throw transient.reset;
  }
  override async put(id: string, data: Buffer): Promise<void> {
    this.#once(`put ${id}`);
    return super.put(id, data);
  }
  override async get(id: string): Promise<Buffer> {
    this.#once(`get ${id}`);
    return super.get(id);
  }
}

chunkStoreConformance('retrying(memory), every put and get failing once', async () => ({
  open: async () => new RetryingChunkStore(new FlakyChunkStore(new MemoryChunkStore()), { sleep: async () => undefined }),
  cleanup: async () => {},
}));

describe('RetryingChunkStore', () => {
  for (const [name, error] of Object.entries(transient)) {
    test(`retries a transient failure (${name}) until it succeeds`, async () => {
      const { failing, store } = setup();
      const data = Buffer.from(name);
      await store.put(idOf(data), data);
      failing.failNext('get', error, error);
      assert.ok((await store.get(idOf(data))).equals(data));
      assert.deepEqual(failing.calls, ['put', 'get', 'get', 'get']);
    });
  }

  for (const [name, error] of Object.entries(final)) {
    test(`does not retry ${name}`, async () => {
      const { failing, store, delays } = setup();
      failing.failNext('get', error);
      await assert.rejects(store.get(idOf(Buffer.from('x'))), (e) => e === error);
      assert.deepEqual(failing.calls, ['get']);
      assert.deepEqual(delays, []);
    });
  }

  test('backs off exponentially with full jitter, capped, and gives up after the attempts', async () => {
    const { failing, store, delays } = setup({ attempts: 6, baseMs: 100, maxMs: 1000 });
    failing.failNext('flush', ...Array.from({ length: 10 }, () => transient.unavailable));
    await assert.rejects(store.flush(), ChunkStoreUnavailableError);
    assert.equal(failing.calls.length, 6, 'six tries in all');
    assert.deepEqual(delays, [100, 200, 400, 800, 1000], 'the bounds, with random() = 1');
    const jittered = setup({ baseMs: 100, random: () => 0.25 });
    jittered.failing.failNext('flush', transient.reset, transient.reset);
    await jittered.store.flush();
    assert.deepEqual(jittered.delays, [25, 50]);
  });

  test('a put whose answer was lost is repeated safely: stored once', async () => {
    const { failing, store } = setup();
    const data = Buffer.from('lost answer');
    failing.loseNextAnswer('put', transient.reset);
    await store.put(idOf(data), data);
    assert.deepEqual(failing.calls, ['put', 'put']);
    assert.deepEqual((await listAll(store)).map((s) => s.id), [idOf(data)]);
  });

  test('every operation but list and close is retried; the wrapper mirrors touch and compact', async () => {
    const { failing, store } = setup();
    const data = Buffer.from('ops');
    for (const op of ['put', 'touch', 'get', 'hasMany', 'delete', 'flush', 'clear'] as const) failing.failNext(op, transient.reset);
    await store.put(idOf(data), data);
    assert.equal(await store.touch!(idOf(data)), true);
    await store.get(idOf(data));
    await store.hasMany([idOf(data)]);
    await store.flush();
    assert.deepEqual(await store.delete([idOf(data)]), []);
    await store.clear();
    assert.equal(failing.calls.length, 14);
    assert.equal(store.compact, undefined, 'memory has no compact, so neither has the wrapper');
    assert.equal(store.name, 'memory');
    const noTouch: ChunkStore = { ...new MemoryChunkStore(), touch: undefined } as unknown as ChunkStore;
    assert.equal(new RetryingChunkStore(noTouch).touch, undefined);
  });

  test('onRetry hears of each retry', async () => {
    const seen: string[] = [];
    const { failing, store } = setup({ onRetry: ({ op, attempt }) => seen.push(`${op}#${attempt}`) });
    failing.failNext('hasMany', transient.throttled, transient.throttled);
    await store.hasMany([]);
    assert.deepEqual(seen, ['hasMany#1', 'hasMany#2']);
  });
});
