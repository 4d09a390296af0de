// The cron evaluator: fields, names, steps, day-of-month/day-of-week union, time zones and DST.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CronError, isTimeZone, nextFire, parseCron } from './cron.js';

const next = (expr: string, after: string, tz?: string) => nextFire(parseCron(expr), new Date(after), tz)?.toISOString();

test('fields: lists, ranges, steps, names', () => {
  const s = parseCron('*/15 9-17/4 * JAN,jul MON-FRI');
  assert.deepEqual(s.minutes, [0, 15, 30, 45]);
  assert.deepEqual(s.hours, [9, 13, 17]);
  assert.deepEqual([...s.months], [1, 7]);
  assert.deepEqual([...s.weekdays].sort(), [1, 2, 3, 4, 5]);
  assert.deepEqual([...parseCron('0 0 * * 7').weekdays], [0]);
  assert.deepEqual(parseCron('5/20 * * * *').minutes, [5, 25, 45]);
});

test('invalid expressions are refused', () => {
  for (const bad of ['* * * *', '60 * * * *', '* 24 * * *', '* * 0 * *', '* * * 13 *', '* * * * 8', '*/0 * * * *', '5-1 * * * *', 'a * * * *', '1,,2 * * * *']) {
    assert.throws(() => parseCron(bad), CronError, bad);
  }
});

test('next fire time in UTC, strictly after', () => {
  assert.equal(next('30 0 1 1,6,12 *', '2026-01-01T00:30:00Z'), '2026-06-01T00:30:00.000Z');
  assert.equal(next('0 10 * * *', '2026-12-06T09:59:59Z'), '2026-12-06T10:00:00.000Z');
  assert.equal(next('0 10 * * *', '2026-12-06T10:00:00Z'), '2026-12-07T10:00:00.000Z');
  assert.equal(next('* * * * *', '2026-12-31T23:59:30Z'), '2027-01-01T00:00:00.000Z');
  assert.equal(next('0 0 29 2 *', '2026-03-01T00:00:00Z'), '2028-02-29T00:00:00.000Z');
  assert.equal(next('0 0 31 2 *', '2026-03-01T00:00:00Z'), undefined);
});

test('day of month and day of week both restricted: either matches', () => {
  // 2026-12-06 is a Sunday; the 15th is a Tuesday
  assert.equal(next('0 0 15 * MON', '2026-12-06T12:00:00Z'), '2026-12-07T00:00:00.000Z');
  assert.equal(next('0 0 15 * MON', '2026-12-14T12:00:00Z'), '2026-12-15T00:00:00.000Z');
  // only day of week restricted: only Mondays
  assert.equal(next('0 0 * * MON', '2026-12-07T12:00:00Z'), '2026-12-14T00:00:00.000Z');
});

test('time zones', () => {
  assert.ok(isTimeZone('Europe/Paris'));
  assert.ok(!isTimeZone('Mars/Olympus'));
  // 08:00 in Paris is 07:00Z in winter, 06:00Z in summer
  assert.equal(next('0 8 * * *', '2026-12-06T00:00:00Z', 'Europe/Paris'), '2026-12-06T07:00:00.000Z');
  assert.equal(next('0 8 * * *', '2026-07-01T00:00:00Z', 'Europe/Paris'), '2026-07-01T06:00:00.000Z');
  assert.equal(next('0 9 * * *', '2026-12-06T00:00:00Z', 'America/New_York'), '2026-12-06T14:00:00.000Z');
  // the local day differs from the UTC day
  assert.equal(next('0 23 * * SUN', '2026-12-06T12:00:00Z', 'Asia/Tokyo'), '2026-12-06T14:00:00.000Z');
  assert.equal(next('30 0 * * *', '2026-12-06T10:00:00Z', 'Asia/Kolkata'), '2026-12-06T19:00:00.000Z');
});

test('DST: a skipped wall-clock time does not fire that day, a repeated one fires once', () => {
  // New York springs forward on 2026-03-08 at 02:00 -> 03:00
  assert.equal(next('30 2 * * *', '2026-03-07T12:00:00Z', 'America/New_York'), '2026-03-09T06:30:00.000Z');
  assert.equal(next('30 3 * * *', '2026-03-07T12:00:00Z', 'America/New_York'), '2026-03-08T07:30:00.000Z');
  // and falls back on 2026-11-01 at 02:00 -> 01:00: 01:30 happens twice (EDT 05:30Z, EST 06:30Z)
  assert.equal(next('30 1 * * *', '2026-10-31T12:00:00Z', 'America/New_York'), '2026-11-01T05:30:00.000Z');
  assert.equal(next('30 1 * * *', '2026-11-01T05:30:00Z', 'America/New_York'), '2026-11-02T06:30:00.000Z');
  // hourly across the fall-back hour: every instant once, in order
  const fires: string[] = [];
  let at = new Date('2026-11-01T04:00:00Z');
  for (let i = 0; i < 4; i++) {
    at = nextFire(parseCron('0 * * * *'), at, 'America/New_York')!;
    fires.push(at.toISOString());
  }
  assert.deepEqual(fires, ['2026-11-01T05:00:00.000Z', '2026-11-01T07:00:00.000Z', '2026-11-01T08:00:00.000Z', '2026-11-01T09:00:00.000Z']);
});
