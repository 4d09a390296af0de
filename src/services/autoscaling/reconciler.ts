// One pass of the reconciliation loop for one group, under the group's lock. It observes EC2
// (pending -> InService, terminations completed, instances stopped or terminated out of band
// become Unhealthy), runs lifecycle hooks (hook-step.ts), replaces unhealthy instances and
// those past MaxInstanceLifetime, runs the active instance refresh, and brings the number of
// instances to the desired capacity: from the warm pool first, then launches into the zone with
// the fewest instances; scale-in by the termination policies (back to the warm pool with
// ReuseOnScaleIn). Then it keeps the warm pool at its size (warm-pool-step.ts). Suspended
// processes are honoured: Launch, Terminate, HealthCheck and ReplaceUnhealthy (AZRebalance has
// nothing to stop: the reconciler never rebalances zones on its own). Failed launches are
// retried with back-off. Everything it decides from is in the store, so a pass after a restart
// continues where the last one stopped. Returns how soon to look again, or 'gone' once the
// group no longer exists.
import type { GroupInstanceRow } from '../../store/repos/autoscaling-instances.js';
import type { LifecycleHookRow } from '../../store/repos/autoscaling-groups.js';
import type { Scope } from '../../store/scope.js';
import { causes, withPrefix } from './activities.js';
import type { AsgContext } from './asg-context.js';
import type { InstanceState } from './compute-port.js';
import { DELETING, isSuspended, parseGroup, sourceTemplate, type Group } from './group-model.js';
import { advanceWaits, enterLaunchWait } from './hook-step.js';
import { beginTermination, completeLaunch, LAUNCHING, launchInstance, requestTermination } from './instance-lifecycle.js';
import { lifetimeStep } from './instance-lifetime.js';
import { isActive, isPending, isTerminating, isWarm, PENDING_PROCEED, TERMINATING_PROCEED, TERMINATING_WAIT } from './member-states.js';
import { nextSlot } from './placement.js';
import { noteLaunchResult, refreshStep } from './refresh-step.js';
import { pickVictims, type CurrentSource } from './termination-policy.js';
import { retryDelay } from './timing.js';
import { observeWarm, returnToPool, reusesOnScaleIn, takeFromPool, warmPoolStep } from './warm-pool-step.js';
import { retireWarm } from './warm-pool.js';

export async function reconcile(ctx: AsgContext, scope: Scope, name: string, now = Date.now()): Promise<number | 'gone'> {
  const row = await ctx.groups.get(scope, name);
  if (!row) return 'gone';
  const group = parseGroup(row);
  const deleting = row.status === DELETING;
  // launches a crash interrupted are replayed first (their client tokens make them happen once)
  for (const m of await ctx.instances.ofGroup(scope, name)) {
    if (m.lifecycle_state === LAUNCHING) await completeLaunch(ctx, group, m);
  }
  const all = await ctx.instances.ofGroup(scope, name);
  const hooks = await ctx.groups.hooks(scope, name);
  const states = await observe(ctx, group, all, hooks, now);
  const warm = all.filter(isWarm);
  const warmMoving = await observeWarm(ctx, group, warm, states, hooks, now);
  let members = all.filter((m) => m.lifecycle_state !== 'Terminated' && !isWarm(m));
  const waitUntil = await advanceWaits(ctx, group, [...members, ...warm.filter(isWarm)], now);

  // unhealthy instances are terminated first, then replaced by the capacity step
  const replaceUnhealthy = deleting || (!isSuspended(group, 'ReplaceUnhealthy') && !isSuspended(group, 'Terminate'));
  for (const m of members) {
    if (replaceUnhealthy && isActive(m) && m.health_status === 'Unhealthy') {
      const cause = m.termination_cause === 'user-health' ? causes.userHealth() : m.termination_cause === 'ec2-status' ? causes.ec2StatusChecks() : causes.ec2Health();
      await beginTermination(ctx, row, m, cause);
    }
  }
  members = members.filter((m) => m.lifecycle_state !== 'Terminated');

  if (deleting && members.length === 0 && !warm.some(isWarm)) {
    await ctx.groups.delete(scope, name);
    return 'gone';
  }

  const refresh = await refreshStep(ctx, group, members, now);
  const lifetimeExtra = refresh.tag === null && !refresh.busy && !deleting ? await lifetimeStep(ctx, group, members, now) : 0;
  const active = () => members.filter(isActive);
  const desired = group.row.desired_capacity;
  const target = desired + Math.max(refresh.extra, lifetimeExtra);
  let waitMs: number | undefined;

  if (active().length < target && !isSuspended(group, 'Launch')) {
    const due = row.next_launch_at ? Date.parse(row.next_launch_at) : 0;
    if (due > now) waitMs = due - now;
    else waitMs = await scaleOut(ctx, group, members, warm, target, refresh.source, refresh.tag);
  } else if (active().length > target && (deleting || !isSuspended(group, 'Terminate'))) {
    await scaleIn(ctx, group, members, active().length - target, refresh.source, hooks);
  }
  const settled = active().length === target;
  if (settled && row.capacity_cause) await ctx.groups.update(scope, name, { capacity_cause: null });
  let poolMoving: boolean;
  // the pool as the steps above left it: less what scale-out took, plus what scale-in returned
  const pooled = all.filter(isWarm);
  if (deleting) {
    for (const m of pooled) await retireWarm(ctx, row, m);
    poolMoving = pooled.length > 0;
  } else poolMoving = await warmPoolStep(ctx, group, pooled);

  const busy = refresh.busy || !settled || warmMoving || poolMoving || members.some((m) => m.lifecycle_state === 'Pending' || m.lifecycle_state === PENDING_PROCEED || m.lifecycle_state === 'Terminating' || m.lifecycle_state === TERMINATING_PROCEED);
  const next = busy ? ctx.timing.busyMs : ctx.timing.idleMs;
  if (waitUntil !== undefined) waitMs = Math.min(waitMs ?? Infinity, Math.max(0, waitUntil - now));
  return waitMs === undefined ? next : Math.max(ctx.timing.busyMs, Math.min(waitMs, next));
}

/** Applies what EC2 says about each instance of the group (not the warm pool's); returns the states. */
async function observe(ctx: AsgContext, group: Group, members: GroupInstanceRow[], hooks: readonly LifecycleHookRow[], now: number): Promise<Map<string, InstanceState>> {
  const real = members.filter((m) => m.lifecycle_state !== LAUNCHING);
  if (real.length === 0) return new Map();
  const states = await ctx.compute.states(group.scope, real.map((m) => m.instance_id));
  const healthChecks = !isSuspended(group, 'HealthCheck');
  // EC2 health checks also fail a running instance whose status checks are impaired, once its
  // grace period (from launch) is over
  const grace = group.settings.HealthCheckGracePeriod * 1000;
  const checked = real.filter((m) => healthChecks && m.lifecycle_state === 'InService' && m.health_status === 'Healthy' && states.get(m.instance_id) === 'running' && now >= Date.parse(m.launched_at) + grace);
  const impaired = checked.length && ctx.compute.impaired ? await ctx.compute.impaired(group.scope, checked.map((m) => m.instance_id)) : new Set<string>();
  for (const m of real) {
    if (isWarm(m)) continue;
    const state = states.get(m.instance_id);
    const gone = state === undefined || state === 'terminated';
    if (m.lifecycle_state === 'Pending' && !gone) await enterLaunchWait(ctx, m, hooks, now);
    if (isTerminating(m)) {
      if (gone) {
        if (m.activity_id) await ctx.activities.finish(m.activity_id, 'Successful');
        await ctx.instances.delete(m.instance_id);
        m.lifecycle_state = 'Terminated';
      } else if (m.lifecycle_state !== TERMINATING_WAIT && state !== 'shutting-down') {
        await requestTermination(ctx, group.row, m);
      }
    } else if (m.lifecycle_state === 'Standby') {
      if (gone) {
        await ctx.instances.delete(m.instance_id);
        m.lifecycle_state = 'Terminated';
      }
    } else if (!healthChecks) {
      if (state === 'running' && (m.lifecycle_state === 'Pending' || m.lifecycle_state === PENDING_PROCEED)) await putInService(ctx, m, now);
    } else if (state === 'running' && impaired.has(m.instance_id)) {
      await ctx.instances.update(m.instance_id, { health_status: 'Unhealthy', termination_cause: 'ec2-status' });
      m.health_status = 'Unhealthy';
      m.termination_cause = 'ec2-status';
    } else if (state === 'running') {
      if (m.lifecycle_state === 'Pending' || m.lifecycle_state === PENDING_PROCEED) await putInService(ctx, m, now);
    } else if (state !== 'pending' && m.health_status === 'Healthy') {
      // stopped, stopping, shutting down or gone: the EC2 health check fails it
      if (isPending(m) && m.activity_id) await ctx.activities.finish(m.activity_id, 'Failed', `Instance ${m.instance_id} did not reach the running state (${state ?? 'terminated'}).`);
      await ctx.instances.update(m.instance_id, { health_status: 'Unhealthy', termination_cause: 'ec2-health' });
      m.health_status = 'Unhealthy';
      m.termination_cause = 'ec2-health';
    }
  }
  return states;
}

async function putInService(ctx: AsgContext, m: GroupInstanceRow, now: number): Promise<void> {
  const at = new Date(now).toISOString();
  await ctx.instances.update(m.instance_id, { lifecycle_state: 'InService', in_service_at: at, activity_id: null, lifecycle_action: null });
  if (m.activity_id) await ctx.activities.finish(m.activity_id, 'Successful');
  Object.assign(m, { lifecycle_state: 'InService', in_service_at: at, activity_id: null, lifecycle_action: null });
}

async function scaleOut(
  ctx: AsgContext,
  group: Group,
  members: GroupInstanceRow[],
  warm: GroupInstanceRow[],
  target: number,
  source: Group['source'],
  tag: string | null,
): Promise<number | undefined> {
  const placement = { zones: group.settings.AvailabilityZones, subnets: group.settings.subnets };
  const zoneCounts = new Map<string, number>();
  const subnetCounts = new Map<string, number>();
  const counted = members.filter(isActive);
  for (const m of counted) {
    zoneCounts.set(m.availability_zone, (zoneCounts.get(m.availability_zone) ?? 0) + 1);
    if (m.subnet_id) subnetCounts.set(m.subnet_id, (subnetCounts.get(m.subnet_id) ?? 0) + 1);
  }
  const from = counted.length;
  const cause = () => withPrefix(group.row.capacity_cause, causes.started(from, target));
  let count = from;
  // the warm pool's ready instances first (not for a refresh: they run the old configuration)
  if (tag === null) {
    for (const m of await takeFromPool(ctx, group, warm, target - count, cause(), tag)) {
      members.push(m);
      count++;
      zoneCounts.set(m.availability_zone, (zoneCounts.get(m.availability_zone) ?? 0) + 1);
      if (m.subnet_id) subnetCounts.set(m.subnet_id, (subnetCounts.get(m.subnet_id) ?? 0) + 1);
    }
  }
  while (count < target) {
    const slot = nextSlot(placement, zoneCounts, subnetCounts);
    const outcome = await launchInstance(ctx, group, slot, source, cause(), tag);
    if (!outcome.ok) {
      const failures = group.row.launch_failures + 1;
      const delay = retryDelay(ctx.timing, failures);
      await ctx.groups.update(group.scope, group.name, { launch_failures: failures, next_launch_at: new Date(Date.now() + delay).toISOString() });
      await noteLaunchResult(ctx, group, false, outcome.activity.status_message ?? undefined);
      return delay;
    }
    members.push(outcome.instance);
    count++;
    zoneCounts.set(outcome.instance.availability_zone, (zoneCounts.get(outcome.instance.availability_zone) ?? 0) + 1);
    if (outcome.instance.subnet_id) subnetCounts.set(outcome.instance.subnet_id, (subnetCounts.get(outcome.instance.subnet_id) ?? 0) + 1);
  }
  if (group.row.launch_failures > 0 || group.row.next_launch_at) {
    await ctx.groups.update(group.scope, group.name, { launch_failures: 0, next_launch_at: null });
  }
  await noteLaunchResult(ctx, group, true);
  return undefined;
}

/** `source` is what launches now (a refresh's target while one runs): instances not on it go first. */
async function scaleIn(ctx: AsgContext, group: Group, members: GroupInstanceRow[], excess: number, source: Group['source'], hooks: readonly LifecycleHookRow[]): Promise<void> {
  const active = members.filter(isActive);
  const deleting = group.row.status === DELETING;
  const candidates = deleting ? active : active.filter((m) => m.protected_from_scale_in !== 1);
  const { spec } = sourceTemplate(source);
  let current: CurrentSource | undefined = source.launchConfiguration ? { launchConfiguration: source.launchConfiguration } : undefined;
  if (spec) {
    try {
      const r = await ctx.templates.resolve(group.scope, spec);
      current = { templateId: r.templateId, version: r.version };
    } catch {
      current = undefined; // the template is gone: every instance is equally old
    }
  }
  const victims = pickVictims(active, candidates, excess, group.settings.TerminationPolicies, current);
  const from = active.length;
  const to = from - excess;
  const reuse = !deleting && reusesOnScaleIn(group);
  for (const v of victims) {
    const cause = withPrefix(group.row.capacity_cause, causes.shrunk(from, to));
    if (reuse && v.lifecycle_state === 'InService') await returnToPool(ctx, group, v, cause, hooks);
    else await beginTermination(ctx, group.row, v, cause);
  }
}
