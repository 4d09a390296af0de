// One pass of the reconciliation loop for one group, under the group's lock. It observes EC2
// (pending -> InService, terminations completed, instances stopped or terminated out of band
// become Unhealthy), replaces unhealthy instances, runs the active instance refresh, and brings
// the number of instances to the desired capacity: launches into the zone with the fewest
// instances, scale-in by the termination policies. Failed launches are retried with back-off.
// Everything it decides from is in the store, so a pass after a restart continues where the
// last one stopped. Returns how soon to look again, or 'gone' once the group no longer exists.
import type { GroupInstanceRow } from '../../store/repos/autoscaling-instances.js';
import type { Scope } from '../../store/scope.js';
import { causes, withPrefix } from './activities.js';
import type { AsgContext } from './asg-context.js';
import { DELETING, parseGroup, sourceTemplate, type Group } from './group-model.js';
import { beginTermination, completeLaunch, LAUNCHING, launchInstance, requestTermination } from './instance-lifecycle.js';
import { nextSlot } from './placement.js';
import { noteLaunchResult, refreshStep } from './refresh-step.js';
import { pickVictims } from './termination-policy.js';
import { retryDelay } from './timing.js';

export async function reconcile(ctx: AsgContext, scope: Scope, name: string): Promise<number | 'gone'> {
  const row = await ctx.groups.get(scope, name);
  if (!row) return 'gone';
  const group = parseGroup(row);
  const now = Date.now();
  // launches a crash interrupted are replayed first (their client tokens make them happen once)
  for (const m of await ctx.instances.ofGroup(scope, name)) {
    if (m.lifecycle_state === LAUNCHING) await completeLaunch(ctx, group, m);
  }
  let members = await ctx.instances.ofGroup(scope, name);
  await observe(ctx, group, members, now);
  members = members.filter((m) => m.lifecycle_state !== 'Terminated');

  // unhealthy instances are terminated first, then replaced by the capacity step
  for (const m of members) {
    if ((m.lifecycle_state === 'InService' || m.lifecycle_state === 'Pending') && m.health_status === 'Unhealthy') {
      const cause = m.termination_cause === 'user-health' ? causes.userHealth() : m.termination_cause === 'ec2-status' ? causes.ec2StatusChecks() : causes.ec2Health();
      await beginTermination(ctx, row, m, cause);
    }
  }

  if (row.status === DELETING && members.length === 0) {
    await ctx.groups.delete(scope, name);
    return 'gone';
  }

  const refresh = await refreshStep(ctx, group, members, now);
  const active = () => members.filter((m) => m.lifecycle_state === 'Pending' || m.lifecycle_state === 'InService');
  const desired = group.row.desired_capacity;
  const target = desired + refresh.extra;
  let waitMs: number | undefined;

  if (active().length < target) {
    const due = row.next_launch_at ? Date.parse(row.next_launch_at) : 0;
    if (due > now) waitMs = due - now;
    else waitMs = await scaleOut(ctx, group, members, target, refresh.source, refresh.tag);
  } else if (active().length > target) {
    await scaleIn(ctx, group, members, active().length - target, refresh.source);
  }
  const settled = active().length === target;
  if (settled && row.capacity_cause) await ctx.groups.update(scope, name, { capacity_cause: null });

  const busy = refresh.busy || !settled || members.some((m) => m.lifecycle_state === 'Pending' || m.lifecycle_state === 'Terminating');
  const next = busy ? ctx.timing.busyMs : ctx.timing.idleMs;
  return waitMs === undefined ? next : Math.max(ctx.timing.busyMs, Math.min(waitMs, ctx.timing.idleMs));
}

/** Applies what EC2 says about each instance. */
async function observe(ctx: AsgContext, group: Group, members: GroupInstanceRow[], now: number): Promise<void> {
  const real = members.filter((m) => m.lifecycle_state !== LAUNCHING);
  if (real.length === 0) return;
  const states = await ctx.compute.states(group.scope, real.map((m) => m.instance_id));
  // EC2 health checks also fail a running instance whose status checks are impaired, once its
  // grace period (from launch) is over
  const grace = group.settings.HealthCheckGracePeriod * 1000;
  const checked = real.filter((m) => m.lifecycle_state === 'InService' && m.health_status === 'Healthy' && states.get(m.instance_id) === 'running' && now >= Date.parse(m.launched_at) + grace);
  const impaired = checked.length && ctx.compute.impaired ? await ctx.compute.impaired(group.scope, checked.map((m) => m.instance_id)) : new Set<string>();
  for (const m of real) {
    const state = states.get(m.instance_id);
    const gone = state === undefined || state === 'terminated';
    if (m.lifecycle_state === 'Terminating') {
      if (gone) {
        if (m.activity_id) await ctx.activities.finish(m.activity_id, 'Successful');
        await ctx.instances.delete(m.instance_id);
        m.lifecycle_state = 'Terminated';
      } else if (state !== 'shutting-down') {
        await requestTermination(ctx, group.row, m);
      }
    } else if (m.lifecycle_state === 'Standby') {
      if (gone) {
        await ctx.instances.delete(m.instance_id);
        m.lifecycle_state = 'Terminated';
      }
    } else if (state === 'running' && impaired.has(m.instance_id)) {
      await ctx.instances.update(m.instance_id, { health_status: 'Unhealthy', termination_cause: 'ec2-status' });
      m.health_status = 'Unhealthy';
      m.termination_cause = 'ec2-status';
    } else if (state === 'running') {
      if (m.lifecycle_state === 'Pending') {
        const at = new Date(now).toISOString();
        await ctx.instances.update(m.instance_id, { lifecycle_state: 'InService', in_service_at: at, activity_id: null });
        if (m.activity_id) await ctx.activities.finish(m.activity_id, 'Successful');
        m.lifecycle_state = 'InService';
        m.in_service_at = at;
        m.activity_id = null;
      }
    } else if (state !== 'pending' && m.health_status === 'Healthy') {
      // stopped, stopping, shutting down or gone: the EC2 health check fails it
      if (m.lifecycle_state === 'Pending' && m.activity_id) await ctx.activities.finish(m.activity_id, 'Failed', `Instance ${m.instance_id} did not reach the running state (${state ?? 'terminated'}).`);
      await ctx.instances.update(m.instance_id, { health_status: 'Unhealthy', termination_cause: 'ec2-health' });
      m.health_status = 'Unhealthy';
      m.termination_cause = 'ec2-health';
    }
  }
}

async function scaleOut(ctx: AsgContext, group: Group, members: GroupInstanceRow[], target: number, source: Group['source'], tag: string | null): Promise<number | undefined> {
  const placement = { zones: group.settings.AvailabilityZones, subnets: group.settings.subnets };
  const zoneCounts = new Map<string, number>();
  const subnetCounts = new Map<string, number>();
  const counted = members.filter((m) => m.lifecycle_state === 'Pending' || m.lifecycle_state === 'InService');
  for (const m of counted) {
    zoneCounts.set(m.availability_zone, (zoneCounts.get(m.availability_zone) ?? 0) + 1);
    if (m.subnet_id) subnetCounts.set(m.subnet_id, (subnetCounts.get(m.subnet_id) ?? 0) + 1);
  }
  const from = counted.length;
  let count = from;
  while (count < target) {
    const slot = nextSlot(placement, zoneCounts, subnetCounts);
    const cause = withPrefix(group.row.capacity_cause, causes.started(from, target));
    const outcome = await launchInstance(ctx, group, slot, source, cause, tag);
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
async function scaleIn(ctx: AsgContext, group: Group, members: GroupInstanceRow[], excess: number, source: Group['source']): Promise<void> {
  const active = members.filter((m) => m.lifecycle_state === 'Pending' || m.lifecycle_state === 'InService');
  const deleting = group.row.status === DELETING;
  const candidates = deleting ? active : active.filter((m) => m.protected_from_scale_in !== 1);
  const { spec } = sourceTemplate(source);
  let current: { templateId: string; version: number } | undefined;
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
  for (const v of victims) await beginTermination(ctx, group.row, v, withPrefix(group.row.capacity_cause, causes.shrunk(from, to)));
}
