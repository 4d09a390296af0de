import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PolicyCache } from './policy-cache.js';
import { PolicyDocumentError } from './policy-document-error.js';

const doc = (action: string) => JSON.stringify({ Version: '2012-10-17', Statement: [{ Effect: 'Allow', Action: action, Resource: '*' }] });

test('compiles a text once per kind and hands back the same object', () => {
  const cache = new PolicyCache(10);
  const a = cache.get(doc('ec2:*'), 'identity');
  assert.equal(cache.get(doc('ec2:*'), 'identity'), a);
  assert.notEqual(cache.get(doc('ec2:*'), 'boundary'), a);
  assert.equal(cache.size, 1);
});

test('evicts the least recently used text beyond its bound', () => {
  const cache = new PolicyCache(2);
  const one = cache.get(doc('a:1'), 'identity');
  cache.get(doc('a:2'), 'identity');
  cache.get(doc('a:1'), 'identity'); // a:1 is now the most recent
  cache.get(doc('a:3'), 'identity'); // evicts a:2
  assert.equal(cache.size, 2);
  assert.equal(cache.get(doc('a:1'), 'identity'), one);
  const before = cache.get(doc('a:3'), 'identity');
  assert.equal(cache.get(doc('a:3'), 'identity'), before);
});

test('a malformed document throws and is not kept', () => {
  const cache = new PolicyCache();
  assert.throws(() => cache.get('{', 'identity'), PolicyDocumentError);
  assert.throws(() => cache.get(doc('a:1'), 'resource'), { message: 'Missing required field Principal' });
  assert.equal(cache.size, 0);
});
