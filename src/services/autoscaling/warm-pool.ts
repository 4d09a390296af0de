// Warm pools: PutWarmPool / DescribeWarmPool / DeleteWarmPool. The configuration is a JSON
// column of the group (WarmPoolConfiguration with its Status); the pool's instances are group
// members in Warmed:* states, launched, stopped, handed to the group and trimmed by the
// reconciler (warm-pool-step.ts). Hibernated pools are kept as stopped instances (the compute
// drivers have no hibernation): DescribeWarmPool still answers PoolState Hibernated and the
// instances show Warmed:Stopped. Groups with a mixed instances policy may have one (AWS allows
// it since November 2025); pool instances launch from the policy as the group's do.
import type { DescribeWarmPoolType, Instance, PutWarmPoolType, WarmPoolConfiguration } from '../../api/autoscaling/types.js';
import type { Scope } from '../../store/scope.js';
import type { GroupRow } from '../../store/repos/autoscaling-groups.js';
import type { GroupInstanceRow } from '../../store/repos/autoscaling-instances.js';
import { checkRange, validationError } from './asg-errors.js';
import { groupKey, type AsgContext } from './asg-context.js';
import type { GroupService } from './group-service.js';
import { instanceOut } from './group-model.js';
import { requestTermination } from './instance-lifecycle.js';
import { isWarm, WARMED_TERMINATING } from './member-states.js';
import { page } from './paging.js';

export const POOL_STATES = ['Stopped', 'Running', 'Hibernated'];

export const warmPoolOf = (row: Pick<GroupRow, 'warm_pool'>): WarmPoolConfiguration | undefined => (row.warm_pool ? (JSON.parse(row.warm_pool) as WarmPoolConfiguration) : undefined);

/** How many instances the pool should hold: (MaxGroupPreparedCapacity, else MaxSize) − desired, at least MinSize. */
export function warmPoolTarget(pool: WarmPoolConfiguration, row: Pick<GroupRow, 'max_size' | 'desired_capacity'>): number {
  const prepared = pool.MaxGroupPreparedCapacity ?? row.max_size;
  return Math.max(pool.MinSize ?? 0, prepared - row.desired_capacity);
}

export class WarmPools {
  constructor(
    private readonly ctx: AsgContext,
    private readonly groups: GroupService,
  ) {}

  async put(caller: Scope, input: PutWarmPoolType): Promise<void> {
    const name = input.AutoScalingGroupName;
    checkRange('minSize', input.MinSize, 0);
    checkRange('maxGroupPreparedCapacity', input.MaxGroupPreparedCapacity, -1);
    const state = input.PoolState ?? 'Stopped';
    if (!POOL_STATES.includes(state)) throw validationError(`Invalid pool state: ${state}. Valid values are Stopped, Running and Hibernated.`);
    const prepared = input.MaxGroupPreparedCapacity === undefined || input.MaxGroupPreparedCapacity === -1 ? undefined : input.MaxGroupPreparedCapacity;
    if (prepared !== undefined && input.MinSize !== undefined && input.MinSize > prepared) {
      throw validationError('The warm pool MinSize cannot be greater than MaxGroupPreparedCapacity.');
    }
    await this.ctx.lock.run(groupKey(caller, name), async () => {
      const group = await this.groups.get(caller, name);
      if (warmPoolOf(group.row)?.Status === 'PendingDelete') throw validationError(`The warm pool of Auto Scaling group ${name} is being deleted.`);
      const config: WarmPoolConfiguration = {
        ...(prepared !== undefined ? { MaxGroupPreparedCapacity: prepared } : {}),
        MinSize: input.MinSize ?? 0,
        PoolState: state as WarmPoolConfiguration['PoolState'],
        ...(input.InstanceReusePolicy ? { InstanceReusePolicy: input.InstanceReusePolicy } : {}),
      };
      await this.ctx.groups.update(caller, name, { warm_pool: JSON.stringify(config) });
    });
    this.ctx.kick(caller, name);
  }

  async describe(caller: Scope, input: DescribeWarmPoolType): Promise<{ config?: WarmPoolConfiguration; instances: Instance[]; nextToken?: string }> {
    const group = await this.groups.get(caller, input.AutoScalingGroupName);
    const warm = (await this.ctx.instances.ofGroup(caller, group.name)).filter(isWarm).sort((a, b) => (a.instance_id < b.instance_id ? -1 : 1));
    const { items, nextToken } = page(warm, (m) => m.instance_id, input, { binding: [caller.accountId, caller.region, group.name, 'warm-pool'], max: 50, defaultSize: 50 });
    return { config: warmPoolOf(group.row), instances: items.map(instanceOut), nextToken };
  }

  /** Without ForceDelete the pool is PendingDelete until its instances are gone; with it the configuration goes at once. */
  async delete(caller: Scope, name: string, force: boolean): Promise<void> {
    await this.ctx.lock.run(groupKey(caller, name), async () => {
      const group = await this.groups.get(caller, name);
      const pool = warmPoolOf(group.row);
      if (!pool) throw validationError(`No warm pool found for Auto Scaling group ${name}.`);
      const warm = (await this.ctx.instances.ofGroup(caller, name)).filter(isWarm);
      if (force || warm.length === 0) {
        await this.ctx.groups.update(caller, name, { warm_pool: null });
        for (const m of warm) await retireWarm(this.ctx, group.row, m);
      } else {
        await this.ctx.groups.update(caller, name, { warm_pool: JSON.stringify({ ...pool, Status: 'PendingDelete' }) });
      }
    });
    this.ctx.kick(caller, name);
  }
}

/** A pool instance leaves for good: Warmed:Terminating and the EC2 termination. */
export async function retireWarm(ctx: AsgContext, group: GroupRow, m: GroupInstanceRow): Promise<void> {
  if (m.lifecycle_state === WARMED_TERMINATING) return;
  await ctx.instances.update(m.instance_id, { lifecycle_state: WARMED_TERMINATING });
  m.lifecycle_state = WARMED_TERMINATING;
  await requestTermination(ctx, group, m);
}
