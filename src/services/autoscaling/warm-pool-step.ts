// The reconciler's part of warm pools. Pool instances are launched like the group's (into
// Warmed:Pending), stopped when the pool state is Stopped or Hibernated (Warmed:Stopped) or
// left running (Warmed:Running); scale-out takes ready pool instances first (starting stopped
// ones) and launches new ones only for the rest; scale-in with ReuseOnScaleIn sends instances
// back to the pool instead of terminating them. The pool is kept at its target size
// ((MaxGroupPreparedCapacity, else MaxSize) − desired, at least MinSize); a pool being deleted
// is emptied, then its configuration goes.
import type { GroupInstanceRow } from '../../store/repos/autoscaling-instances.js';
import { at, details } from './activities.js';
import type { AsgContext } from './asg-context.js';
import type { InstanceState } from './compute-port.js';
import { isSuspended, type Group } from './group-model.js';
import { launchInstance, requestTermination } from './instance-lifecycle.js';
import type { LifecycleHookRow } from '../../store/repos/autoscaling-groups.js';
import { beginAction, hookSpec, LAUNCHING_TRANSITION, TERMINATING_TRANSITION } from './lifecycle-action.js';
import { isWarmPending, WARMED_PENDING, WARMED_PENDING_PROCEED, WARMED_PENDING_WAIT, WARMED_RUNNING, WARMED_STOPPED, WARMED_TERMINATING } from './member-states.js';
import { nextSlot } from './placement.js';
import { retryDelay } from './timing.js';
import { retireWarm, warmPoolOf, warmPoolTarget } from './warm-pool.js';

const warmCause = (from: number, to: number) => `${at()} an instance was launched in order to increase the warm pool size from ${from} to ${to}.`;

/** Whether the pool keeps its instances stopped (Hibernated too: see warm-pool.ts). */
const stopsInstances = (ctx: AsgContext, group: Group) => Boolean(ctx.compute.stop) && warmPoolOf(group.row)?.PoolState !== 'Running';

/** Applies EC2's states to pool instances (launch hooks hold new ones in Warmed:Pending:Wait); true while one is still moving. */
export async function observeWarm(ctx: AsgContext, group: Group, warm: GroupInstanceRow[], states: Map<string, InstanceState>, hooks: readonly LifecycleHookRow[], now: number): Promise<boolean> {
  let moving = false;
  for (const m of warm) {
    const state = states.get(m.instance_id);
    const gone = state === undefined || state === 'terminated';
    if (gone) {
      if (m.activity_id) await ctx.activities.finish(m.activity_id, m.lifecycle_state === WARMED_TERMINATING ? 'Successful' : 'Failed');
      await ctx.instances.delete(m.instance_id);
      m.lifecycle_state = 'Terminated';
      continue;
    }
    if (m.lifecycle_state === WARMED_TERMINATING) {
      moving = true;
      if (state !== 'shutting-down') await requestTermination(ctx, group.row, m);
      continue;
    }
    if (m.lifecycle_state === WARMED_PENDING && !m.lifecycle_action) await enterWarmWait(ctx, m, hooks, now);
    if (m.lifecycle_state === WARMED_PENDING_WAIT) continue;
    if (m.lifecycle_state !== WARMED_PENDING && m.lifecycle_state !== WARMED_PENDING_PROCEED) continue;
    const stop = stopsInstances(ctx, group);
    let ready: string | undefined;
    if (state === 'running' && !stop) ready = WARMED_RUNNING;
    else if (state === 'stopped' && stop) ready = WARMED_STOPPED;
    else if (state === 'running' && stop) await ctx.compute.stop!(group.scope, [m.instance_id]);
    else if (state === 'stopped' && !stop) await ctx.compute.start?.(group.scope, [m.instance_id]);
    if (ready) {
      await ctx.instances.update(m.instance_id, { lifecycle_state: ready, activity_id: null, lifecycle_action: null });
      if (m.activity_id) await ctx.activities.finish(m.activity_id, 'Successful');
      Object.assign(m, { lifecycle_state: ready, activity_id: null, lifecycle_action: null });
    } else moving = true;
  }
  return moving;
}

/** Takes up to `count` ready pool instances into the group (running ones first); returns the ones taken. */
export async function takeFromPool(ctx: AsgContext, group: Group, warm: GroupInstanceRow[], count: number, cause: string, refreshTag: string | null): Promise<GroupInstanceRow[]> {
  const ready = [...warm.filter((m) => m.lifecycle_state === WARMED_RUNNING), ...warm.filter((m) => m.lifecycle_state === WARMED_STOPPED)].slice(0, Math.max(0, count));
  for (const m of ready) {
    if (m.lifecycle_state === WARMED_STOPPED) await ctx.compute.start?.(group.scope, [m.instance_id]);
    const activity = await ctx.activities.start(group.row, {
      description: `Launching a new EC2 instance from warm pool: ${m.instance_id}`,
      cause,
      details: details(m.availability_zone, m.subnet_id ?? undefined),
      statusCode: 'InProgress',
      progress: 30,
    });
    const set = { lifecycle_state: 'Pending', activity_id: activity.activity_id, refresh_id: refreshTag, in_service_at: null, health_status: 'Healthy', lifecycle_action: null };
    await ctx.instances.update(m.instance_id, set);
    Object.assign(m, set);
  }
  return ready;
}

/**
 * Scale-in with ReuseOnScaleIn: the instance goes back to the pool (stopped there for a Stopped
 * pool), waiting in Warmed:Pending:Wait first when the group has terminate hooks.
 */
export async function returnToPool(ctx: AsgContext, group: Group, m: GroupInstanceRow, cause: string, hooks: readonly LifecycleHookRow[]): Promise<void> {
  const terminate = hooks.filter((h) => h.transition === TERMINATING_TRANSITION);
  const activity = await ctx.activities.start(group.row, {
    description: `Returning EC2 instance to warm pool: ${m.instance_id}`,
    cause,
    details: details(m.availability_zone, m.subnet_id ?? undefined),
    statusCode: terminate.length ? 'MidLifecycleAction' : 'InProgress',
    progress: 50,
  });
  // a returning instance has had its launch hooks: only the terminate hooks hold it
  const action = beginAction(TERMINATING_TRANSITION, terminate.map(hookSpec), Date.now());
  const set = { lifecycle_state: terminate.length ? WARMED_PENDING_WAIT : WARMED_PENDING, activity_id: activity.activity_id, in_service_at: null, lifecycle_action: JSON.stringify(action) };
  await ctx.instances.update(m.instance_id, set);
  Object.assign(m, set);
  if (!terminate.length && stopsInstances(ctx, group)) await ctx.compute.stop!(group.scope, [m.instance_id]);
}

/** Warmed:Pending -> Warmed:Pending:Wait when the group has launch hooks (AWS pauses new pool instances there). */
async function enterWarmWait(ctx: AsgContext, m: GroupInstanceRow, hooks: readonly LifecycleHookRow[], now: number): Promise<void> {
  const launch = hooks.filter((h) => h.transition === LAUNCHING_TRANSITION);
  if (launch.length === 0) return;
  const action = JSON.stringify(beginAction(LAUNCHING_TRANSITION, launch.map(hookSpec), now));
  await ctx.instances.update(m.instance_id, { lifecycle_state: WARMED_PENDING_WAIT, lifecycle_action: action });
  if (m.activity_id) await ctx.activityRepo.update(m.activity_id, { status_code: 'MidLifecycleAction' });
  Object.assign(m, { lifecycle_state: WARMED_PENDING_WAIT, lifecycle_action: action });
}

export const reusesOnScaleIn = (group: Group) => {
  const pool = warmPoolOf(group.row);
  return Boolean(pool && pool.Status !== 'PendingDelete' && pool.InstanceReusePolicy?.ReuseOnScaleIn);
};

/** Fills or trims the pool (`warm`: its instances still there) to its target, or empties a pool being deleted; true while it is moving. */
export async function warmPoolStep(ctx: AsgContext, group: Group, warm: GroupInstanceRow[]): Promise<boolean> {
  const pool = warmPoolOf(group.row);
  const live = warm.filter((m) => m.lifecycle_state !== WARMED_TERMINATING);
  if (!pool || pool.Status === 'PendingDelete') {
    for (const m of live) await retireWarm(ctx, group.row, m);
    if (pool && warm.length === 0) await ctx.groups.update(group.scope, group.name, { warm_pool: null });
    return warm.length > 0 || Boolean(pool);
  }
  const target = warmPoolTarget(pool, group.row);
  if (live.length > target && !isSuspended(group, 'Terminate')) {
    // the newest go first, those not ready yet before the ready ones
    const order = [...live].sort((a, b) => Number(isWarmPending(b)) - Number(isWarmPending(a)) || (b.launched_at < a.launched_at ? -1 : 1));
    for (const m of order.slice(0, live.length - target)) await retireWarm(ctx, group.row, m);
    return true;
  }
  const backingOff = group.row.next_launch_at !== null && Date.parse(group.row.next_launch_at) > Date.now();
  if (live.length < target && !isSuspended(group, 'Launch') && !backingOff) {
    const placement = { zones: group.settings.AvailabilityZones, subnets: group.settings.subnets };
    const zoneCounts = new Map<string, number>();
    const subnetCounts = new Map<string, number>();
    for (const m of live) {
      zoneCounts.set(m.availability_zone, (zoneCounts.get(m.availability_zone) ?? 0) + 1);
      if (m.subnet_id) subnetCounts.set(m.subnet_id, (subnetCounts.get(m.subnet_id) ?? 0) + 1);
    }
    for (let n = live.length; n < target; n++) {
      const slot = nextSlot(placement, zoneCounts, subnetCounts);
      const outcome = await launchInstance(ctx, group, slot, group.source, warmCause(live.length, target), null, 'warm-pool');
      if (!outcome.ok) {
        // the failed activity tells why; launches back off as the group's own do
        const failures = group.row.launch_failures + 1;
        await ctx.groups.update(group.scope, group.name, { launch_failures: failures, next_launch_at: new Date(Date.now() + retryDelay(ctx.timing, failures)).toISOString() });
        break;
      }
      zoneCounts.set(slot.zone, (zoneCounts.get(slot.zone) ?? 0) + 1);
      if (slot.subnetId) subnetCounts.set(slot.subnetId, (subnetCounts.get(slot.subnetId) ?? 0) + 1);
    }
    return true;
  }
  return false;
}
