// Operations on single instances of groups: DescribeAutoScalingInstances,
// TerminateInstanceInAutoScalingGroup, SetInstanceHealth, Enter/ExitStandby and
// SetInstanceProtection. An instance of another account's group is "not found".
import type { Activity, AutoScalingInstanceDetails, DescribeAutoScalingInstancesType } from '../../api/autoscaling/types.js';
import type { Scope } from '../../store/scope.js';
import type { GroupInstanceRow } from '../../store/repos/autoscaling-instances.js';
import { activityOut, causes, details } from './activities.js';
import { instanceNotInGroup, validationError } from './asg-errors.js';
import { groupKey, type AsgContext } from './asg-context.js';
import type { GroupService } from './group-service.js';
import { instanceOut } from './group-model.js';
import { beginTermination, LAUNCHING } from './instance-lifecycle.js';
import { page } from './paging.js';
import { isTerminating, isWarm } from './member-states.js';

const minViolation = (min: number) =>
  validationError(
    `Currently, desiredSize equals minSize (${min}). Terminating instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size constraint.`,
  );

export class InstanceOps {
  constructor(
    private readonly ctx: AsgContext,
    private readonly groups: GroupService,
  ) {}

  private async member(caller: Scope, instanceId: string): Promise<GroupInstanceRow> {
    const m = await this.ctx.instances.get(caller, instanceId);
    if (!m || m.lifecycle_state === LAUNCHING) throw instanceNotInGroup(instanceId);
    return m;
  }

  async describe(caller: Scope, input: DescribeAutoScalingInstancesType): Promise<{ instances: AutoScalingInstanceDetails[]; nextToken?: string }> {
    const rows = (await this.ctx.instances.list(caller, input.InstanceIds?.length ? input.InstanceIds : undefined)).filter((r) => r.lifecycle_state !== LAUNCHING);
    const { items, nextToken } = page(rows, (r) => r.instance_id, input, { binding: [caller.accountId, caller.region, input.InstanceIds], max: 50, defaultSize: 50 });
    // DescribeAutoScalingInstances spells health HEALTHY/UNHEALTHY (DescribeAutoScalingGroups: Healthy)
    return { instances: items.map((r) => ({ ...instanceOut(r), HealthStatus: r.health_status.toUpperCase(), AutoScalingGroupName: r.group_name, LifecycleState: r.lifecycle_state })), nextToken };
  }

  async terminate(caller: Scope, instanceId: string, decrement: boolean): Promise<Activity> {
    const m = await this.member(caller, instanceId);
    const activity = await this.ctx.lock.run(groupKey(caller, m.group_name), async () => {
      const member = await this.member(caller, instanceId);
      const group = await this.groups.get(caller, member.group_name);
      const row = group.row;
      if (isTerminating(member) && member.activity_id) {
        return (await this.ctx.activityRepo.list(caller, { activityIds: [member.activity_id] }))[0];
      }
      let cause = causes.userTerminate(instanceId, row.desired_capacity);
      // Standby and warm pool instances are outside the desired capacity
      if (decrement && member.lifecycle_state !== 'Standby' && !isWarm(member)) {
        if (row.desired_capacity <= row.min_size) throw minViolation(row.min_size);
        cause = causes.userTerminate(instanceId, row.desired_capacity, row.desired_capacity - 1);
        await this.ctx.groups.update(caller, member.group_name, { desired_capacity: row.desired_capacity - 1 });
      }
      return beginTermination(this.ctx, row, member, cause);
    });
    this.ctx.kick(caller, m.group_name);
    return activityOut(activity);
  }

  async setHealth(caller: Scope, instanceId: string, status: string, respectGracePeriod: boolean): Promise<void> {
    if (status !== 'Healthy' && status !== 'Unhealthy') throw validationError(`Valid values for HealthStatus are Healthy and Unhealthy, not ${status}.`);
    const m = await this.member(caller, instanceId);
    await this.ctx.lock.run(groupKey(caller, m.group_name), async () => {
      const member = await this.member(caller, instanceId);
      if (isTerminating(member)) return;
      const group = await this.groups.get(caller, member.group_name);
      const grace = group.settings.HealthCheckGracePeriod * 1000;
      // inside the grace period the call is ignored unless told not to respect it
      if (status === 'Unhealthy' && respectGracePeriod && Date.now() < Date.parse(member.launched_at) + grace) return;
      await this.ctx.instances.update(instanceId, { health_status: status, termination_cause: status === 'Unhealthy' ? 'user-health' : null });
    });
    this.ctx.kick(caller, m.group_name);
  }

  async enterStandby(caller: Scope, groupName: string, instanceIds: readonly string[], decrement: boolean): Promise<Activity[]> {
    const out = await this.ctx.lock.run(groupKey(caller, groupName), async () => {
      const group = await this.groups.get(caller, groupName);
      const members = await this.inGroup(caller, groupName, instanceIds);
      for (const m of members) if (m.lifecycle_state !== 'InService') throw validationError(`The instance ${m.instance_id} is not in InService.`);
      if (decrement) {
        const desired = group.row.desired_capacity - members.length;
        if (desired < group.row.min_size) throw minViolation(group.row.min_size);
        await this.ctx.groups.update(caller, groupName, { desired_capacity: desired });
      }
      const activities = [];
      for (const m of members) {
        await this.ctx.instances.update(m.instance_id, { lifecycle_state: 'Standby' });
        activities.push(
          await this.ctx.activities.start(group.row, {
            description: `Moving EC2 instance to Standby: ${m.instance_id}`,
            cause: causes.standby(m.instance_id),
            details: details(m.availability_zone, m.subnet_id ?? undefined),
            statusCode: 'Successful',
          }),
        );
      }
      return activities;
    });
    this.ctx.kick(caller, groupName);
    return out.map((a) => activityOut(a));
  }

  async exitStandby(caller: Scope, groupName: string, instanceIds: readonly string[]): Promise<Activity[]> {
    const out = await this.ctx.lock.run(groupKey(caller, groupName), async () => {
      const group = await this.groups.get(caller, groupName);
      const members = await this.inGroup(caller, groupName, instanceIds);
      for (const m of members) if (m.lifecycle_state !== 'Standby') throw validationError(`The instance ${m.instance_id} is not in Standby.`);
      const desired = group.row.desired_capacity + members.length;
      if (desired > group.row.max_size) {
        throw validationError(`Exiting standby would raise the desired capacity to ${desired}, above the group's max size (${group.row.max_size}).`);
      }
      await this.ctx.groups.update(caller, groupName, { desired_capacity: desired });
      const activities = [];
      for (const m of members) {
        // back through Pending: the reconciler puts it in service once EC2 reports it running
        await this.ctx.instances.update(m.instance_id, { lifecycle_state: 'Pending', activity_id: null });
        activities.push(
          await this.ctx.activities.start(group.row, {
            description: `Moving EC2 instance out of Standby: ${m.instance_id}`,
            cause: causes.exitStandby(m.instance_id),
            details: details(m.availability_zone, m.subnet_id ?? undefined),
            statusCode: 'Successful',
          }),
        );
      }
      return activities;
    });
    this.ctx.kick(caller, groupName);
    return out.map((a) => activityOut(a));
  }

  async setProtection(caller: Scope, groupName: string, instanceIds: readonly string[], protect: boolean): Promise<void> {
    await this.ctx.lock.run(groupKey(caller, groupName), async () => {
      await this.groups.get(caller, groupName);
      for (const m of await this.inGroup(caller, groupName, instanceIds)) await this.ctx.instances.update(m.instance_id, { protected_from_scale_in: protect ? 1 : 0 });
    });
  }

  private async inGroup(caller: Scope, groupName: string, instanceIds: readonly string[]): Promise<GroupInstanceRow[]> {
    const out: GroupInstanceRow[] = [];
    for (const id of instanceIds) {
      const m = await this.ctx.instances.get(caller, id);
      if (!m || m.group_name !== groupName || m.lifecycle_state === LAUNCHING) {
        throw validationError(`The instance ${id} is not part of Auto Scaling group ${groupName}.`);
      }
      out.push(m);
    }
    return out;
  }
}
