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
import { PENDING_PROCEED, PENDING_WAIT, TERMINATING_PROCEED, TERMINATING_WAIT, WARMED_PENDING_PROCEED, WARMED_PENDING_WAIT, WARMED_TERMINATING } from './member-states.js';

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
    const stored = m.lifecycle_action ?? null;
    const action = parseAction(stored);
    if (!action) continue;
    const expired = expire(action, now);
    const decided = outcome(action);
    if (!decided) {
      // compare-and-set: a result recorded meanwhile (another node's API call) is never overwritten
      if (expired && !(await ctx.instances.updateAction(m.instance_id, stored, { lifecycle_action: JSON.stringify(action) }))) continue;
      const d = nextDeadline(action);
      if (d !== undefined) next = next === undefined ? d : Math.min(next, d);
      continue;
    }
    /** the instance's next state, if its action is still the one decided on */
    const moveTo = async (state: string, set: { activity_id?: null } = {}): Promise<boolean> => {
      if (!(await ctx.instances.updateAction(m.instance_id, stored, { lifecycle_state: state, lifecycle_action: null, ...set }))) return false;
      Object.assign(m, { lifecycle_state: state, lifecycle_action: null, ...set });
      return true;
    };
    const resume = async () => {
      if (m.activity_id) await ctx.activityRepo.update(m.activity_id, { status_code: 'InProgress' });
    };
    const launchActivity = m.activity_id;
    if (decided.result === 'ABANDON' && action.transition === LAUNCHING_TRANSITION) {
      // the launch ends Cancelled; a group instance is terminated (no terminate hooks) and
      // replaced by the capacity step, a pool instance retired (the pool launches another)
      // (the state moves first, so a crash right after still ends in a termination)
      const warm = m.lifecycle_state === WARMED_PENDING_WAIT;
      if (!(await moveTo(warm ? WARMED_TERMINATING : 'Terminating', { activity_id: null }))) continue;
      if (launchActivity) await ctx.activities.finish(launchActivity, 'Cancelled', abandonMessage(decided.by));
      if (warm) await requestTermination(ctx, group.row, m);
      else await beginTermination(ctx, group.row, m, abandonedLaunchCause(m.instance_id), { skipHooks: true });
    } else if (m.lifecycle_state === WARMED_PENDING_WAIT) {
      if (await moveTo(WARMED_PENDING_PROCEED)) await resume();
    } else if (m.lifecycle_state === TERMINATING_WAIT) {
      // a terminating instance goes whatever the result
      if (!(await moveTo(TERMINATING_PROCEED))) continue;
      await resume();
      await requestTermination(ctx, group.row, m);
    } else if (await moveTo(PENDING_PROCEED)) await resume();
  }
  return next;
}
