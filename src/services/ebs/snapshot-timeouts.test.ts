// The idle Timeout of StartSnapshot with a moved clock (its minimum is 10 minutes): the durable
// job's decisions, writes pushing the deadline, and the deadline surviving a restart.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { BLOCK_SIZE } from '../../blocks/block-size.js';
import { JobRunner } from '../../jobs/job-runner.js';
import { Logger } from '../../logger.js';
import { isServiceError } from '../../protocol/service-error.js';
import { openDomain, type DomainHarness } from '../../../test/helpers/storage-domain.js';
import { ebsDomain, type EbsDomain } from './index.js';
import { TIMEOUT_JOB } from './snapshot-timeouts.js';

const MIN = 60_000;
const alice = { accountId: '111111111111', region: 'us-east-1' };
let h: DomainHarness;
let now = Date.now();
const masterKey = randomBytes(32);
const make = (): EbsDomain => ebsDomain({ storage: h, blocks: h.blocks, store: h.store, jobs: new JobRunner(h.store.jobs, new Logger('silent')), masterKey, now: () => now });

before(async () => {
  h = await openDomain();
});
after(() => h.close());

async function write(ebs: EbsDomain, snapshotId: string, index: number): Promise<void> {
  const data = randomBytes(BLOCK_SIZE);
  await ebs.writes.putBlock(alice, { snapshotId, index, data, dataLength: BLOCK_SIZE, checksum: createHash('sha256').update(data).digest('base64') });
}

/** When the snapshot's idle clock started (its start, recorded as its first activity). */
async function armedAt(snapshotId: string): Promise<number> {
  const row = (await h.store.snapshots.get(snapshotId))!;
  return Date.parse(row.last_write_at ?? row.start_time);
}

const rejects = (p: Promise<unknown>, reason: string) =>
  assert.rejects(p, (e: unknown) => isServiceError(e) && e.code === 'ValidationException' && e.fields?.Reason === reason);

test('an idle pending snapshot goes to error at its deadline; each write moves the deadline', async () => {
  const ebs = make();
  const s = await ebs.writes.start(alice, { volumeSizeGib: 1, tags: [], timeoutMinutes: 10 });
  now = await armedAt(s.snapshotId); // the deadline counts from the snapshot's start
  const jobs = await h.store.jobs.due(new Date(Date.now() + 11 * MIN), 100);
  assert.ok(jobs.some((j) => j.kind === TIMEOUT_JOB && JSON.parse(j.payload).snapshotId === s.snapshotId), 'a durable job is armed');
  const map = (await h.store.snapshots.get(s.snapshotId))!.map_id;
  assert.ok(Date.parse((await h.blocks.getMap(map))!.lease_until!) > now + 10 * MIN, 'the upload map is leased past the deadline');

  now += 9 * MIN;
  assert.deepEqual(await ebs.timeouts.check(s.snapshotId), { retryInMs: MIN });
  await write(ebs, s.snapshotId, 0); // at minute 9: the deadline becomes minute 19
  now += 10 * MIN - 1;
  assert.deepEqual(await ebs.timeouts.check(s.snapshotId), { retryInMs: 1 });
  assert.equal((await h.store.snapshots.get(s.snapshotId))!.state, 'pending');
  now += 1;
  assert.equal(await ebs.timeouts.check(s.snapshotId), 'done');
  const row = (await h.store.snapshots.get(s.snapshotId))!;
  assert.equal(row.state, 'error');
  assert.match(row.state_message!, /10 minutes/);
  await rejects(write(ebs, s.snapshotId, 1), 'INVALID_SNAPSHOT_ID');
  await rejects(ebs.writes.complete(alice, { snapshotId: s.snapshotId, changedBlocksCount: 1 }), 'INVALID_SNAPSHOT_ID');
});

test('the last write time is persisted: a restarted server keeps the deadline', async () => {
  const ebs = make();
  const s = await ebs.writes.start(alice, { volumeSizeGib: 1, tags: [] }); // default Timeout: 60 minutes
  now = await armedAt(s.snapshotId);
  now += 50 * MIN;
  await write(ebs, s.snapshotId, 3);
  const restarted = make(); // knows nothing in memory
  now += 59 * MIN;
  assert.deepEqual(await restarted.timeouts.check(s.snapshotId), { retryInMs: MIN });
  now += MIN;
  assert.equal(await restarted.timeouts.check(s.snapshotId), 'done');
  assert.equal((await h.store.snapshots.get(s.snapshotId))!.state, 'error');
});

test('a completed (or completing) snapshot is left alone', async () => {
  const ebs = make();
  const s = await ebs.writes.start(alice, { volumeSizeGib: 1, tags: [], timeoutMinutes: 10 });
  await write(ebs, s.snapshotId, 0);
  assert.deepEqual(await ebs.writes.complete(alice, { snapshotId: s.snapshotId, changedBlocksCount: 1 }), { status: 'pending' });
  now += 60 * MIN;
  assert.equal(await ebs.timeouts.check(s.snapshotId), 'done');
  await h.settle();
  assert.equal((await h.store.snapshots.get(s.snapshotId))!.state, 'completed');
  assert.equal(await ebs.timeouts.check(s.snapshotId), 'done');
  assert.equal(await ebs.timeouts.check('snap-0123456789abcdef0'), 'done');
});
