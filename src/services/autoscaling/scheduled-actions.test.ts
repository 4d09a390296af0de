// When a scheduled action runs next: its StartTime first, then its Recurrence from there, never
// after its EndTime.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { nextRun } from './scheduled-actions.js';

const action = (a: { start?: string; end?: string; recurrence?: string; zone?: string }) => ({
  start_time: a.start ?? null,
  end_time: a.end ?? null,
  recurrence: a.recurrence ?? null,
  time_zone: a.zone ?? null,
});
const iso = (d: Date | undefined) => d?.toISOString();

test('one-time: at its start time, then never', () => {
  const a = action({ start: '2026-12-06T10:00:00.000Z' });
  assert.equal(iso(nextRun(a, new Date('2026-12-06T09:00:00Z'), true)), '2026-12-06T10:00:00.000Z');
  assert.equal(nextRun(a, new Date('2026-12-06T10:00:00Z'), false), undefined);
});

test('recurring with a start time: the start first, then the schedule after it', () => {
  const a = action({ start: '2026-12-06T10:00:30.000Z', recurrence: '*/15 * * * *' });
  assert.equal(iso(nextRun(a, new Date('2026-12-06T09:00:00Z'), true)), '2026-12-06T10:00:30.000Z');
  assert.equal(iso(nextRun(a, new Date('2026-12-06T10:00:30Z'), false)), '2026-12-06T10:15:00.000Z');
  // put later than its start: the next occurrence of the schedule
  assert.equal(iso(nextRun(a, new Date('2026-12-06T11:01:00Z'), true)), '2026-12-06T11:15:00.000Z');
});

test('recurring without a start time, in a time zone', () => {
  const a = action({ recurrence: '0 9 * * *', zone: 'Asia/Tokyo' });
  assert.equal(iso(nextRun(a, new Date('2026-12-06T01:00:00Z'), true)), '2026-12-07T00:00:00.000Z');
});

test('EndTime bounds a recurrence', () => {
  const a = action({ recurrence: '0 * * * *', end: '2026-12-06T11:30:00.000Z' });
  assert.equal(iso(nextRun(a, new Date('2026-12-06T10:10:00Z'), true)), '2026-12-06T11:00:00.000Z');
  assert.equal(nextRun(a, new Date('2026-12-06T11:00:00Z'), false), undefined);
});
