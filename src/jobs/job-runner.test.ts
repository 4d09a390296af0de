// The job runner's scheduling against a real store: a job scheduled far ahead (during a tick or
// not) never pushes back one that is due sooner, keyed jobs (`ensure`) are created once,
// brought forward, and run again when asked while running; runners sharing a queue run each job
// once, and take over the jobs of one that died once its leases end.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../store/store.js';
import { Logger } from '../logger.js';
import { JobRunner } from './job-runner.js';

/** Resolves when `check` holds, polling every 5 ms (bounded by attempts, not by a clock). */
async function eventually(what: string, check: () => boolean, attempts = 400): Promise<void> {
  for (let i = 0; i < attempts; i++) {
    if (check()) return;
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error(`never: ${what}`);
}

describe('JobRunner', () => {
  let dir: string;
  let store: Store;
  let runner: JobRunner;

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imago-jobs-'));
    store = await Store.open({ dataDir: dir, durability: 'normal' });
    // a long poll interval: only wake-ups can make these jobs run in time
    runner = new JobRunner(store.jobs, new Logger('silent'), { pollMs: 3600_000 });
    runner.start();
  });
  after(async () => {
    await runner.stop();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  test('a job scheduled an hour ahead does not delay one due now', async () => {
    const ran: string[] = [];
    runner.register('t.soon', async () => {
      ran.push('soon');
      return 'done';
    });
    runner.register('t.later', async () => 'done');
    await runner.schedule('t.soon', {}, 20);
    await runner.schedule('t.later', {}, 3600_000);
    await eventually('the soon job ran', () => ran.includes('soon'));
  });

  test('a far job scheduled during a tick does not delay a job that reschedules itself soon', async () => {
    let runs = 0;
    runner.register('t.far', async () => 'done');
    runner.register('t.loop', async () => {
      runs++;
      if (runs === 1) await runner.schedule('t.far', {}, 3600_000);
      return runs < 3 ? { retryInMs: 10 } : 'done';
    });
    await runner.schedule('t.loop', {}, 0);
    await eventually('the looping job ran three times', () => runs === 3);
  });

  test('ensure creates a keyed job once, brings it forward, and re-runs a running one', async () => {
    let runs = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    runner.register('t.keyed', async () => {
      runs++;
      if (runs === 1) await gate;
      return { retryInMs: 3600_000 };
    });
    await runner.ensure('keyed/1', 't.keyed', {});
    await runner.ensure('keyed/1', 't.keyed', {});
    await eventually('first run started', () => runs === 1);
    // asked again while running: it runs once more right after, not in an hour
    await runner.ensure('keyed/1', 't.keyed', {});
    release();
    await eventually('second run', () => runs === 2);
    assert.equal(await store.jobs.count('t.keyed'), 1);
    // parked an hour ahead; ensure brings it forward
    await runner.ensure('keyed/1', 't.keyed', {});
    await eventually('third run', () => runs === 3);
  });

  test('two runners on one queue run every job exactly once', async () => {
    const second = new JobRunner(store.jobs, new Logger('silent'), { pollMs: 20 });
    const runs = new Map<number, number>();
    const count = async (p: unknown) => {
      const n = (p as { n: number }).n;
      runs.set(n, (runs.get(n) ?? 0) + 1);
      await new Promise((r) => setTimeout(r, 1));
      return 'done' as const;
    };
    runner.register('t.once', count);
    second.register('t.once', count);
    second.start();
    try {
      for (let n = 0; n < 150; n++) await store.jobs.insert({ job_id: `once-${n}`, kind: 't.once', payload: JSON.stringify({ n }), run_at: new Date().toISOString() });
      runner.notify(0);
      await eventually('all ran', () => runs.size === 150, 2000);
      await runner.drain();
      await second.drain();
      assert.ok([...runs.values()].every((v) => v === 1), 'a job ran twice');
      assert.equal(await store.jobs.count('t.once'), 0);
    } finally {
      await second.stop();
    }
  });

  test("a dead runner's job is taken over when its lease ends, and a live one's lease is renewed", async () => {
    let ran = 0;
    runner.register('t.orphan', async () => {
      ran++;
      return 'done';
    });
    // a node claimed it and died: nobody renews its lease. The lease is long beside the 50 ms
    // looked at while it holds: a loaded machine stalls this process for tens of ms
    await store.jobs.insert({ job_id: 'orphan', kind: 't.orphan', payload: '{}', run_at: new Date().toISOString() });
    assert.equal((await store.jobs.claim('dead-node', new Date(), 500, 10, 't.orphan')).length, 1);
    runner.notify(0);
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(ran, 0, 'ran while leased');
    await eventually('taken over', () => ran === 1, 1000);

    // a slow job on a live runner keeps its lease well past one lease length. The lease leaves
    // room for a stalled event loop: renewed every 100 ms (a third of it), a 90 ms lease renewed
    // every 50 ms lapses when this process stalls 40 ms (a loaded machine), and the thief runs it
    const quick = new JobRunner(store.jobs, new Logger('silent'), { pollMs: 20, leaseMs: 300 });
    const thief = new JobRunner(store.jobs, new Logger('silent'), { pollMs: 20, leaseMs: 300 });
    let slowRuns = 0;
    let finish!: () => void;
    const gate = new Promise<void>((r) => (finish = r));
    for (const r of [quick, thief]) {
      r.register('t.slow', async () => {
        slowRuns++;
        await gate;
        return 'done';
      });
    }
    quick.start();
    try {
      await quick.schedule('t.slow', {});
      await eventually('started', () => slowRuns === 1);
      thief.start();
      await new Promise((r) => setTimeout(r, 1000));
      assert.equal(slowRuns, 1, 'another runner took a job whose lease was being renewed');
      finish();
    } finally {
      finish();
      await quick.stop();
      await thief.stop();
    }
    assert.equal(await store.jobs.count('t.slow'), 0);
  });

  test('jobs a handler claims for itself (a batch) keep their leases while it runs', async () => {
    const batcher = new JobRunner(store.jobs, new Logger('silent'), { pollMs: 3600_000, owner: 'batcher', leaseMs: 300 });
    let release!: () => void;
    const held = new Promise<void>((r) => (release = r));
    let took: string[] = [];
    batcher.register('t.batch', async (_p, job) => {
      // like a lifecycle batch: once the others are due, its kind's due jobs, leased to this owner
      await new Promise((r) => setTimeout(r, 200));
      const jobs = await store.jobs.claimKind(job.lease_owner!, new Date(), batcher.leaseMs, 't.batch');
      batcher.adopt(job, jobs.map((j) => j.job_id));
      took = jobs.map((j) => j.job_id).sort();
      await held;
      return 'done';
    });
    // the runner claims b-1 alone; b-2 and b-3 fall due while its handler runs
    const soon = new Date(Date.now() + 100).toISOString();
    await store.jobs.insert({ job_id: 'b-2', kind: 't.batch', payload: '{}', run_at: soon });
    await store.jobs.insert({ job_id: 'b-3', kind: 't.batch', payload: '{}', run_at: soon });
    await store.jobs.insert({ job_id: 'b-1', kind: 't.batch', payload: '{}', run_at: new Date().toISOString() });
    batcher.start();
    try {
      await eventually('the batch took the jobs due', () => took.length > 0);
      assert.deepEqual(took, ['b-1', 'b-2', 'b-3']);
      // three lease lengths later, none of them can be taken by another node
      await new Promise((r) => setTimeout(r, 1000));
      const thief = await store.jobs.claim('thief', new Date(), 60_000, 10, 't.batch');
      assert.deepEqual(thief.map((j) => j.job_id), [], 'a job the batch took lost its lease while the batch ran');
    } finally {
      release();
      await batcher.stop();
      for (const id of ['b-2', 'b-3']) await store.jobs.finish(id, 'batcher', new Date());
    }
    assert.equal(await store.jobs.count('t.batch'), 0);
  });

  test("a restarted node takes back at once the jobs its earlier process held, and no other node's", async () => {
    // the earlier process (n1/old) claimed two jobs with long leases and was killed; n2 holds one
    const ran: string[] = [];
    const store2 = store;
    for (const id of ['mine-1', 'mine-2', 'theirs']) await store2.jobs.insert({ job_id: id, kind: 't.restart', payload: JSON.stringify(id), run_at: new Date().toISOString() });
    const claimed = await store2.jobs.claim('n1/old', new Date(), 3600_000, 2, 't.restart');
    const mine = claimed.map((j) => j.job_id);
    assert.equal(mine.length, 2);
    assert.equal((await store2.jobs.claim('n2/live', new Date(), 3600_000, 1, 't.restart')).length, 1);
    const restarted = new JobRunner(store2.jobs, new Logger('silent'), { pollMs: 3600_000, owner: 'n1/new', predecessors: 'n1/' });
    restarted.register('t.restart', async (payload) => {
      ran.push(String(payload));
      return 'done';
    });
    restarted.start();
    try {
      await eventually('the earlier process\'s jobs ran', () => ran.length === 2, 1000);
      assert.deepEqual(ran.sort(), mine.sort());
      await new Promise((r) => setTimeout(r, 50));
      assert.equal(ran.length, 2, "another node's lease was left alone");
    } finally {
      await restarted.stop();
    }
  });
  test("a due job pinned to another live node does not keep this runner looking, and its own jobs still run", async () => {
    // a store of its own: the suite's runner (no placement) would take the pinned job
    const own = mkdtempSync(join(tmpdir(), 'imago-jobs-pinned-'));
    const store = await Store.open({ dataDir: own, durability: 'normal' });
    await store.nodes.register({ node_id: 'other', url: 'http://127.0.0.1:1', compute: 'none', blocks: 'local', started_at: new Date().toISOString() }, new Date());
    await store.jobs.insert({ job_id: 'pinned-elsewhere', kind: 't.pinned', payload: '{}', run_at: new Date().toISOString(), node_id: 'other' });
    // the runner's view of the queue, counting how often it asks when the next job falls due
    let looks = 0;
    const counted = Object.create(store.jobs) as typeof store.jobs;
    counted.next = (placement) => {
      looks++;
      return store.jobs.next(placement);
    };
    const ran: string[] = [];
    const mine = new JobRunner(counted, new Logger('silent'), { pollMs: 3600_000, owner: 'me/1', placement: () => ({ node: 'me', liveSince: new Date(Date.now() - 60_000) }) });
    mine.register('t.pinned', async () => {
      ran.push('pinned');
      return 'done';
    });
    mine.register('t.mine', async () => {
      ran.push('mine');
      return 'done';
    });
    mine.start();
    try {
      await new Promise((r) => setTimeout(r, 300));
      assert.ok(looks <= 4, `looked ${looks} times in 300 ms`);
      await mine.schedule('t.mine', {}, 10);
      await eventually('its own job ran', () => ran.includes('mine'));
      assert.deepEqual(ran, ['mine'], "the other node's job was left to it");
    } finally {
      await mine.stop();
      await store.close();
      rmSync(own, { recursive: true, force: true });
    }
  });
});
