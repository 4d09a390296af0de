// When a scheduled action runs next: its StartTime first, then its Recurrence from there, never
// after its EndTime; and two nodes (two stores and job runners on one database) run each due
// action exactly once.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { JobRunner } from '../../jobs/job-runner.js';
import { Logger } from '../../logger.js';
import { Store } from '../../store/store.js';
import { LaunchTemplateService } from '../ec2/launch-templates/launch-template-service.js';
import { createContext } from './asg-context.js';
import type { AsgCompute } from './compute-port.js';
import { GroupService } from './group-service.js';
import { noSubnets } from './placement.js';
import { nextRun, ScheduledActions } from './scheduled-actions.js';

const action = (a: { start?: string; end?: string; recurrence?: string; zone?: string }) => ({
  start_time: a.start ?? null,
  end_time: a.end ?? null,
  recurrence: a.recurrence ?? null,
  time_zone: a.zone ?? null,
});
const iso = (d: Date | undefined) => d?.toISOString();

test('one-time: at its start time, then never', () => {
  const a = action({ start: '2026-12-06T10:00:00.000Z' });
  assert.equal(iso(nextRun(a, new Date('2026-12-06T09:00:00Z'), true)), '2026-12-06T10:00:00.000Z');
  assert.equal(nextRun(a, new Date('2026-12-06T10:00:00Z'), false), undefined);
});

test('recurring with a start time: the start first, then the schedule after it', () => {
  const a = action({ start: '2026-12-06T10:00:30.000Z', recurrence: '*/15 * * * *' });
  assert.equal(iso(nextRun(a, new Date('2026-12-06T09:00:00Z'), true)), '2026-12-06T10:00:30.000Z');
  assert.equal(iso(nextRun(a, new Date('2026-12-06T10:00:30Z'), false)), '2026-12-06T10:15:00.000Z');
  // put later than its start: the next occurrence of the schedule
  assert.equal(iso(nextRun(a, new Date('2026-12-06T11:01:00Z'), true)), '2026-12-06T11:15:00.000Z');
});

test('recurring without a start time, in a time zone', () => {
  const a = action({ recurrence: '0 9 * * *', zone: 'Asia/Tokyo' });
  assert.equal(iso(nextRun(a, new Date('2026-12-06T01:00:00Z'), true)), '2026-12-07T00:00:00.000Z');
});

test('EndTime bounds a recurrence', () => {
  const a = action({ recurrence: '0 * * * *', end: '2026-12-06T11:30:00.000Z' });
  assert.equal(iso(nextRun(a, new Date('2026-12-06T10:10:00Z'), true)), '2026-12-06T11:00:00.000Z');
  assert.equal(nextRun(a, new Date('2026-12-06T11:00:00Z'), false), undefined);
});

test('two nodes run each due action once', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'imago-sched-nodes-'));
  const caller = { accountId: '111111111111', region: 'us-east-1' };
  const nodes = [];
  let runs = 0;
  try {
    for (let i = 0; i < 2; i++) {
      const store = await Store.open({ dataDir: dir, durability: 'normal' });
      const images = { getVisible: async () => ({}) };
      const templates = new LaunchTemplateService({ store, images });
      const timing = { busyMs: 10, idleMs: 100, retryBaseMs: 50, retryMaxMs: 400 };
      const ctx = { ...createContext({ store, templates, images, compute: {} as AsgCompute, subnets: noSubnets, timing }), kick: () => {} };
      const runner = new JobRunner(store.jobs, new Logger('silent'), { pollMs: 20, leaseMs: 2000 });
      const groups = new GroupService(ctx);
      nodes.push({ store, ctx, templates, runner, groups, scheduled: new ScheduledActions(ctx, groups, runner, undefined) });
    }
    const [a] = nodes;
    const { template } = await a.templates.create(caller, { LaunchTemplateName: 'sched-lt', LaunchTemplateData: { ImageId: 'ami-0aaaaaaaaaaaaaaaa', InstanceType: 't3.micro' } }, () => {});
    await a.groups.create(caller, { AutoScalingGroupName: 'g', MinSize: 0, MaxSize: 10, AvailabilityZones: ['us-east-1a'], LaunchTemplate: { LaunchTemplateId: template.LaunchTemplateId } });
    // each executed occurrence is one unit of work on some node
    for (const n of nodes) {
      const transaction = n.store.transaction.bind(n.store);
      n.store.transaction = ((fn: never) => {
        runs++;
        return transaction(fn);
      }) as typeof n.store.transaction;
      n.runner.start();
    }
    const at = new Date(Date.now() + 300);
    for (let i = 1; i <= 4; i++) await nodes[i % 2].scheduled.put(caller, 'g', { ScheduledActionName: `a${i}`, StartTime: at, MaxSize: 10 + i });
    for (let i = 0; i < 200 && (await a.store.autoscalingConfig.scheduledActions(caller, 'g')).length > 0; i++) await new Promise((r) => setTimeout(r, 25));
    assert.deepEqual(await a.store.autoscalingConfig.scheduledActions(caller, 'g'), []);
    assert.equal(runs, 4);
    assert.ok([11, 12, 13, 14].includes((await a.store.autoscalingGroups.get(caller, 'g'))!.max_size));
  } finally {
    for (const n of nodes) await n.runner.stop();
    for (const n of nodes) await n.store.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
