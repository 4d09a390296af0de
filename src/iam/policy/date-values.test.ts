import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDateValue } from './date-values.js';

test('W3C ISO 8601 forms and epoch seconds', () => {
  const t = Date.UTC(2020, 0, 1, 0, 0, 1);
  assert.equal(parseDateValue('2020-01-01T00:00:01Z'), t);
  assert.equal(parseDateValue('2020-01-01T00:00:01'), t);
  assert.equal(parseDateValue('2020-01-01T02:00:01+02:00'), t);
  assert.equal(parseDateValue('2019-12-31T23:00:01-0100'), t);
  assert.equal(parseDateValue('2020-01-01t00:00:01.000z'), t);
  assert.equal(parseDateValue('2020-01-01T00:00Z'), Date.UTC(2020, 0, 1));
  assert.equal(parseDateValue('2020-01-01'), Date.UTC(2020, 0, 1));
  assert.equal(parseDateValue('2020-01'), Date.UTC(2020, 0, 1));
  assert.equal(parseDateValue('2020'), 2020_000);
  assert.equal(parseDateValue(String(t / 1000)), t);
});

test('nonsense is NaN', () => {
  for (const bad of ['yesterday', '2020-13-01', '2020-01-01T25:00Z', '', '2020-01-01 00:00:00']) assert.ok(Number.isNaN(parseDateValue(bad)), bad);
});
