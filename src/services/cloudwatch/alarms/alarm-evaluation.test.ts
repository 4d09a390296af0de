// The metric alarm state machine against AWS's tables ("Configuring how CloudWatch alarms treat
// missing data": 3 of 3 and 2 of 3 over a five-period evaluation range), M of N, high
// resolution, thresholds met exactly, low-sample percentiles, and AWS's reason wording.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate, evaluationIntervalMs, evaluationRange, javaDouble, minimumSamples, reasonTime, type AlarmState, type EvaluationSettings, type TreatMissingData } from './alarm-evaluation.js';

const NOW = new Date('2026-12-06T10:05:07.000Z');

/** '0 - X - X' with LessThanThreshold 2: 0 is 3.0 (fine), X is 1.0 (breaching), - is missing. */
function rangeOf(pattern: string, period = 60) {
  const cells = pattern.trim().split(/\s+/);
  const starts = evaluationRange(period, cells.length - 2, NOW);
  return cells.map((c, i) => ({ timestamp: starts[i]!, ...(c === '-' ? {} : { value: c === 'X' ? 1 : 3, sampleCount: 1 }) }));
}

function run(pattern: string, m: number, treat: TreatMissingData, state: AlarmState = 'INSUFFICIENT_DATA'): AlarmState | 'retain' {
  const settings: EvaluationSettings = { period: 60, evaluationPeriods: 3, datapointsToAlarm: m, threshold: 2, comparisonOperator: 'LessThanThreshold', treatMissingData: treat, statistic: 'Average' };
  const r = evaluate({ settings, state, range: rangeOf(pattern), now: NOW });
  return r === 'retain' ? r : r.state;
}

const TREATS: TreatMissingData[] = ['missing', 'ignore', 'breaching', 'notBreaching'];

test('AWS table: 3 out of 3, each TreatMissingData', () => {
  const table: [string, (AlarmState | 'retain')[]][] = [
    ['0 - X - X', ['OK', 'OK', 'OK', 'OK']],
    ['0 - - - -', ['OK', 'OK', 'OK', 'OK']],
    ['- - - - -', ['INSUFFICIENT_DATA', 'retain', 'ALARM', 'OK']],
    ['0 X X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['- - X - -', ['ALARM', 'retain', 'ALARM', 'OK']],
  ];
  for (const [pattern, expected] of table) {
    TREATS.forEach((t, i) => assert.equal(run(pattern, 3, t), expected[i], `${pattern} ${t}`));
  }
});

test('AWS table: 2 out of 3 (M of N), each TreatMissingData', () => {
  const table: [string, (AlarmState | 'retain')[]][] = [
    ['0 - X - X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['0 0 X 0 X', ['ALARM', 'ALARM', 'ALARM', 'ALARM']],
    ['0 - X - -', ['OK', 'OK', 'ALARM', 'OK']],
    ['- - - - 0', ['OK', 'OK', 'ALARM', 'OK']],
    ['- - - X -', ['ALARM', 'retain', 'ALARM', 'OK']],
  ];
  for (const [pattern, expected] of table) {
    TREATS.forEach((t, i) => assert.equal(run(pattern, 2, t), expected[i], `${pattern} ${t}`));
  }
});

test('with every period present only the last N count; an older breach falls out of the window', () => {
  assert.equal(run('X X 0 0 0', 1, 'missing', 'ALARM'), 'OK');
  assert.equal(run('X X X 0 0', 1, 'missing', 'ALARM'), 'ALARM');
});

test('a value equal to the threshold breaches only the -OrEqualTo operators', () => {
  const base = { period: 60, evaluationPeriods: 1, threshold: 50, treatMissingData: 'missing' as const };
  const range = [{ timestamp: new Date('2026-12-06T10:04:00Z'), value: 50 }];
  const at = (op: EvaluationSettings['comparisonOperator']) => {
    const r = evaluate({ settings: { ...base, comparisonOperator: op }, state: 'OK', range, now: NOW });
    return r === 'retain' ? r : r.state;
  };
  assert.equal(at('GreaterThanOrEqualToThreshold'), 'ALARM');
  assert.equal(at('GreaterThanThreshold'), 'OK');
  assert.equal(at('LessThanOrEqualToThreshold'), 'ALARM');
  assert.equal(at('LessThanThreshold'), 'OK');
});

test('reason and reason data as AWS words them', () => {
  const settings: EvaluationSettings = { period: 60, evaluationPeriods: 3, threshold: 50, comparisonOperator: 'GreaterThanThreshold', statistic: 'Average' };
  const starts = evaluationRange(60, 3, NOW);
  const values = [undefined, undefined, 75.2, 71, 88.5];
  const range = starts.map((t, i) => ({ timestamp: t, ...(values[i] === undefined ? {} : { value: values[i], sampleCount: 1 }) }));
  const r = evaluate({ settings, state: 'OK', range, now: NOW });
  assert.notEqual(r, 'retain');
  if (r === 'retain') return;
  assert.equal(r.state, 'ALARM');
  assert.equal(r.reason, 'Threshold Crossed: 3 out of the last 3 datapoints [88.5 (06/12/26 10:04:00), 71.0 (06/12/26 10:03:00), 75.2 (06/12/26 10:02:00)] were greater than the threshold (50.0) (minimum 3 datapoints for OK -> ALARM transition).');
  const data = JSON.parse(r.reasonData);
  assert.equal(data.version, '1.0');
  assert.equal(data.queryDate, '2026-12-06T10:05:07.000+0000');
  assert.equal(data.startDate, '2026-12-06T10:02:00.000+0000');
  assert.equal(data.statistic, 'Average');
  assert.equal(data.period, 60);
  assert.deepEqual(data.recentDatapoints, [75.2, 71, 88.5]);
  assert.equal(data.threshold, 50);
  assert.deepEqual(data.evaluatedDatapoints[0], { timestamp: '2026-12-06T10:04:00.000+0000', sampleCount: 1, value: 88.5 });

  const back = evaluate({ settings: { ...settings, evaluationPeriods: 1 }, state: 'ALARM', range: [{ timestamp: starts[4]!, value: 12 }], now: NOW });
  assert.ok(back !== 'retain');
  assert.equal(back.reason, 'Threshold Crossed: 1 out of the last 1 datapoints [12.0 (06/12/26 10:04:00)] was not greater than the threshold (50.0) (minimum 1 datapoint for ALARM -> OK transition).');

  const none = evaluate({ settings, state: 'OK', range: starts.map((t) => ({ timestamp: t })), now: NOW });
  assert.ok(none !== 'retain');
  assert.equal(none.state, 'INSUFFICIENT_DATA');
  assert.equal(none.reason, 'Insufficient Data: 3 datapoints were unknown.');

  const breaching = evaluate({ settings: { ...settings, treatMissingData: 'breaching' }, state: 'OK', range: starts.map((t) => ({ timestamp: t })), now: NOW });
  assert.ok(breaching !== 'retain');
  assert.equal(breaching.reason, 'Threshold Crossed: no datapoints were received for 3 periods and 3 missing datapoints were treated as [Breaching].');
});

test('M of N: ALARM -> OK needs N - M + 1 good datapoints', () => {
  assert.equal(run('0 X 0 X 0', 2, 'missing', 'ALARM'), 'OK');
  assert.equal(run('0 0 X X 0', 2, 'missing', 'ALARM'), 'ALARM');
});

test('high resolution: 10-second periods, evaluated every 10 s; long alarms hourly', () => {
  const starts = evaluationRange(10, 3, NOW);
  assert.deepEqual(starts.map((d) => d.toISOString().slice(11, 19)), ['10:04:10', '10:04:20', '10:04:30', '10:04:40', '10:04:50']);
  assert.equal(evaluationIntervalMs(10, 3), 10_000);
  assert.equal(evaluationIntervalMs(30, 3), 10_000);
  assert.equal(evaluationIntervalMs(60, 5), 60_000);
  assert.equal(evaluationIntervalMs(3600, 25), 3_600_000);
  const settings: EvaluationSettings = { period: 10, evaluationPeriods: 2, threshold: 80, comparisonOperator: 'GreaterThanOrEqualToThreshold', statistic: 'Maximum' };
  const r = evaluate({ settings, state: 'INSUFFICIENT_DATA', range: starts.map((t, i) => ({ timestamp: t, value: i >= 3 ? 95 : 10 })), now: NOW });
  assert.ok(r !== 'retain');
  assert.equal(r.state, 'ALARM');
  assert.match(r.reason, /\[95\.0 \(06\/12\/26 10:04:50\), 95\.0 \(06\/12\/26 10:04:40\)\]/);
  assert.match(r.reason, /INSUFFICIENT_DATA -> ALARM/);
});

test('low-sample percentiles keep the state when told to ignore them', () => {
  assert.equal(minimumSamples('p90'), 100);
  assert.equal(minimumSamples('p99'), 1000);
  assert.equal(minimumSamples(undefined), 0);
  const settings: EvaluationSettings = { period: 60, evaluationPeriods: 1, threshold: 1, comparisonOperator: 'GreaterThanThreshold', extendedStatistic: 'p90' };
  const range = [{ timestamp: new Date('2026-12-06T10:04:00Z'), value: 5, sampleCount: 20 }];
  assert.equal(evaluate({ settings: { ...settings, evaluateLowSampleCountPercentile: 'ignore' }, state: 'OK', range, now: NOW }), 'retain');
  const r = evaluate({ settings: { ...settings, evaluateLowSampleCountPercentile: 'evaluate' }, state: 'OK', range, now: NOW });
  assert.ok(r !== 'retain' && r.state === 'ALARM');
  assert.equal(JSON.parse(r.reasonData).extendedStatistic, 'p90');
});

test('numbers and times as AWS prints them', () => {
  assert.equal(javaDouble(50), '50.0');
  assert.equal(javaDouble(75.2), '75.2');
  assert.equal(javaDouble(0), '0.0');
  assert.equal(javaDouble(-3), '-3.0');
  assert.equal(javaDouble(12345678), '1.2345678E7');
  assert.equal(javaDouble(0.0001), '1.0E-4');
  assert.equal(reasonTime(new Date('2026-01-02T03:04:05Z')), '02/01/26 03:04:05');
});
