// Auto Scaling groups as a domain service: Create/Update/Delete/Describe and SetDesiredCapacity.
// Changes are written under the group's lock and then handed to the reconciler (kick), which
// does the launching and terminating. A group is private to its account and region.
import { randomUUID } from 'node:crypto';
import type { AutoScalingGroup, AutoScalingGroupNamesType, CreateAutoScalingGroupType, UpdateAutoScalingGroupType } from '../../api/autoscaling/types.js';
import type { Scope } from '../../store/scope.js';
import type { GroupRow, GroupTagRow } from '../../store/repos/autoscaling-groups.js';
import { causes } from './activities.js';
import { alreadyExists, groupNotFound, resourceInUse, updateGroupNotFound, validationError } from './asg-errors.js';
import { groupKey, type AsgContext } from './asg-context.js';
import { DELETING, groupOut, parseGroup, type Group } from './group-model.js';
import { checkGroupName, checkSizes, checkTag, DEFAULT_SETTINGS, MAX_TAGS, mergeSettings } from './group-validation.js';
import { checkSource, hasSource } from './launch-source.js';
import { resolvePlacement } from './placement.js';
import { page } from './paging.js';
import { activeRefresh } from './refresh-step.js';
import { LAUNCHING } from './instance-lifecycle.js';
import { checkHookSpecs } from './lifecycle-hooks.js';
import { isWarm } from './member-states.js';
import { warmPoolOf } from './warm-pool.js';
import { ServiceError } from '../../protocol/service-error.js';

export class GroupService {
  constructor(private readonly ctx: AsgContext) {}

  private locked<T>(scope: Scope, name: string, fn: () => Promise<T>): Promise<T> {
    return this.ctx.lock.run(groupKey(scope, name), fn);
  }

  /** The caller's group, else ValidationError (AWS's "not found" wording, or the given error). */
  async get(scope: Scope, name: string, notFound = groupNotFound): Promise<Group> {
    const row = await this.ctx.groups.get(scope, name);
    if (!row) throw notFound(name);
    return parseGroup(row);
  }

  async create(caller: Scope, input: CreateAutoScalingGroupType): Promise<void> {
    const name = input.AutoScalingGroupName;
    checkGroupName(name);
    const desired = input.DesiredCapacity ?? input.MinSize;
    checkSizes(input.MinSize, input.MaxSize, desired);
    const hooks = checkHookSpecs(caller, name, input.LifecycleHookSpecificationList);
    const source = await checkSource(caller, this.ctx.templates, this.ctx.images, input, this.ctx.store.autoscalingConfig);
    const placement = await resolvePlacement(caller, this.ctx.subnets, input.AvailabilityZones, input.VPCZoneIdentifier);
    const settings = mergeSettings(DEFAULT_SETTINGS, input);
    settings.AvailabilityZones = placement.zones;
    settings.subnets = placement.subnets;
    settings.VPCZoneIdentifier = placement.subnets.length ? input.VPCZoneIdentifier : undefined;
    settings.LoadBalancerNames = input.LoadBalancerNames ?? [];
    settings.TargetGroupARNs = input.TargetGroupARNs ?? [];
    settings.TrafficSources = input.TrafficSources ?? [];
    const tags = (input.Tags ?? []).map(checkTag);
    if (tags.length > MAX_TAGS) throw new ServiceError('LimitExceeded', `The number of tags exceeds the limit of ${MAX_TAGS} tags per Auto Scaling group.`, 400);
    await this.locked(caller, name, async () => {
      if (await this.ctx.groups.get(caller, name)) throw alreadyExists(name);
      const row: GroupRow = {
        account_id: caller.accountId,
        region: caller.region,
        group_name: name,
        group_id: randomUUID(),
        created_at: new Date().toISOString(),
        min_size: input.MinSize,
        max_size: input.MaxSize,
        desired_capacity: desired,
        launch_template: source.launchTemplate ? JSON.stringify(source.launchTemplate) : null,
        mixed_instances_policy: source.mixed ? JSON.stringify(source.mixed) : null,
        settings: JSON.stringify(settings),
        status: null,
        capacity_cause: desired > 0 ? causes.created(0, desired) : null,
        launch_failures: 0,
        next_launch_at: null,
        cooldown_until: null,
        launch_configuration: source.launchConfiguration ?? null,
        suspended_processes: null,
        warm_pool: null,
        enabled_metrics: null,
      };
      const tagRows: GroupTagRow[] = [...new Map(tags.map((t) => [t.key, t])).values()].map((t) => ({
        account_id: caller.accountId,
        region: caller.region,
        group_name: name,
        key: t.key,
        value: t.value,
        propagate_at_launch: t.propagate ? 1 : 0,
      }));
      // the group and its lifecycle hooks in one unit: no launch ever sees the group without them
      await this.ctx.store.transaction(async (tx) => {
        await tx.autoscalingGroups.insert(row, tagRows);
        for (const h of hooks) await tx.autoscalingGroups.putHook(h);
      });
    });
    this.ctx.kick(caller, name);
  }

  async update(caller: Scope, input: UpdateAutoScalingGroupType): Promise<void> {
    const name = input.AutoScalingGroupName;
    const group = await this.get(caller, name, updateGroupNotFound);
    if (group.row.status === DELETING) throw validationError(`AutoScalingGroup ${name} is pending delete.`);
    const source = hasSource(input) ? await checkSource(caller, this.ctx.templates, this.ctx.images, input, this.ctx.store.autoscalingConfig) : undefined;
    if (source) {
      const refresh = await activeRefresh(this.ctx, group);
      if (refresh?.desired_configuration) {
        throw validationError('An active instance refresh with a desired configuration exists. All configuration options derived from the desired configuration are not available for update while the instance refresh is active.');
      }
    }
    const placement =
      input.AvailabilityZones !== undefined || input.VPCZoneIdentifier !== undefined
        ? await resolvePlacement(caller, this.ctx.subnets, input.AvailabilityZones ?? (input.VPCZoneIdentifier !== undefined ? undefined : group.settings.AvailabilityZones), input.VPCZoneIdentifier)
        : undefined;
    const settings = mergeSettings(group.settings, input);
    if (placement) {
      settings.AvailabilityZones = placement.zones;
      settings.subnets = placement.subnets;
      settings.VPCZoneIdentifier = placement.subnets.length ? input.VPCZoneIdentifier : undefined;
    }
    await this.locked(caller, name, async () => {
      const row = await this.ctx.groups.get(caller, name);
      if (!row) throw updateGroupNotFound();
      const min = input.MinSize ?? row.min_size;
      const max = input.MaxSize ?? row.max_size;
      // a new bound that excludes the current desired capacity moves it (UpdateAutoScalingGroup reference)
      const desired = input.DesiredCapacity ?? Math.min(max, Math.max(min, row.desired_capacity));
      checkSizes(min, max, desired);
      const changed = desired !== row.desired_capacity;
      await this.ctx.groups.update(caller, name, {
        min_size: min,
        max_size: max,
        desired_capacity: desired,
        settings: JSON.stringify(settings),
        ...(source
          ? {
              launch_template: source.launchTemplate ? JSON.stringify(source.launchTemplate) : null,
              mixed_instances_policy: source.mixed ? JSON.stringify(source.mixed) : null,
              launch_configuration: source.launchConfiguration ?? null,
            }
          : {}),
        ...(changed ? { capacity_cause: causes.updated(min, max, desired, row.desired_capacity) } : {}),
        // a new launch source gets a fresh chance at once
        ...(source ? { launch_failures: 0, next_launch_at: null } : {}),
      });
    });
    this.ctx.kick(caller, name);
  }

  async delete(caller: Scope, name: string, force: boolean): Promise<void> {
    await this.locked(caller, name, async () => {
      const group = await this.get(caller, name);
      if (group.row.status === DELETING) return;
      const protection = group.settings.DeletionProtection;
      if (protection === 'prevent-all-deletion' || (protection === 'prevent-force-deletion' && force)) {
        throw validationError(`Deletion of Auto Scaling group ${name} is not allowed: its DeletionProtection is ${protection}.`);
      }
      const members = await this.ctx.instances.ofGroup(caller, name);
      if (members.length === 0) {
        await this.ctx.groups.delete(caller, name);
        return;
      }
      if (!force) throw resourceInUse('You cannot delete an AutoScalingGroup while there are instances or pending Spot instance request(s) still in the group.');
      const refresh = await activeRefresh(this.ctx, group);
      if (refresh) await this.ctx.refreshes.update(refresh.refresh_id, { status: 'Cancelled', end_time: new Date().toISOString(), status_reason: 'The Auto Scaling group is being deleted.' });
      await this.ctx.groups.update(caller, name, {
        status: DELETING,
        min_size: 0,
        max_size: 0,
        desired_capacity: 0,
        capacity_cause: causes.updated(0, 0, 0, group.row.desired_capacity),
      });
    });
    this.ctx.kick(caller, name);
  }

  async describe(caller: Scope, input: AutoScalingGroupNamesType): Promise<{ groups: AutoScalingGroup[]; nextToken?: string }> {
    let rows = await this.ctx.groups.list(caller);
    const names = input.AutoScalingGroupNames;
    if (names?.length) rows = rows.filter((r) => names.includes(r.group_name));
    const tags = await this.ctx.groups.tags(caller, rows.map((r) => r.group_name));
    const tagsOf = (name: string) => tags.filter((t) => t.group_name === name);
    for (const f of input.Filters ?? []) {
      const values = f.Values ?? [];
      const match = (t: GroupTagRow) => {
        if (f.Name === 'tag-key') return values.includes(t.key);
        if (f.Name === 'tag-value') return values.includes(t.value);
        if (f.Name?.startsWith('tag:')) return t.key === f.Name.slice(4) && values.includes(t.value);
        throw validationError(`The filter '${f.Name}' is not valid. Valid filters are tag-key, tag-value and tag:<key>.`);
      };
      rows = rows.filter((r) => tagsOf(r.group_name).some(match));
    }
    const { items, nextToken } = page(rows, (r) => r.group_name, input, { binding: [caller.accountId, caller.region, names, input.Filters], max: 100, defaultSize: 50 });
    const withInstances = input.IncludeInstances !== false;
    const groups: AutoScalingGroup[] = [];
    for (const r of items) {
      const all = await this.ctx.instances.ofGroup(caller, r.group_name);
      const members = withInstances ? all.filter((m) => m.lifecycle_state !== LAUNCHING && !isWarm(m)) : [];
      const pool = warmPoolOf(r);
      groups.push({ ...groupOut(parseGroup(r), tagsOf(r.group_name), members), ...(pool ? { WarmPoolConfiguration: pool, WarmPoolSize: all.filter(isWarm).length } : {}) });
    }
    return { groups, nextToken };
  }

  async setDesired(caller: Scope, name: string, desired: number, honorCooldown: boolean, cause = causes.setDesired): Promise<void> {
    await this.locked(caller, name, async () => {
      const group = await this.get(caller, name);
      const row = group.row;
      if (desired > row.max_size) throw validationError(`New SetDesiredCapacity value ${desired} is above max value ${row.max_size} for the AutoScalingGroup.`);
      if (desired < row.min_size) throw validationError(`New SetDesiredCapacity value ${desired} is below min value ${row.min_size} for the AutoScalingGroup.`);
      this.checkCooldown(group, honorCooldown);
      if (desired === row.desired_capacity) return;
      await this.ctx.groups.update(caller, name, {
        desired_capacity: desired,
        capacity_cause: cause(row.desired_capacity, desired),
        cooldown_until: new Date(Date.now() + group.settings.DefaultCooldown * 1000).toISOString(),
      });
    });
    this.ctx.kick(caller, name);
  }

  /** HonorCooldown: a scaling action inside the group's cooldown is refused. */
  checkCooldown(group: Group, honorCooldown: boolean): void {
    if (honorCooldown && group.row.cooldown_until && Date.parse(group.row.cooldown_until) > Date.now()) {
      throw new ServiceError('ScalingActivityInProgress', 'Scaling activity is in progress and blocks this action (the group is in its cooldown period).', 400);
    }
  }
}
