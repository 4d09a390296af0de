// The arithmetic of dynamic scaling, pure (no store, no clock of its own): what a simple, step or
// target tracking policy asks the desired capacity to become, as the Amazon EC2 Auto Scaling
// User Guide describes it.
//
//   adjustment types   ChangeInCapacity adds, ExactCapacity sets, PercentChangeInCapacity adds a
//                      percentage of the current capacity: results in (0,1) become 1, in (-1,0)
//                      become -1, others round toward zero; MinAdjustmentMagnitude is a floor on
//                      the size of a percentage change.
//   step adjustments   bounds are relative to the alarm's threshold (breach delta = aggregated
//                      metric - threshold). Above the threshold a step's lower bound is inclusive
//                      and its upper bound exclusive; below it, the reverse. The metric values an
//                      alarm hands over are aggregated by the policy's MetricAggregationType.
//   warm-up            step and target tracking policies count only instances that finished their
//                      warm-up (EstimatedInstanceWarmup, else the group's DefaultInstanceWarmup,
//                      else its DefaultCooldown) as current capacity; a scale-out never lowers the
//                      desired capacity (a second breach of the same size while the first
//                      instances warm up changes nothing), and scale-in waits until no instance
//                      is warming up.
//   target tracking    the capacity that brings the metric to its target, proportionally:
//                      rounded up on scale-out, down on scale-in; DisableScaleIn stops the latter.
//   simple scaling     from the desired capacity; while the group is in its cooldown (the
//                      policy's Cooldown, else the group's DefaultCooldown) the alarm is ignored.
//   bounds             the result is clamped to [MinSize, MaxSize]; when policies conflict the one
//                      giving the largest capacity wins.
import type { StepAdjustment } from '../../api/autoscaling/types.js';

export type AdjustmentType = 'ChangeInCapacity' | 'ExactCapacity' | 'PercentChangeInCapacity';
export const ADJUSTMENT_TYPES: readonly AdjustmentType[] = ['ChangeInCapacity', 'ExactCapacity', 'PercentChangeInCapacity'];
export type AggregationType = 'Average' | 'Minimum' | 'Maximum';
export const AGGREGATION_TYPES: readonly AggregationType[] = ['Average', 'Minimum', 'Maximum'];

/** The capacity an adjustment gives (not yet clamped to the group's bounds). */
export function applyAdjustment(current: number, type: string, adjustment: number, minMagnitude?: number): number {
  if (type === 'ExactCapacity') return adjustment;
  if (type === 'ChangeInCapacity') return current + adjustment;
  const raw = (current * adjustment) / 100;
  let change = Math.abs(raw) < 1 && raw !== 0 ? Math.sign(raw) : Math.trunc(raw);
  if (minMagnitude !== undefined && change !== 0 && Math.abs(change) < minMagnitude) change = Math.sign(change) * minMagnitude;
  return current + change;
}

export const clamp = (n: number, min: number, max: number) => Math.min(max, Math.max(min, n));

/** Which side of the threshold the alarm watches: GreaterThan* alarms breach above, LessThan* below. */
export type BreachSide = 'above' | 'below';
export const sideOf = (comparisonOperator: string | undefined): BreachSide | undefined =>
  comparisonOperator?.startsWith('Greater') ? 'above' : comparisonOperator?.startsWith('Less') ? 'below' : undefined;

/** The step whose interval holds `metric - threshold` (AWS's inclusive/exclusive rule per side). */
export function findStep(steps: readonly StepAdjustment[], metric: number, threshold: number, side?: BreachSide): StepAdjustment | undefined {
  const delta = metric - threshold;
  const inside = (s: StepAdjustment, sideNow: BreachSide) => {
    const lo = s.MetricIntervalLowerBound;
    const hi = s.MetricIntervalUpperBound;
    if (sideNow === 'above') return (lo === undefined || delta >= lo) && (hi === undefined || delta < hi);
    return (lo === undefined || delta > lo) && (hi === undefined || delta <= hi);
  };
  const sides: BreachSide[] = side ? [side] : delta > 0 ? ['above'] : delta < 0 ? ['below'] : ['above', 'below'];
  for (const s of sides) {
    const hit = steps.find((step) => inside(step, s));
    if (hit) return hit;
  }
  return undefined;
}

/** PutScalingPolicy's rules for StepAdjustments: an error message, or undefined when they hold. */
export function checkSteps(steps: readonly StepAdjustment[]): string | undefined {
  const lo = (s: StepAdjustment) => s.MetricIntervalLowerBound ?? -Infinity;
  const hi = (s: StepAdjustment) => s.MetricIntervalUpperBound ?? Infinity;
  for (const s of steps) {
    if (s.MetricIntervalLowerBound === undefined && s.MetricIntervalUpperBound === undefined) return 'Upper and lower bound of a step adjustment cannot both be null.';
    if (lo(s) >= hi(s)) return `The lower bound ${lo(s)} of a step adjustment must be less than its upper bound ${hi(s)}.`;
  }
  if (steps.filter((s) => s.MetricIntervalLowerBound === undefined).length > 1) return 'Only one step adjustment can have a null lower bound.';
  if (steps.filter((s) => s.MetricIntervalUpperBound === undefined).length > 1) return 'Only one step adjustment can have a null upper bound.';
  const sorted = [...steps].sort((a, b) => lo(a) - lo(b));
  for (let i = 1; i < sorted.length; i++) {
    if (hi(sorted[i - 1]!) > lo(sorted[i]!)) return 'Step adjustment intervals must not overlap.';
    if (hi(sorted[i - 1]!) < lo(sorted[i]!)) return 'Step adjustment intervals must not have gaps between them.';
  }
  if (steps.some((s) => lo(s) < 0) && !steps.some((s) => s.MetricIntervalLowerBound === undefined)) {
    return 'A step adjustment with a negative lower bound requires a step adjustment with a null lower bound.';
  }
  if (steps.some((s) => hi(s) > 0 && hi(s) !== Infinity) && !steps.some((s) => s.MetricIntervalUpperBound === undefined)) {
    return 'A step adjustment with a positive upper bound requires a step adjustment with a null upper bound.';
  }
  return undefined;
}

export function aggregate(values: readonly number[], type: AggregationType = 'Average'): number {
  if (values.length === 0) throw new Error('aggregate: no values');
  if (type === 'Minimum') return Math.min(...values);
  if (type === 'Maximum') return Math.max(...values);
  return values.reduce((a, b) => a + b, 0) / values.length;
}

/** The warm-up a step or target tracking policy applies, in seconds. */
export const warmupSeconds = (policyWarmup: number | undefined, groupWarmup: number | undefined, defaultCooldown: number) =>
  policyWarmup ?? (groupWarmup !== undefined && groupWarmup >= 0 ? groupWarmup : defaultCooldown);

/** A member as the warm-up rule sees it. */
export interface MemberClock {
  state: string;
  /** when it entered InService (ISO), if it has */
  inServiceAt?: string | null;
}

/** Counts the group's members that are ready (InService past the warm-up) and warming up (Pending, or InService within it). */
export function countWarm(members: readonly MemberClock[], warmupSec: number, now: number): { ready: number; warming: number } {
  let ready = 0;
  let warming = 0;
  for (const m of members) {
    if (m.state.startsWith('Pending') || m.state === 'Launching') warming++; // Pending, Pending:Wait, Pending:Proceed
    else if (m.state === 'InService') {
      const since = m.inServiceAt ? Date.parse(m.inServiceAt) : 0;
      if (now - since < warmupSec * 1000) warming++;
      else ready++;
    }
  }
  return { ready, warming };
}

export interface GroupCapacity {
  desired: number;
  min: number;
  max: number;
  /** InService instances past their warm-up */
  ready: number;
  /** instances still warming up */
  warming: number;
}

/** What a policy decided: a new desired capacity, or why nothing changes. */
export type Decision =
  | { change: true; from: number; to: number; /** the unclamped proposal, when the bounds cut it */ wanted?: number }
  | { change: false; reason: string };

function settle(cap: GroupCapacity, proposal: number, direction: 'out' | 'in' | 'set'): Decision {
  let next = proposal;
  // while instances warm up, a scale-out never undoes capacity already asked for
  if (direction === 'out') next = Math.max(cap.desired, proposal);
  if (direction === 'in') next = Math.min(cap.desired, proposal);
  const bounded = clamp(next, cap.min, cap.max);
  if (bounded === cap.desired) return { change: false, reason: bounded !== next ? 'the group is at its bound' : 'the desired capacity already matches' };
  return bounded !== next ? { change: true, from: cap.desired, to: bounded, wanted: next } : { change: true, from: cap.desired, to: bounded };
}

/** A simple scaling policy (or ExecutePolicy of one): from the desired capacity, unless in cooldown. */
export function simpleDecision(cap: GroupCapacity, type: string, adjustment: number, minMagnitude: number | undefined, inCooldown: boolean): Decision {
  if (inCooldown) return { change: false, reason: 'cooldown' };
  return settle(cap, applyAdjustment(cap.desired, type, adjustment, minMagnitude), 'set');
}

/** A step policy for the adjustment of the step that fired: warm-up aware. */
export function stepDecision(cap: GroupCapacity, type: string, adjustment: number, minMagnitude?: number): Decision {
  if (type === 'ExactCapacity') return settle(cap, adjustment, 'set');
  if (adjustment > 0) {
    // the current capacity is what finished warming up; nothing to add when all are warming up
    return settle(cap, applyAdjustment(cap.ready, type, adjustment, minMagnitude), 'out');
  }
  if (adjustment < 0) {
    if (cap.warming > 0) return { change: false, reason: 'scale-in waits for instances warming up' };
    return settle(cap, applyAdjustment(cap.desired, type, adjustment, minMagnitude), 'in');
  }
  return { change: false, reason: 'the step adjustment is 0' };
}

/** Target tracking: the capacity that brings the metric to the target. */
export function targetDecision(cap: GroupCapacity, metric: number, target: number, disableScaleIn: boolean): Decision {
  if (!(target > 0)) return { change: false, reason: 'the target value must be positive' };
  if (metric > target) {
    if (cap.ready === 0) return { change: false, reason: 'no instance has finished warming up' };
    return settle(cap, Math.ceil(round9((cap.ready * metric) / target)), 'out');
  }
  if (metric < target) {
    if (disableScaleIn) return { change: false, reason: 'scale-in is disabled' };
    if (cap.warming > 0) return { change: false, reason: 'scale-in waits for instances warming up' };
    return settle(cap, Math.floor(round9((cap.desired * metric) / target)), 'in');
  }
  return { change: false, reason: 'the metric is at its target' };
}

// 3 * 50 / 50 must be 3, not 3.0000000000000004 rounded up to 4
const round9 = (n: number) => Math.round(n * 1e9) / 1e9;

/** Several decisions at once (alarms firing together): the one giving the largest capacity wins. */
export function largest(decisions: readonly Decision[]): Decision | undefined {
  const changes = decisions.filter((d): d is Extract<Decision, { change: true }> => d.change);
  if (changes.length === 0) return decisions[0];
  return changes.reduce((a, b) => (b.to > a.to ? b : a));
}

export interface TargetAlarmShape {
  suffix: 'AlarmHigh' | 'AlarmLow';
  comparison: 'GreaterThanThreshold' | 'LessThanThreshold';
  threshold: number;
  evaluationPeriods: number;
}

/** The managed alarms of a target tracking policy (AWS's shapes: 3 of 3 above the target, 15 of 15 below 90% of it; none below with DisableScaleIn). */
export function targetAlarmShapes(target: number, disableScaleIn: boolean): TargetAlarmShape[] {
  const shapes: TargetAlarmShape[] = [{ suffix: 'AlarmHigh', comparison: 'GreaterThanThreshold', threshold: target, evaluationPeriods: 3 }];
  if (!disableScaleIn) shapes.push({ suffix: 'AlarmLow', comparison: 'LessThanThreshold', threshold: round9(target * 0.9), evaluationPeriods: 15 });
  return shapes;
}
