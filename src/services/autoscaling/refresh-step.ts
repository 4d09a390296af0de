// One reconciler pass of an active instance refresh. Replaces instances in batches so that the
// healthy, warmed-up capacity never drops below MinHealthyPercentage of the desired capacity
// (rounded up; with nothing in flight at least one instance is replaced, so 100% means one at a
// time), and launches up to MaxHealthyPercentage before terminating (launch before terminate).
// A new instance counts as updated once it is InService, healthy and past InstanceWarmup.
// Checkpoints pause the refresh; BakeTime holds it in Baking; on success the desired
// configuration becomes the group's. Cancelling lets in-flight launches finish; a rollback
// replaces the refresh's instances with the previous configuration the same way.
import type { InstanceRefreshStatusEnum } from '../../api/autoscaling/types.js';
import type { GroupInstanceRow } from '../../store/repos/autoscaling-instances.js';
import type { RefreshRow } from '../../store/repos/instance-refreshes.js';
import { causes } from './activities.js';
import type { AsgContext } from './asg-context.js';
import type { Group, LaunchSource } from './group-model.js';
import { beginTermination } from './instance-lifecycle.js';
import { FAIL_AFTER_LAUNCH_FAILURES, isActive, launchTag, parsePlan, parsePrefs, WAIT_LIMIT_MS, type Prefs, type RefreshPlan } from './refresh-model.js';
import { pickVictims } from './termination-policy.js';
import { isTerminating } from './member-states.js';

/** What the capacity step launches with while a refresh runs. */
export interface RefreshDirective {
  source: LaunchSource;
  /** marks launches as this refresh's replacements */
  tag: string | null;
  /** instances allowed above the desired capacity (MaxHealthyPercentage > 100) */
  extra: number;
  /** the refresh is moving: look again soon */
  busy: boolean;
}

export async function activeRefresh(ctx: AsgContext, group: Group): Promise<RefreshRow | undefined> {
  return (await ctx.refreshes.ofGroup(group.scope, group.name)).find(isActive);
}

export async function refreshStep(ctx: AsgContext, group: Group, members: GroupInstanceRow[], now: number): Promise<RefreshDirective> {
  const idle: RefreshDirective = { source: group.source, tag: null, extra: 0, busy: false };
  const r = await activeRefresh(ctx, group);
  if (!r) return idle;
  const plan = parsePlan(r);
  const prefs = parsePrefs(r);
  const rolling = plan.phase === 'rollback';
  const source = rolling ? plan.previous : (plan.target ?? group.source);
  const tag = launchTag(r, plan);
  let status = (r.status === 'Pending' ? 'InProgress' : r.status) as InstanceRefreshStatusEnum;
  let reason = r.status_reason;
  const save = (extra: { end?: boolean } = {}) =>
    ctx.refreshes.update(r.refresh_id, { status, status_reason: reason, plan: JSON.stringify(plan), ...(extra.end ? { end_time: new Date(now).toISOString() } : {}) });

  const present = members.filter((m) => !isTerminating(m));
  const live = present.filter((m) => m.lifecycle_state !== 'Standby');
  const warmed = (m: GroupInstanceRow) =>
    m.refresh_id === tag && m.lifecycle_state === 'InService' && m.health_status === 'Healthy' && m.in_service_at !== null && now >= Date.parse(m.in_service_at) + prefs.InstanceWarmup * 1000;
  const inFlight = live.filter((m) => m.refresh_id === tag && !warmed(m)).length;
  plan.toReplace = plan.toReplace.filter((id) => present.some((m) => m.instance_id === id));
  progress(plan, Math.min(plan.total, live.filter(warmed).length));

  if (status === 'Cancelling') {
    if (inFlight > 0) {
      await save();
      return { ...idle, busy: true };
    }
    status = 'Cancelled';
    await save({ end: true });
    return idle;
  }
  if (plan.failures >= FAIL_AFTER_LAUNCH_FAILURES) {
    if (!rolling && prefs.AutoRollback && plan.target) {
      startRollback(plan, members, r, `The instance refresh failed and was rolled back automatically: ${reason ?? 'instances could not be launched.'}`, now);
      status = 'RollbackInProgress';
      await save();
      return { ...idle, busy: true };
    }
    status = rolling ? 'RollbackFailed' : 'Failed';
    await save({ end: true });
    return idle;
  }
  if (status === 'Baking') {
    if (now < Date.parse(plan.bakeUntil!)) return { source, tag, extra: 0, busy: true };
    await finish(ctx, group, r, plan, 'Successful', now);
    return idle;
  }
  if (!rolling && plan.pausedUntil) {
    if (now < Date.parse(plan.pausedUntil)) {
      await save();
      return { source, tag, extra: 0, busy: true };
    }
    plan.pausedUntil = undefined;
    plan.checkpointIndex++;
    reason = null;
  }
  const checkpoints = prefs.CheckpointPercentages ?? [];
  if (!rolling && plan.checkpointIndex < checkpoints.length && inFlight === 0 && plan.percentage >= checkpoints[plan.checkpointIndex]) {
    const cp = checkpoints[plan.checkpointIndex];
    if (cp < 100 && plan.checkpointIndex === checkpoints.length - 1) {
      // the last checkpoint is the end of this refresh (AWS: "the last number must be 100" to replace all)
      await finish(ctx, group, r, plan, 'Successful', now);
      return idle;
    }
    if (cp < 100) {
      const delay = prefs.CheckpointDelay ?? 3600;
      plan.pausedUntil = new Date(now + delay * 1000).toISOString();
      reason = `Checkpoint ${cp}% reached: waiting ${delay} seconds (CheckpointDelay) before continuing.`;
      status = 'InProgress';
      await save();
      return { source, tag, extra: 0, busy: true };
    }
    plan.checkpointIndex++;
  }
  if (plan.toReplace.length === 0 && inFlight === 0) {
    if (!rolling && (prefs.BakeTime ?? 0) > 0) {
      plan.bakeUntil = new Date(now + prefs.BakeTime! * 1000).toISOString();
      status = 'Baking';
      await save();
      return { source, tag, extra: 0, busy: true };
    }
    await finish(ctx, group, r, plan, rolling ? 'RollbackSuccessful' : 'Successful', now);
    return idle;
  }

  // the next batch
  const blocked = (m: GroupInstanceRow) => (m.protected_from_scale_in === 1 && prefs.ScaleInProtectedInstances === 'Wait') || (m.lifecycle_state === 'Standby' && prefs.StandbyInstances === 'Wait');
  const candidates = present.filter((m) => plan.toReplace.includes(m.instance_id));
  const eligible = candidates.filter((m) => !blocked(m));
  if (eligible.length === 0 && inFlight === 0) {
    plan.waitingSince ??= new Date(now).toISOString();
    if (now - Date.parse(plan.waitingSince) > WAIT_LIMIT_MS) {
      reason = 'The instance refresh failed: instances protected from scale in or in Standby were not released within an hour.';
      status = rolling ? 'RollbackFailed' : 'Failed';
      await save({ end: true });
      return idle;
    }
    reason = 'Waiting for instances that are protected from scale in or in Standby (preference Wait).';
    await save();
    return { source, tag, extra: 0, busy: true };
  }
  plan.waitingSince = undefined;
  const desired = group.row.desired_capacity;
  const minHealthy = Math.ceil((desired * prefs.MinHealthyPercentage) / 100);
  const maxTotal = Math.max(desired, Math.floor((desired * prefs.MaxHealthyPercentage) / 100));
  const healthy = live.filter((m) => m.lifecycle_state === 'InService' && m.health_status === 'Healthy' && (m.refresh_id !== tag || warmed(m))).length;
  const surge = maxTotal - desired;
  let batch = healthy - minHealthy;
  if (batch <= 0 && inFlight === 0 && surge === 0) batch = 1;
  // never past the next checkpoint: the refresh pauses there
  const next = rolling ? undefined : checkpoints[plan.checkpointIndex];
  const upTo = next !== undefined && next < 100 ? Math.ceil((plan.total * next) / 100) : plan.total;
  batch = Math.min(batch, upTo - (plan.total - plan.toReplace.length));
  const victims = batch > 0 ? pickVictims(live, eligible, batch, ['OldestInstance']) : [];
  for (const v of victims) {
    await beginTermination(ctx, group.row, v, causes.refresh(v.instance_id));
    plan.toReplace = plan.toReplace.filter((id) => id !== v.instance_id);
  }
  await save();
  // launching first (MaxHealthyPercentage) never makes more new instances than this stretch allows
  const started = live.filter((m) => m.refresh_id === tag).length;
  const room = upTo - started + (live.length - desired);
  return { source, tag, extra: Math.max(0, Math.min(surge, plan.toReplace.length, room)), busy: true };
}

function progress(plan: RefreshPlan, updated: number): void {
  const pct = plan.total ? Math.floor((100 * updated) / plan.total) : 100;
  if (plan.rollback) {
    plan.rollback.percentage = pct;
    plan.rollback.instancesToUpdate = plan.total - updated;
  } else {
    plan.percentage = pct;
    plan.instancesToUpdate = plan.total - updated;
  }
}

/** Turns a refresh around: its own launches are replaced by the previous configuration. */
export function startRollback(plan: RefreshPlan, members: GroupInstanceRow[], r: RefreshRow, reason: string, now: number): void {
  const mine = members.filter((m) => m.refresh_id === r.refresh_id && !isTerminating(m)).map((m) => m.instance_id);
  plan.phase = 'rollback';
  plan.toReplace = mine;
  plan.total = mine.length;
  plan.pausedUntil = undefined;
  plan.bakeUntil = undefined;
  plan.waitingSince = undefined;
  plan.failures = 0;
  plan.rollback = { reason, startTime: new Date(now).toISOString(), percentage: 0, instancesToUpdate: mine.length };
}

async function finish(ctx: AsgContext, group: Group, r: RefreshRow, plan: RefreshPlan, status: InstanceRefreshStatusEnum, now: number): Promise<void> {
  progress(plan, plan.total);
  if (status === 'Successful' && plan.target) {
    await ctx.groups.update(group.scope, group.name, {
      launch_template: plan.target.launchTemplate ? JSON.stringify(plan.target.launchTemplate) : null,
      mixed_instances_policy: plan.target.mixed ? JSON.stringify(plan.target.mixed) : null,
      launch_configuration: plan.target.launchConfiguration ?? null,
    });
    group.source = plan.target;
  }
  await ctx.refreshes.update(r.refresh_id, { status, status_reason: null, plan: JSON.stringify(plan), end_time: new Date(now).toISOString() });
}

/** Counts a launch failure against the active refresh (three in a row fail it). */
export async function noteLaunchResult(ctx: AsgContext, group: Group, ok: boolean, message?: string): Promise<void> {
  const r = await activeRefresh(ctx, group);
  if (!r) return;
  const plan = parsePlan(r);
  plan.failures = ok ? 0 : plan.failures + 1;
  const reason = ok ? r.status_reason : `The instance refresh failed because instances could not be launched: ${message}`;
  await ctx.refreshes.update(r.refresh_id, { plan: JSON.stringify(plan), status_reason: plan.failures >= FAIL_AFTER_LAUNCH_FAILURES ? reason : r.status_reason });
}

export type { Prefs };
