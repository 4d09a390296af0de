// The job runner's scheduling against a real store: a job scheduled far ahead (during a tick or
// not) never pushes back one that is due sooner, and keyed jobs (`ensure`) are created once,
// brought forward, and run again when asked while running.
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
    runner = new JobRunner(store.jobs, new Logger('silent'), 3600_000);
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
});
