// The policy table: adjustment types, step boundaries, warm-up, cooldown, target tracking and
// min/max clamps (Amazon EC2 Auto Scaling User Guide: "Scaling adjustment types", "Step
// adjustments", "Set the default instance warmup", "Target tracking scaling policies").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { StepAdjustment } from '../../api/autoscaling/types.js';
import {
  aggregate,
  applyAdjustment,
  checkSteps,
  countWarm,
  findStep,
  largest,
  simpleDecision,
  stepDecision,
  targetAlarmShapes,
  targetDecision,
  warmupSeconds,
  type GroupCapacity,
} from './scaling-math.js';

test('adjustment types: the rounding rules and MinAdjustmentMagnitude', () => {
  const rows: [number, string, number, number | undefined, number][] = [
    [3, 'ChangeInCapacity', 2, undefined, 5],
    [3, 'ChangeInCapacity', -4, undefined, -1], // the caller clamps
    [3, 'ExactCapacity', 7, undefined, 7],
    [10, 'PercentChangeInCapacity', 25, undefined, 12], // 2.5 -> 2 (values above 1 round down)
    [10, 'PercentChangeInCapacity', -25, undefined, 8], // -2.5 -> -2 (values below -1 round up)
    [3, 'PercentChangeInCapacity', 22, undefined, 4], // .66 -> 1
    [3, 'PercentChangeInCapacity', -19, undefined, 2], // -.57 -> -1
    [60, 'PercentChangeInCapacity', -11, undefined, 54], // -6.6 -> -6
    [4, 'PercentChangeInCapacity', 25, 2, 6], // the guide's example: 25% of 4 is 1, magnitude 2
    [4, 'PercentChangeInCapacity', -25, 2, 2],
    [10, 'PercentChangeInCapacity', 0, 3, 10],
  ];
  for (const [current, type, adj, min, want] of rows) assert.equal(applyAdjustment(current, type, adj, min), want, `${type} ${adj} of ${current} (min ${min})`);
});

// threshold 50: [0,10) +1, [10,20) +2, [20,∞) +3 ; (-10,0] -1, (-∞,-10] -2
const steps: StepAdjustment[] = [
  { MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 },
  { MetricIntervalLowerBound: 10, MetricIntervalUpperBound: 20, ScalingAdjustment: 2 },
  { MetricIntervalLowerBound: 20, ScalingAdjustment: 3 },
];
const down: StepAdjustment[] = [
  { MetricIntervalLowerBound: -10, MetricIntervalUpperBound: 0, ScalingAdjustment: -1 },
  { MetricIntervalUpperBound: -10, ScalingAdjustment: -2 },
];

test('step boundaries: relative to the threshold, lower inclusive above it, upper inclusive below it', () => {
  const rows: [StepAdjustment[], number, 'above' | 'below' | undefined, number | undefined][] = [
    [steps, 50, 'above', 1],
    [steps, 59.99, 'above', 1],
    [steps, 60, 'above', 2],
    [steps, 70, 'above', 3],
    [steps, 1000, 'above', 3],
    [steps, 49, 'above', undefined], // no step: AWS's "No step adjustment found for metric value"
    [down, 50, 'below', -1], // 40 < x <= 50
    [down, 40.5, 'below', -1],
    [down, 40, 'below', -2],
    [down, 10, 'below', -2],
    [down, 50, undefined, -1], // ExecutePolicy with MetricValue = BreachThreshold: the side that has a step
    [steps, 50, undefined, 1],
  ];
  for (const [s, metric, side, want] of rows) assert.equal(findStep(s, metric, 50, side)?.ScalingAdjustment, want, `metric ${metric} ${side}`);
});

test('step rules of PutScalingPolicy', () => {
  assert.equal(checkSteps(steps), undefined);
  assert.equal(checkSteps(down), undefined);
  assert.match(checkSteps([{ ScalingAdjustment: 1 }])!, /cannot both be null/);
  assert.match(checkSteps([{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 5, ScalingAdjustment: 2 }])!, /overlap/);
  assert.match(checkSteps([{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 15, ScalingAdjustment: 2 }])!, /gaps/);
  assert.match(checkSteps([{ MetricIntervalLowerBound: 0, MetricIntervalUpperBound: 10, ScalingAdjustment: 1 }])!, /null upper bound/);
  assert.match(checkSteps([{ MetricIntervalLowerBound: -10, MetricIntervalUpperBound: 0, ScalingAdjustment: -1 }])!, /null lower bound/);
  assert.match(checkSteps([{ MetricIntervalLowerBound: 0, ScalingAdjustment: 1 }, { MetricIntervalLowerBound: 10, ScalingAdjustment: 1 }])!, /(null upper bound|overlap)/);
  assert.match(checkSteps([{ MetricIntervalLowerBound: 10, MetricIntervalUpperBound: 5, ScalingAdjustment: 1 }])!, /less than/);
});

test('MetricAggregationType', () => {
  assert.equal(aggregate([40, 60, 80]), 60);
  assert.equal(aggregate([40, 60, 80], 'Minimum'), 40);
  assert.equal(aggregate([40, 60, 80], 'Maximum'), 80);
});

const cap = (c: Partial<GroupCapacity>): GroupCapacity => ({ desired: 4, min: 1, max: 10, ready: 4, warming: 0, ...c });

test('warm-up: which instances count, and the default chain policy -> group -> DefaultCooldown', () => {
  const now = Date.parse('2026-12-06T10:10:00Z');
  const members = [
    { state: 'InService', inServiceAt: '2026-12-06T10:00:00Z' }, // 600 s ago
    { state: 'InService', inServiceAt: '2026-12-06T10:09:00Z' }, // 60 s ago
    { state: 'Pending' },
    { state: 'Terminating' },
    { state: 'Standby', inServiceAt: '2026-12-06T10:00:00Z' },
  ];
  assert.deepEqual(countWarm(members, 300, now), { ready: 1, warming: 2 });
  assert.deepEqual(countWarm(members, 0, now), { ready: 2, warming: 1 });
  assert.equal(warmupSeconds(120, 60, 300), 120);
  assert.equal(warmupSeconds(undefined, 60, 300), 60);
  assert.equal(warmupSeconds(undefined, 0, 300), 0);
  assert.equal(warmupSeconds(undefined, -1, 300), 300);
  assert.equal(warmupSeconds(undefined, undefined, 300), 300);
});

test('step scaling: warming instances do not count, a repeated breach of the same step changes nothing, scale-in waits', () => {
  assert.deepEqual(stepDecision(cap({}), 'ChangeInCapacity', 1), { change: true, from: 4, to: 5 });
  // the one added is warming up: the same breach again proposes 4 + 1 = 5 = desired
  assert.deepEqual(stepDecision(cap({ desired: 5, ready: 4, warming: 1 }), 'ChangeInCapacity', 1), { change: false, reason: 'the desired capacity already matches' });
  // a larger step while it warms up adds only the difference
  assert.deepEqual(stepDecision(cap({ desired: 5, ready: 4, warming: 1 }), 'ChangeInCapacity', 2), { change: true, from: 5, to: 6 });
  assert.equal(stepDecision(cap({ desired: 5, ready: 4, warming: 1 }), 'ChangeInCapacity', -1).change, false);
  assert.deepEqual(stepDecision(cap({}), 'ChangeInCapacity', -1), { change: true, from: 4, to: 3 });
  assert.deepEqual(stepDecision(cap({}), 'PercentChangeInCapacity', 50), { change: true, from: 4, to: 6 });
  assert.deepEqual(stepDecision(cap({}), 'ExactCapacity', 2), { change: true, from: 4, to: 2 });
});

test('min/max clamps: the change stops at the bound, and a group at its bound does not change', () => {
  assert.deepEqual(stepDecision(cap({ max: 5 }), 'ChangeInCapacity', 3), { change: true, from: 4, to: 5, wanted: 7 });
  assert.deepEqual(stepDecision(cap({ desired: 5, ready: 5, max: 5 }), 'ChangeInCapacity', 3), { change: false, reason: 'the group is at its bound' });
  assert.deepEqual(stepDecision(cap({ min: 3 }), 'ChangeInCapacity', -3), { change: true, from: 4, to: 3, wanted: 1 });
  assert.deepEqual(simpleDecision(cap({ max: 6 }), 'ExactCapacity', 9, undefined, false), { change: true, from: 4, to: 6, wanted: 9 });
});

test('simple scaling: from the desired capacity, nothing in cooldown', () => {
  assert.deepEqual(simpleDecision(cap({ ready: 1, warming: 3 }), 'ChangeInCapacity', 1, undefined, false), { change: true, from: 4, to: 5 });
  assert.deepEqual(simpleDecision(cap({}), 'ChangeInCapacity', 1, undefined, true), { change: false, reason: 'cooldown' });
  assert.deepEqual(simpleDecision(cap({}), 'PercentChangeInCapacity', -10, undefined, false), { change: true, from: 4, to: 3 });
});

test('target tracking: proportional, up on scale-out, down on scale-in, DisableScaleIn, warm-up', () => {
  assert.deepEqual(targetDecision(cap({ desired: 1, ready: 1 }), 90, 50, false), { change: true, from: 1, to: 2 }); // 1.8 -> 2
  assert.deepEqual(targetDecision(cap({ desired: 1, ready: 1 }), 100, 50, false), { change: true, from: 1, to: 2 }); // exactly 2
  assert.deepEqual(targetDecision(cap({ desired: 1, ready: 1 }), 101, 50, false), { change: true, from: 1, to: 3 });
  assert.deepEqual(targetDecision(cap({}), 60, 50, false), { change: true, from: 4, to: 5 }); // 4.8 -> 5
  assert.deepEqual(targetDecision(cap({}), 30, 50, false), { change: true, from: 4, to: 2 }); // 2.4 -> 2
  assert.deepEqual(targetDecision(cap({}), 44, 50, false), { change: true, from: 4, to: 3 }); // 3.52 -> 3
  assert.deepEqual(targetDecision(cap({ min: 3 }), 10, 50, false), { change: true, from: 4, to: 3, wanted: 0 });
  assert.equal(targetDecision(cap({}), 30, 50, true).change, false);
  assert.equal(targetDecision(cap({ desired: 5, ready: 4, warming: 1 }), 30, 50, false).change, false);
  // the warming instance is not counted: 4 * 60/50 = 4.8 -> 5 = desired already
  assert.equal(targetDecision(cap({ desired: 5, ready: 4, warming: 1 }), 60, 50, false).change, false);
  assert.equal(targetDecision(cap({ desired: 2, ready: 0, warming: 2 }), 90, 50, false).change, false);
  assert.deepEqual(targetDecision(cap({ max: 3, desired: 1, ready: 1 }), 400, 50, false), { change: true, from: 1, to: 3, wanted: 8 });
});

test('several alarms at once: the largest capacity wins', () => {
  const c = cap({});
  const picked = largest([stepDecision(c, 'ChangeInCapacity', 1), simpleDecision(c, 'PercentChangeInCapacity', 100, undefined, false), targetDecision(c, 60, 50, false)]);
  assert.deepEqual(picked, { change: true, from: 4, to: 8 });
  assert.equal(largest([{ change: false, reason: 'x' }])?.change, false);
});

test("the managed alarms' shapes", () => {
  assert.deepEqual(targetAlarmShapes(50, false), [
    { suffix: 'AlarmHigh', comparison: 'GreaterThanThreshold', threshold: 50, evaluationPeriods: 3 },
    { suffix: 'AlarmLow', comparison: 'LessThanThreshold', threshold: 45, evaluationPeriods: 15 },
  ]);
  assert.equal(targetAlarmShapes(40, true).length, 1);
  assert.equal(targetAlarmShapes(40, false)[1]!.threshold, 36);
});
