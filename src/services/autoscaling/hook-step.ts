// The reconciler's part of lifecycle hooks. A launching instance (Pending) of a group with
// launch hooks enters Pending:Wait with one wait per hook; each pass applies the DefaultResult
// of hooks whose heartbeat or global timeout has passed, and moves decided instances on:
// CONTINUE -> Pending:Proceed (InService once EC2 runs it), ABANDON -> terminated (without
// terminate hooks) and replaced by the capacity step; a terminating instance leaves
// Terminating:Wait for Terminating:Proceed and its EC2 termination whatever the result. Warm
// pool instances wait in Warmed:Pending:Wait (launch hooks as they enter the pool, terminate
// hooks as ReuseOnScaleIn returns them) and go on to Warmed:Pending:Proceed, or are terminated
// when their launch is abandoned. The
// deadlines are in the store, so a restart (or another node taking the group's job) applies
// them exactly once, under the group's lock.
import type { GroupInstanceRow } from '../../store/repos/autoscaling-instances.js';
import type { LifecycleHookRow } from '../../store/repos/autoscaling-groups.js';
import { at } from './activities.js';
import type { AsgContext } from './asg-context.js';
import type { Group } from './group-model.js';
import { beginTermination, requestTermination } from './instance-lifecycle.js';
import { abandonMessage, beginAction, expire, hookSpec, LAUNCHING_TRANSITION, nextDeadline, outcome, parseAction } from './lifecycle-action.js';
import { PENDING_PROCEED, PENDING_WAIT, TERMINATING_PROCEED, TERMINATING_WAIT, WARMED_PENDING_PROCEED, WARMED_PENDING_WAIT } from './member-states.js';
import { retireWarm } from './warm-pool.js';

export const abandonedLaunchCause = (instanceId: string) => `${at()} an instance was taken out of service in response to a launch lifecycle action being abandoned.  ${at()} instance ${instanceId} was selected for termination.`;

/** Pending -> Pending:Wait when the group has launch hooks (once: Pending:Proceed never waits again). */
export async function enterLaunchWait(ctx: AsgContext, m: GroupInstanceRow, hooks: readonly LifecycleHookRow[], now: number): Promise<void> {
  const launch = hooks.filter((h) => h.transition === LAUNCHING_TRANSITION);
  if (m.lifecycle_state !== 'Pending' || launch.length === 0) return;
  const action = JSON.stringify(beginAction(LAUNCHING_TRANSITION, launch.map(hookSpec), now));
  await ctx.instances.update(m.instance_id, { lifecycle_state: PENDING_WAIT, lifecycle_action: action });
  if (m.activity_id) await ctx.activityRepo.update(m.activity_id, { status_code: 'MidLifecycleAction' });
  Object.assign(m, { lifecycle_state: PENDING_WAIT, lifecycle_action: action });
}

/** Times out and moves on the instances in a wait state; returns the earliest deadline still ahead. */
export async function advanceWaits(ctx: AsgContext, group: Group, members: GroupInstanceRow[], now: number): Promise<number | undefined> {
  let next: number | undefined;
  for (const m of members) {
    if (m.lifecycle_state !== PENDING_WAIT && m.lifecycle_state !== TERMINATING_WAIT && m.lifecycle_state !== WARMED_PENDING_WAIT) continue;
    const action = parseAction(m.lifecycle_action);
    if (!action) continue;
    const expired = expire(action, now);
    const decided = outcome(action);
    if (!decided) {
      if (expired) await ctx.instances.update(m.instance_id, { lifecycle_action: JSON.stringify(action) });
      const d = nextDeadline(action);
      if (d !== undefined) next = next === undefined ? d : Math.min(next, d);
      continue;
    }
    if (m.lifecycle_state === WARMED_PENDING_WAIT) {
      if (decided.result === 'ABANDON' && action.transition === LAUNCHING_TRANSITION) {
        // a pool instance whose launch is abandoned is terminated; the pool launches another
        if (m.activity_id) await ctx.activities.finish(m.activity_id, 'Cancelled', abandonMessage(decided.by));
        await ctx.instances.update(m.instance_id, { activity_id: null, lifecycle_action: null });
        Object.assign(m, { activity_id: null, lifecycle_action: null });
        await retireWarm(ctx, group.row, m);
      } else {
        await ctx.instances.update(m.instance_id, { lifecycle_state: WARMED_PENDING_PROCEED, lifecycle_action: null });
        if (m.activity_id) await ctx.activityRepo.update(m.activity_id, { status_code: 'InProgress' });
        Object.assign(m, { lifecycle_state: WARMED_PENDING_PROCEED, lifecycle_action: null });
      }
    } else if (m.lifecycle_state === TERMINATING_WAIT) {
      await ctx.instances.update(m.instance_id, { lifecycle_state: TERMINATING_PROCEED, lifecycle_action: null });
      if (m.activity_id) await ctx.activityRepo.update(m.activity_id, { status_code: 'InProgress' });
      Object.assign(m, { lifecycle_state: TERMINATING_PROCEED, lifecycle_action: null });
      await requestTermination(ctx, group.row, m);
    } else if (decided.result === 'CONTINUE') {
      await ctx.instances.update(m.instance_id, { lifecycle_state: PENDING_PROCEED, lifecycle_action: null });
      if (m.activity_id) await ctx.activityRepo.update(m.activity_id, { status_code: 'InProgress' });
      Object.assign(m, { lifecycle_state: PENDING_PROCEED, lifecycle_action: null });
    } else {
      const launchActivity = m.activity_id;
      if (launchActivity) await ctx.activities.finish(launchActivity, 'Cancelled', abandonMessage(decided.by));
      m.activity_id = null;
      m.lifecycle_state = 'Pending';
      await beginTermination(ctx, group.row, m, abandonedLaunchCause(m.instance_id), { skipHooks: true });
    }
  }
  return next;
}
