// Metric math unit table: parsing (precedence, arrays, strings, errors, depth), evaluation over
// series with gaps, aggregates of arrays and of one series, FILL modes, RATE/DIFF.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { MathError, evaluate, parseExpression, references, type MathValue, type Series } from './metric-math.js';

const s = (label: string, pts: [number, number][]): Series => ({ label, ts: pts.map(([t]) => t), values: pts.map(([, v]) => v) });
const a = s('a', [[0, 1], [60_000, 2], [120_000, 3]]);
const b = s('b', [[0, 10], [120_000, 30]]);
const grid = [0, 60_000, 120_000];
const ctx = { lookup: (id: string): MathValue => ({ a, b })[id as 'a' | 'b'] ?? (() => { throw new MathError(`unknown ${id}`); })(), metrics: () => [a, b], grid, periodSeconds: 60 };
const run = (e: string) => evaluate(parseExpression(e), ctx);
const pts = (v: MathValue) => (v as Series).ts.map((t, i) => [t / 1000, (v as Series).values[i]]);

test('precedence and associativity', () => {
  assert.equal(run('1 + 2 * 3 ^ 2 - 4 / 2'), 17);
  assert.equal(run('-2 ^ 2'), -4);
  assert.equal(run('(1 + 2) * 3'), 9);
  assert.equal(run('10 - 2 - 3'), 5);
});

test('series arithmetic keeps the timestamps both have; x/0 drops the point', () => {
  assert.deepEqual(pts(run('a + b')), [[0, 11], [120, 33]]);
  assert.deepEqual(pts(run('b / (a - 1)')), [[120, 15]]);
  assert.deepEqual(pts(run('a * 2')), [[0, 2], [60, 4], [120, 6]]);
});

test('aggregates: of an array per timestamp, of one series a number', () => {
  assert.deepEqual(pts(run('SUM([a, b])')), [[0, 11], [60, 2], [120, 33]]);
  assert.deepEqual(pts(run('MAX(METRICS())')), [[0, 10], [60, 2], [120, 30]]);
  assert.equal(run('AVG(a)'), 2);
  assert.equal(run('STDDEV(b)'), 10);
  assert.deepEqual((run("METRICS('b')") as Series[]).map((x) => x.label), ['b']);
  assert.deepEqual((run('[a, b] * 2') as Series[]).map((x) => x.values), [[2, 4, 6], [20, 60]]);
});

test('FILL, RATE, DIFF, PERIOD, point-wise functions', () => {
  assert.deepEqual(pts(run('FILL(b, 5)')), [[0, 10], [60, 5], [120, 30]]);
  assert.deepEqual(pts(run('FILL(b, REPEAT)')), [[0, 10], [60, 10], [120, 30]]);
  assert.deepEqual(pts(run('FILL(b, linear)')), [[0, 10], [60, 20], [120, 30]]);
  assert.deepEqual(pts(run('DIFF(b)')), [[120, 20]]);
  assert.deepEqual(pts(run('RATE(b)')), [[120, 20 / 120]]);
  assert.deepEqual(pts(run('PERIOD(a)')), [[0, 60], [60, 60], [120, 60]]);
  assert.deepEqual(pts(run('ABS(a - 2)')), [[0, 1], [60, 0], [120, 1]]);
  assert.deepEqual(references(parseExpression('FILL(a, REPEAT) + SUM([b])')), ['a', 'b']);
});

test('errors', () => {
  for (const [e, re] of [
    ['1 +', /unexpected end/],
    ['(1', /expected \)/],
    ['1 2', /unexpected '2'/],
    ['FOO(a)', /unsupported function FOO/],
    ['ABS(a, b)', /takes 1 argument/],
    ['[1, 2]', /holds time series/],
    ['FILL(a, b)', /FILL takes a number/],
    ['#', /unexpected '#'/],
  ] as const) {
    assert.throws(() => run(e), (err: unknown) => err instanceof MathError && re.test(err.message), e);
  }
  assert.throws(() => parseExpression('('.repeat(100) + '1' + ')'.repeat(100)), /nested too deeply/);
  assert.throws(() => parseExpression('1+'.repeat(600) + '1'), /longer than/);
});
