import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { checksumMatches, linearAggregates, sha256, ZERO_BLOCK_SHA256 } from './checksums.js';

test('block checksums compare as canonical base64 of the digest', () => {
  const d = sha256(Buffer.from('hello'));
  assert.ok(checksumMatches(d.toString('base64'), d));
  assert.ok(!checksumMatches(sha256(Buffer.from('hellO')).toString('base64'), d));
  assert.ok(!checksumMatches(d.toString('base64').replace(/=$/, ''), d));
  assert.ok(!checksumMatches('', d));
  assert.equal(ZERO_BLOCK_SHA256.toString('hex'), createHash('sha256').update(Buffer.alloc(524288)).digest('hex'));
});

test('LINEAR aggregates: over the concatenated base64 strings and over the raw digests', () => {
  const digests = [sha256(Buffer.from('a')), sha256(Buffer.from('b'))];
  const [strings, raw] = linearAggregates(digests);
  assert.equal(strings, createHash('sha256').update(digests.map((d) => d.toString('base64')).join('')).digest('base64'));
  assert.equal(raw, createHash('sha256').update(Buffer.concat(digests)).digest('base64'));
  assert.notEqual(strings, raw);
});
