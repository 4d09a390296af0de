import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { MemoryChunkStore } from '../backends/memory.js';
import { chunkStoreConformance, idOf } from '../chunk-store.conformance.js';
import { ConcurrencyLimitedChunkStore } from './concurrency-limit.js';
import { ForwardingChunkStore, type Operation } from './forwarding.js';

chunkStoreConformance('limited(memory), 2 at once', async () => ({
  open: async () => new ConcurrencyLimitedChunkStore(new MemoryChunkStore(), 2),
  cleanup: async () => {},
}));

/** Holds every call until released; counts how many run at once. */
class GatedChunkStore extends ForwardingChunkStore {
  running = 0;
  peak = 0;
  #gates: (() => void)[] = [];
  protected override async call<T>(_op: Operation, fn: () => Promise<T>): Promise<T> {
    this.running++;
    this.peak = Math.max(this.peak, this.running);
    await new Promise<void>((resolve) => this.#gates.push(resolve));
    try {
      return await fn();
    } finally {
      this.running--;
    }
  }
  release(): void {
    this.#gates.splice(0).forEach((open) => open());
  }
}

const tick = () => new Promise((r) => setImmediate(r));

describe('ConcurrencyLimitedChunkStore', () => {
  test('runs at most `limit` reads and writes at once; the rest wait in order; flush is not held up', async () => {
    const gated = new GatedChunkStore(new MemoryChunkStore());
    const store = new ConcurrencyLimitedChunkStore(gated, 3);
    const data = Array.from({ length: 10 }, (_, i) => Buffer.from(`limit ${i}`));
    const order: number[] = [];
    const puts = data.map((d, i) => store.put(idOf(d), d).then(() => order.push(i)));
    await tick();
    assert.equal(gated.running, 3);
    assert.deepEqual(store.load, { active: 3, waiting: 7 });
    const flush = store.flush(); // not limited: it runs beside the three
    await tick();
    assert.equal(gated.running, 4);
    while (gated.running > 0 || store.load.waiting > 0) {
      gated.release();
      await tick();
    }
    await Promise.all([...puts, flush]);
    assert.equal(gated.peak, 4);
    assert.deepEqual(order, [...order].sort((a, b) => a - b), 'first come, first served');
    assert.deepEqual(store.load, { active: 0, waiting: 0 });
  });

  test('a failed call frees its slot', async () => {
    const store = new ConcurrencyLimitedChunkStore(new MemoryChunkStore(), 1);
    await assert.rejects(store.get(idOf(Buffer.from('missing'))));
    await assert.rejects(store.put('bad id', Buffer.from('x')), TypeError);
    const d = Buffer.from('after');
    await store.put(idOf(d), d);
    assert.ok((await store.get(idOf(d))).equals(d));
  });
});
