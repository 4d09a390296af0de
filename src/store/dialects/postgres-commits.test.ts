// The barrier's bookkeeping (no database): what it flushes, when a synchronous commit made that
// unnecessary, and how concurrent callers share one flush.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CommitTracker } from './postgres-commits.js';

function tracker() {
  const flushes: (() => void)[] = [];
  const t = new CommitTracker(() => new Promise<void>((resolve) => flushes.push(resolve)));
  return { t, flushes };
}

test('commit tracker: nothing written, nothing flushed', async () => {
  const { t, flushes } = tracker();
  await t.barrier();
  assert.equal(flushes.length, 0);
});

test('commit tracker: an asynchronous commit is flushed once, by callers waiting together', async () => {
  const { t, flushes } = tracker();
  t.asyncCommitted();
  let done = 0;
  const waiting = [t.barrier(), t.barrier()].map((p) => p.then(() => done++));
  await new Promise((r) => setImmediate(r));
  assert.equal(flushes.length, 1);
  assert.equal(done, 0);
  flushes[0]();
  await Promise.all(waiting);
  assert.equal(done, 2);
  await t.barrier();
  assert.equal(flushes.length, 1, 'flushed already');
});

test('commit tracker: a synchronous commit that wrote covers what returned before it was sent, not after', async () => {
  const { t, flushes } = tracker();
  t.asyncCommitted();
  const covers = t.mark();
  t.asyncCommitted(); // returned while the synchronous commit was on its way
  t.flushedUpTo(covers);
  const b = t.barrier();
  await new Promise((r) => setImmediate(r));
  assert.equal(flushes.length, 1, 'the later commit still needs a flush');
  flushes[0]();
  await b;
  t.asyncCommitted();
  t.flushedUpTo(t.mark());
  await t.barrier();
  assert.equal(flushes.length, 1);
});

test('commit tracker: a write after a flush began waits for the next flush', async () => {
  const { t, flushes } = tracker();
  t.asyncCommitted();
  const first = t.barrier();
  await new Promise((r) => setImmediate(r));
  t.asyncCommitted();
  const second = t.barrier();
  flushes[0]();
  await first;
  await new Promise((r) => setImmediate(r));
  assert.equal(flushes.length, 2);
  flushes[1]();
  await second;
});

test('commit tracker: a failed flush fails its callers; the next barrier tries again', async () => {
  const t = new CommitTracker(async () => {
    throw new Error('connection lost');
  });
  t.asyncCommitted();
  await assert.rejects(t.barrier(), /connection lost/);
  await assert.rejects(t.barrier(), /connection lost/);
});
