import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { PageTokens } from './page-tokens.js';

const binding = { op: 'DescribeImages', account: '111111111111', filters: [{ Name: 'name', Values: ['a*'] }] };

test('a token names its position for its query, under the same key (another process, another node)', () => {
  const key = randomBytes(32);
  const token = new PageTokens(key).encode(binding, 'ami-0123456789abcdef0');
  assert.equal(new PageTokens(key).decode(binding, token), 'ami-0123456789abcdef0');
});

test('another query, another key, or a changed token is refused', () => {
  const key = randomBytes(32);
  const tokens = new PageTokens(key);
  const token = tokens.encode(binding, 'ami-0123456789abcdef0');
  assert.equal(tokens.decode({ ...binding, op: 'DescribeSnapshots' }, token), undefined);
  assert.equal(new PageTokens(randomBytes(32)).decode(binding, token), undefined);
  const [body, mac] = token.split('.');
  const forged = Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(body, 'base64url').toString()), p: 'ami-f' })).toString('base64url');
  assert.equal(tokens.decode(binding, `${forged}.${mac}`), undefined);
  for (const junk of ['', '.', 'x', 'x.y', `${body}.`, '\u0000.\u0000']) assert.equal(tokens.decode(binding, junk), undefined);
});
