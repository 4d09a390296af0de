// Reads with a moved clock: block tokens expire (ValidationException INVALID_BLOCK_TOKEN), and a
// fresh listing issues working ones again.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { BLOCK_SIZE } from '../../blocks/block-size.js';
import { JobRunner } from '../../jobs/job-runner.js';
import { Logger } from '../../logger.js';
import { isServiceError } from '../../protocol/service-error.js';
import { openDomain, type DomainHarness } from '../../../test/helpers/storage-domain.js';
import { ebsDomain } from './index.js';
import { BLOCK_TOKEN_TTL_MS } from './tokens.js';

const alice = { accountId: '111111111111', region: 'us-east-1' };
let h: DomainHarness;

before(async () => {
  h = await openDomain();
});
after(() => h.close());

test('block tokens expire after their validity; a new listing reads again', async () => {
  let now = Date.now();
  const ebs = ebsDomain({ storage: h, blocks: h.blocks, store: h.store, jobs: new JobRunner(h.store.jobs, new Logger('silent')), masterKey: randomBytes(32), now: () => now });
  const s = await ebs.writes.start(alice, { volumeSizeGib: 1, tags: [] });
  const data = randomBytes(BLOCK_SIZE);
  await ebs.writes.putBlock(alice, { snapshotId: s.snapshotId, index: 9, data, dataLength: BLOCK_SIZE, checksum: createHash('sha256').update(data).digest('base64') });
  await ebs.writes.complete(alice, { snapshotId: s.snapshotId, changedBlocksCount: 1 });
  await h.settle();

  const listing = await ebs.reads.listBlocks(alice, s.snapshotId, {});
  assert.equal(listing.expiryTime.getTime(), Math.floor((now + BLOCK_TOKEN_TTL_MS) / 1000) * 1000);
  const token = listing.items[0].token;
  assert.ok((await ebs.reads.getBlock(alice, s.snapshotId, 9, token)).data.equals(data));
  now = listing.expiryTime.getTime();
  await assert.rejects(
    ebs.reads.getBlock(alice, s.snapshotId, 9, token),
    (e: unknown) => isServiceError(e) && e.code === 'ValidationException' && e.fields?.Reason === 'INVALID_BLOCK_TOKEN' && /expired/.test(e.message),
  );
  const fresh = await ebs.reads.listBlocks(alice, s.snapshotId, {});
  const block = await ebs.reads.getBlock(alice, s.snapshotId, 9, fresh.items[0].token);
  assert.ok(block.data.equals(data));
  assert.equal(block.checksum, createHash('sha256').update(data).digest('base64'));
});
