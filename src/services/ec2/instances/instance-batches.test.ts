// The lifecycle batches (instance-lifecycle.ts): a handler takes every due job of its kind with
// its own. When its own job was already completed by an earlier batch, the jobs its claim took
// (leased to this node, unknown to the runner) are completed all the same — not left until
// their lease runs out, which held an Auto Scaling group's launch 30 s (failoverMs).
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { launchableImage, openDomain, type DomainHarness } from '../../../../test/helpers/storage-domain.js';
import { createComputeDomain, type ComputeDomain } from '../compute-domain.js';
import { JobRunner, type JobHandler } from '../../../jobs/job-runner.js';
import { Logger } from '../../../logger.js';
import { NoneDriver } from '../../../compute/none-driver.js';

/** A runner that is never started: the test runs the handlers it registers by hand. */
class HandRunner extends JobRunner {
  readonly byKind = new Map<string, JobHandler>();
  override register(kind: string, handler: JobHandler): void {
    this.byKind.set(kind, handler);
    super.register(kind, handler);
  }
}

const caller = { accountId: '111111111111', region: 'us-east-1' };
let h: DomainHarness;
let runner: HandRunner;
let compute: ComputeDomain;
let imageId: string;

before(async () => {
  h = await openDomain();
  const { images, imageId: id } = await launchableImage(h, caller, 'batched');
  imageId = id;
  runner = new HandRunner(h.store.jobs, new Logger('silent'), { owner: 'n1/test' });
  compute = createComputeDomain({ store: h.store, kms: h.kms, blocks: h.blocks, jobs: runner, storage: h, images: images.images, settleMs: 0, driver: new NoneDriver(), node: 'n1' });
});

after(async () => {
  await h.close();
});

test("a batch whose own job another batch completed still completes the jobs its claim took", async () => {
  const ids: string[] = [];
  for (let i = 0; i < 2; i++) ids.push(...(await compute.instances.run(caller, { ImageId: imageId, MinCount: 1, MaxCount: 1, InstanceType: 't3.micro' })).instances.map((r) => r.instance_id));
  const state = async () => (await h.store.instances.getMany(ids)).map((r) => r.state);
  assert.deepEqual(await state(), ['pending', 'pending']);
  // the runner leased a launch job whose instance an earlier batch already started (its row
  // is gone); meanwhile the two launches above fell due
  const done = { job_id: 'completed-by-an-earlier-batch', kind: 'instance.launch', payload: '{"instanceIds":[]}', run_at: new Date().toISOString(), attempts: 0, last_error: null, created_at: new Date().toISOString(), lease_owner: 'n1/test', rerun: 0, node_id: null };
  assert.equal(await runner.byKind.get('instance.launch')!({ instanceIds: [] }, done), 'done');
  assert.deepEqual(await state(), ['running', 'running']);
  assert.equal(await h.store.jobs.count('instance.launch'), 0, 'their jobs are completed, not left leased');
});
