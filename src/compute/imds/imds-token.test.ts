import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { ImdsTokens } from './imds-token.js';

const key = randomBytes(32);
const tokens = new ImdsTokens(key);
const T0 = 1_800_000_000_000;

test('a token is valid for its instance until its TTL ends, and says how long it has left', () => {
  const token = tokens.issue('i-0aaa', 60, T0);
  assert.match(token, /^[A-Za-z0-9_-]{55}$/);
  assert.equal(tokens.remainingMs('i-0aaa', token, T0), 60_000);
  assert.equal(tokens.remainingMs('i-0aaa', token, T0 + 59_999), 1);
  assert.equal(tokens.remainingMs('i-0aaa', token, T0 + 60_000), undefined, 'expired');
});

test('stateless: another service with the same key (a restart) accepts it; another key does not', () => {
  const token = tokens.issue('i-0aaa', 21_600, T0);
  assert.equal(new ImdsTokens(Buffer.from(key)).remainingMs('i-0aaa', token, T0 + 1000), 21_599_000);
  assert.equal(new ImdsTokens(randomBytes(32)).remainingMs('i-0aaa', token, T0), undefined);
});

test('bound to the instance: another instance refuses it', () => {
  const token = tokens.issue('i-0aaa', 60, T0);
  assert.equal(tokens.remainingMs('i-0bbb', token, T0), undefined);
  assert.equal(tokens.remainingMs('i-0aa', token, T0), undefined);
});

test('forged, extended and malformed tokens are refused', () => {
  const token = tokens.issue('i-0aaa', 1, T0);
  const bytes = Buffer.from(token, 'base64url');
  bytes.writeBigUInt64BE(BigInt(T0 + 3_600_000), 1); // later expiry, same MAC
  assert.equal(tokens.remainingMs('i-0aaa', bytes.toString('base64url'), T0), undefined);
  for (const bad of ['', 'x', token.slice(1), `${token}A`, token.replace(/^./, '+'), 'A'.repeat(55), token.toUpperCase()]) {
    assert.equal(tokens.remainingMs('i-0aaa', bad, T0), undefined, bad);
  }
  assert.throws(() => new ImdsTokens(Buffer.alloc(8)), /128 bits/);
});
