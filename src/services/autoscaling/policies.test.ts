// The adjustment arithmetic of scaling policies (Amazon EC2 Auto Scaling User Guide, "Scaling
// adjustment types").
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyAdjustment } from './policies.js';

test('ChangeInCapacity and ExactCapacity', () => {
  assert.equal(applyAdjustment(3, 'ChangeInCapacity', 2), 5);
  assert.equal(applyAdjustment(3, 'ChangeInCapacity', -4), -1, 'the caller clamps to the group bounds');
  assert.equal(applyAdjustment(3, 'ExactCapacity', 7), 7);
});

test('PercentChangeInCapacity rounds toward zero, at least one instance, MinAdjustmentMagnitude', () => {
  assert.equal(applyAdjustment(10, 'PercentChangeInCapacity', 25), 12); // 2.5 -> 2
  assert.equal(applyAdjustment(10, 'PercentChangeInCapacity', -25), 8); // -2.5 -> -2
  assert.equal(applyAdjustment(2, 'PercentChangeInCapacity', 10), 3); // 0.2 -> 1
  assert.equal(applyAdjustment(2, 'PercentChangeInCapacity', -10), 1); // -0.2 -> -1
  assert.equal(applyAdjustment(10, 'PercentChangeInCapacity', 10, 3), 13);
  assert.equal(applyAdjustment(10, 'PercentChangeInCapacity', 0), 10);
});
