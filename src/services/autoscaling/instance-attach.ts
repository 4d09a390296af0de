// AttachInstances and DetachInstances. Attaching takes running instances of the caller that
// are in one of the group's Availability Zones and in no group, raises the desired capacity by
// their number (within MaxSize) and enters them as Pending (launch hooks apply, then InService),
// each with a Successful "Attaching an existing EC2 instance" activity. Detaching removes
// InService or Standby instances from the group without terminating them, lowering the desired
// capacity when asked (within MinSize) or letting the group launch replacements.
import type { Activity } from '../../api/autoscaling/types.js';
import type { Scope } from '../../store/scope.js';
import type { GroupInstanceRow } from '../../store/repos/autoscaling-instances.js';
import { activityOut, at, details } from './activities.js';
import { validationError } from './asg-errors.js';
import { groupKey, type AsgContext } from './asg-context.js';
import type { GroupService } from './group-service.js';
import { DELETING } from './group-model.js';
import { LAUNCHING } from './instance-lifecycle.js';

const MAX_IDS = 20;

const attachCause = (instanceId: string, from: number, to: number) =>
  `${at()} an instance was added in response to user request. Keeping the capacity at the new ${to}.  ${at()} instance ${instanceId} was attached, increasing the capacity from ${from} to ${to}.`;
const detachCause = (instanceId: string, from: number, to?: number) =>
  to === undefined
    ? `${at()} instance ${instanceId} was detached in response to a user request.`
    : `${at()} instance ${instanceId} was detached in response to a user request, shrinking the capacity from ${from} to ${to}.`;

function checkIds(ids: readonly string[] | undefined): readonly string[] {
  if (!ids?.length) throw validationError('The InstanceIds parameter must contain at least one instance ID.');
  if (ids.length > MAX_IDS) throw validationError(`The number of instance IDs exceeds the limit of ${MAX_IDS}.`);
  return [...new Set(ids)];
}

export class InstanceAttachments {
  constructor(
    private readonly ctx: AsgContext,
    private readonly groups: GroupService,
  ) {}

  async attach(caller: Scope, groupName: string, instanceIds: readonly string[] | undefined): Promise<void> {
    const ids = checkIds(instanceIds);
    await this.ctx.lock.run(groupKey(caller, groupName), async () => {
      const group = await this.groups.get(caller, groupName);
      if (group.row.status === DELETING) throw validationError(`AutoScalingGroup ${groupName} is pending delete.`);
      const found = this.ctx.compute.describe ? await this.ctx.compute.describe(caller, ids) : new Map();
      for (const id of ids) {
        const d = found.get(id);
        if (!d || d.state === 'terminated' || d.state === 'shutting-down') throw validationError(`Instance ${id} is not in correct state: the instance does not exist or is terminated.`);
        if (d.state !== 'running') throw validationError(`Instance ${id} is not in correct state: it must be running to be attached (it is ${d.state}).`);
        if (!group.settings.AvailabilityZones.includes(d.zone)) {
          throw validationError(`Instance ${id} is in Availability Zone ${d.zone}, which is not one of the Availability Zones of the Auto Scaling group ${groupName}.`);
        }
        const member = await this.ctx.instances.get(caller, id);
        if (member && member.lifecycle_state !== LAUNCHING) throw validationError(`Instance ${id} is already part of the Auto Scaling group ${member.group_name}.`);
      }
      const from = group.row.desired_capacity;
      const to = from + ids.length;
      if (to > group.row.max_size) {
        throw validationError(`Attaching ${ids.length} instance(s) would raise the desired capacity to ${to}, above the group's max size (${group.row.max_size}).`);
      }
      await this.ctx.groups.update(caller, groupName, { desired_capacity: to });
      let desired = from;
      for (const id of ids) {
        const d = found.get(id)!;
        await this.ctx.activities.start(group.row, {
          description: `Attaching an existing EC2 instance: ${id}`,
          cause: attachCause(id, desired, desired + 1),
          details: details(d.zone),
          statusCode: 'Successful',
        });
        desired++;
        const row: GroupInstanceRow = {
          instance_id: id,
          account_id: caller.accountId,
          region: caller.region,
          group_name: groupName,
          availability_zone: d.zone,
          subnet_id: null,
          lifecycle_state: 'Pending',
          health_status: 'Healthy',
          protected_from_scale_in: group.settings.NewInstancesProtectedFromScaleIn ? 1 : 0,
          launch_template: null,
          image_id: d.imageId ?? null,
          instance_type: d.instanceType ?? null,
          launched_at: d.launchTime ?? new Date().toISOString(),
          in_service_at: null,
          refresh_id: null,
          activity_id: null,
          termination_cause: null,
          launch_configuration: null,
          lifecycle_action: null,
        };
        await this.ctx.instances.insert(row);
      }
    });
    this.ctx.kick(caller, groupName);
  }

  async detach(caller: Scope, groupName: string, instanceIds: readonly string[] | undefined, decrement: boolean): Promise<Activity[]> {
    const ids = checkIds(instanceIds);
    const out = await this.ctx.lock.run(groupKey(caller, groupName), async () => {
      const group = await this.groups.get(caller, groupName);
      const members: GroupInstanceRow[] = [];
      for (const id of ids) {
        const m = await this.ctx.instances.get(caller, id);
        if (!m || m.group_name !== groupName || m.lifecycle_state === LAUNCHING) throw validationError(`The instance ${id} is not part of Auto Scaling group ${groupName}.`);
        if (m.lifecycle_state !== 'InService' && m.lifecycle_state !== 'Standby') throw validationError(`The instance ${id} is not in InService or Standby.`);
        members.push(m);
      }
      const counted = members.filter((m) => m.lifecycle_state !== 'Standby').length;
      let desired = group.row.desired_capacity;
      if (decrement && desired - counted < group.row.min_size) {
        throw validationError(
          `Currently, desiredSize equals minSize (${group.row.min_size}). Detaching instance without replacement will violate group's min size constraint. Either set shouldDecrementDesiredCapacity flag to false or lower group's min size constraint.`,
        );
      }
      const activities = [];
      for (const m of members) {
        const shrinks = decrement && m.lifecycle_state !== 'Standby';
        activities.push(
          await this.ctx.activities.start(group.row, {
            description: `Detaching EC2 instance: ${m.instance_id}`,
            cause: detachCause(m.instance_id, desired, shrinks ? desired - 1 : undefined),
            details: details(m.availability_zone, m.subnet_id ?? undefined),
            statusCode: 'Successful',
          }),
        );
        if (shrinks) desired--;
        await this.ctx.instances.delete(m.instance_id);
      }
      if (desired !== group.row.desired_capacity) await this.ctx.groups.update(caller, groupName, { desired_capacity: desired });
      return activities;
    });
    this.ctx.kick(caller, groupName);
    return out.map((a) => activityOut(a));
  }
}
