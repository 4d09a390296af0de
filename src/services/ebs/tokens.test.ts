import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { BLOCK_TOKEN_TTL_MS, EbsTokens } from './tokens.js';

const CHUNK = 'ab'.repeat(32);

test('block tokens: valid for their snapshot, index and content until expiry; survive a new instance', () => {
  const key = randomBytes(32);
  let now = Date.UTC(2025, 0, 1);
  const tokens = new EbsTokens(key, () => now);
  const expiry = tokens.expiry();
  const token = tokens.blockToken('snap-0123456789abcdef0', 7, CHUNK, expiry);
  assert.match(token, /^[A-Za-z0-9+/=]+$/);
  assert.ok(token.length <= 256);
  assert.equal(tokens.checkBlockToken(token, 'snap-0123456789abcdef0', 7, CHUNK), 'valid');
  // a restarted server derives the same secret from the same master key
  assert.equal(new EbsTokens(key, () => now).checkBlockToken(token, 'snap-0123456789abcdef0', 7, CHUNK), 'valid');
  assert.equal(new EbsTokens(randomBytes(32), () => now).checkBlockToken(token, 'snap-0123456789abcdef0', 7, CHUNK), 'invalid');
  // bound to snapshot, index and content
  assert.equal(tokens.checkBlockToken(token, 'snap-0123456789abcdef1', 7, CHUNK), 'invalid');
  assert.equal(tokens.checkBlockToken(token, 'snap-0123456789abcdef0', 8, CHUNK), 'invalid');
  assert.equal(tokens.checkBlockToken(token, 'snap-0123456789abcdef0', 7, 'cd'.repeat(32)), 'invalid');
  assert.equal(tokens.checkBlockToken(token, 'snap-0123456789abcdef0', 7, undefined), 'invalid');
  // expiry
  now += BLOCK_TOKEN_TTL_MS - 1000;
  assert.equal(tokens.checkBlockToken(token, 'snap-0123456789abcdef0', 7, CHUNK), 'valid');
  now += 1000;
  assert.equal(tokens.checkBlockToken(token, 'snap-0123456789abcdef0', 7, CHUNK), 'expired');
});

test('block tokens: forgeries are invalid', () => {
  const tokens = new EbsTokens(randomBytes(32));
  const token = tokens.blockToken('snap-0123456789abcdef0', 1, CHUNK, tokens.expiry());
  const raw = Buffer.from(token, 'base64');
  const later = Buffer.from(raw);
  later.writeUInt32BE(raw.readUInt32BE(1) + 3600, 1); // extend the expiry
  const flipped = Buffer.from(raw);
  flipped[20] ^= 1;
  for (const forged of [later.toString('base64'), flipped.toString('base64'), token.slice(0, -4), 'AAAA', `${token}AAAA`, token.replace(/=+$/, ''), ''.padEnd(52, 'A')]) {
    assert.equal(tokens.checkBlockToken(forged, 'snap-0123456789abcdef0', 1, CHUNK), 'invalid', forged);
  }
});

test('page tokens round-trip only within their listing', () => {
  const tokens = new EbsTokens(randomBytes(32));
  const t = tokens.pageToken('blocks snap-1', 4096);
  assert.match(t, /^[A-Za-z0-9+/=]+$/);
  assert.equal(tokens.parsePageToken(t, 'blocks snap-1'), 4096);
  assert.equal(tokens.parsePageToken(t, 'blocks snap-2'), undefined);
  assert.equal(tokens.parsePageToken('QUJDRA==', 'blocks snap-1'), undefined);
  assert.equal(tokens.parsePageToken(tokens.blockToken('snap-1', 0, CHUNK, 1), 'blocks snap-1'), undefined);
});
