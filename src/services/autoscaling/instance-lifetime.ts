// MaxInstanceLifetime: InService instances older than the lifetime (from their launch, or
// their attachment) are replaced, oldest first, without dropping the healthy InService capacity
// below the instance maintenance policy's MinHealthyPercentage of the desired capacity (rounded
// up). Without a policy they go one at a time. When the minimum leaves no room (100 %), the
// group launches first, up to MaxHealthyPercentage: the step returns how many instances the
// capacity step may add above the desired capacity, and terminates old ones once the new ones
// are in service.
import type { GroupInstanceRow } from '../../store/repos/autoscaling-instances.js';
import { at } from './activities.js';
import type { AsgContext } from './asg-context.js';
import { isSuspended, type Group } from './group-model.js';
import { beginTermination } from './instance-lifecycle.js';
import { isActive, isTerminating } from './member-states.js';

export const LIFETIME_CAUSE = 'max-lifetime';
const lifetimeCause = (instanceId: string) => `${at()} an instance was taken out of service in response to a maximum instance lifetime policy.  ${at()} instance ${instanceId} was selected for termination.`;

/** Plans and starts this pass's lifetime replacements; returns the capacity allowed above desired. */
export async function lifetimeStep(ctx: AsgContext, group: Group, members: GroupInstanceRow[], now: number): Promise<number> {
  const lifetime = group.settings.MaxInstanceLifetime;
  if (!lifetime || isSuspended(group, 'Terminate') || isSuspended(group, 'ReplaceUnhealthy')) return 0;
  const expired = members
    .filter((m) => m.lifecycle_state === 'InService' && now >= Date.parse(m.launched_at) + lifetime * 1000)
    .sort((a, b) => (a.launched_at < b.launched_at ? -1 : a.launched_at > b.launched_at ? 1 : 0));
  if (expired.length === 0) return 0;
  const desired = group.row.desired_capacity;
  const policy = group.settings.InstanceMaintenancePolicy;
  const inFlight = members.filter((m) => isTerminating(m) && m.termination_cause === LIFETIME_CAUSE).length;
  const healthy = members.filter((m) => m.lifecycle_state === 'InService' && m.health_status === 'Healthy').length;
  const pending = members.filter((m) => isActive(m) && m.lifecycle_state !== 'InService').length;
  let budget: number;
  let extra = 0;
  if (policy?.MinHealthyPercentage !== undefined && policy.MinHealthyPercentage >= 0) {
    const minHealthy = Math.ceil((desired * policy.MinHealthyPercentage) / 100);
    budget = healthy - minHealthy;
    const maxHealthy = Math.floor((desired * (policy.MaxHealthyPercentage ?? 100)) / 100);
    extra = Math.min(expired.length, Math.max(0, maxHealthy - desired));
  } else {
    budget = inFlight > 0 || pending > 0 ? 0 : 1;
  }
  for (const m of expired.slice(0, Math.max(0, budget))) {
    await ctx.instances.update(m.instance_id, { termination_cause: LIFETIME_CAUSE });
    m.termination_cause = LIFETIME_CAUSE;
    await beginTermination(ctx, group.row, m, lifetimeCause(m.instance_id));
  }
  const left = expired.filter((m) => m.lifecycle_state === 'InService').length;
  return Math.min(extra, left);
}
