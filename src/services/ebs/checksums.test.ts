import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { claimedSha256, linearAggregates, sha256, ZERO_BLOCK_SHA256 } from './checksums.js';

test('block checksums name a digest only as canonical base64 of 32 bytes', () => {
  const d = sha256(Buffer.from('hello'));
  assert.equal(claimedSha256(d.toString('base64')), d.toString('hex'));
  assert.equal(claimedSha256(d.toString('base64').replace(/=$/, '')), undefined);
  assert.equal(claimedSha256(d.subarray(0, 31).toString('base64')), undefined);
  assert.equal(claimedSha256(''), undefined);
  assert.equal(ZERO_BLOCK_SHA256.toString('hex'), createHash('sha256').update(Buffer.alloc(524288)).digest('hex'));
});

test('LINEAR aggregates: over the concatenated base64 strings and over the raw digests', () => {
  const digests = [sha256(Buffer.from('a')), sha256(Buffer.from('b'))];
  const [strings, raw] = linearAggregates(digests);
  assert.equal(strings, createHash('sha256').update(digests.map((d) => d.toString('base64')).join('')).digest('base64'));
  assert.equal(raw, createHash('sha256').update(Buffer.concat(digests)).digest('base64'));
  assert.notEqual(strings, raw);
});
