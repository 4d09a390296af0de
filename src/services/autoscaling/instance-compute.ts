// The compute port over the instance service's domain API (InstanceService.run / terminate /
// summaries): a group's launch is RunInstances of one instance from the resolved launch
// template version, placed in the chosen zone or subnet, with the group's tags over the
// template's and aws:autoscaling:groupName as a system tag.
import type { RunInstancesRequest, RequestLaunchTemplateData, TagSpecification } from '../../api/ec2/types.js';
import type { Scope } from '../../store/scope.js';
import type { LaunchTemplateService } from '../ec2/launch-templates/launch-template-service.js';
import type { AsgCompute, InstanceDetails, InstanceState, LaunchedInstance, LaunchRequest } from './compute-port.js';
import { GROUP_NAME_TAG } from './instance-lifecycle.js';
import { runRequestOf } from './launch-config-run.js';

/** The part of InstanceService this adapter uses. */
export interface InstanceApi {
  run(
    caller: Scope,
    request: RunInstancesRequest,
    opts: { systemTags?: { key: string; value: string }[] },
  ): Promise<{ instances: { instance_id: string; availability_zone: string; subnet_id: string; instance_type: string; image_id: string }[] }>;
  terminate(caller: Scope, instanceIds: readonly string[]): Promise<unknown>;
  stop(caller: Scope, instanceIds: readonly string[]): Promise<unknown>;
  start(caller: Scope, instanceIds: readonly string[]): Promise<unknown>;
  summaries(
    caller: Scope,
    instanceIds?: readonly string[],
  ): Promise<{ instanceId: string; state: string; availabilityZone?: string; instanceType?: string; imageId?: string; launchTime?: string }[]>;
  impaired(caller: Scope, instanceIds: readonly string[]): Promise<Set<string>>;
}

/** The template's own network settings kept when the group names the subnet. */
function network(data: RequestLaunchTemplateData, subnetId: string | undefined): Partial<RunInstancesRequest> {
  if (!subnetId) return {};
  if (data.NetworkInterfaces?.length) {
    // the subnet goes on the primary interface; the template's interfaces stay otherwise
    return {
      NetworkInterfaces: data.NetworkInterfaces.map((ni, i) => ((ni.DeviceIndex ?? i) === 0 ? { ...ni, SubnetId: subnetId } : ni)) as RunInstancesRequest['NetworkInterfaces'],
    };
  }
  return { SubnetId: subnetId, SecurityGroupIds: data.SecurityGroupIds, SecurityGroups: data.SecurityGroups };
}

export function instanceCompute(instances: InstanceApi, templates: LaunchTemplateService): AsgCompute {
  return {
    async launch(caller: Scope, req: LaunchRequest): Promise<LaunchedInstance> {
      const userTags = req.tags.filter((t) => t.Key !== GROUP_NAME_TAG);
      const systemTags = req.tags.filter((t) => t.Key === GROUP_NAME_TAG).map((t) => ({ key: t.Key, value: t.Value }));
      if (req.launchConfiguration) {
        const [i] = (await instances.run(caller, runRequestOf(req.launchConfiguration.data, req, userTags), { systemTags })).instances;
        return { instanceId: i.instance_id, zone: i.availability_zone, subnetId: i.subnet_id, instanceType: i.instance_type, imageId: i.image_id };
      }
      const resolved = await templates.resolve(caller, { LaunchTemplateId: req.launchTemplate!.id, Version: String(req.launchTemplate!.version) });
      const tagSpecs: TagSpecification[] = userTags.length ? [{ ResourceType: 'instance', Tags: userTags }] : [];
      const launched = await instances.run(
        caller,
        {
          MinCount: 1,
          MaxCount: 1,
          ClientToken: req.clientToken,
          LaunchTemplate: { LaunchTemplateId: resolved.templateId, Version: String(resolved.version) },
          Placement: req.subnetId ? undefined : { AvailabilityZone: req.zone },
          ...network(resolved.data, req.subnetId),
          ...(req.instanceType ? { InstanceType: req.instanceType as RunInstancesRequest['InstanceType'] } : {}),
          ...(req.imageId ? { ImageId: req.imageId } : {}),
          ...(tagSpecs.length ? { TagSpecifications: tagSpecs } : {}),
        },
        { systemTags },
      );
      const [i] = launched.instances;
      return { instanceId: i.instance_id, zone: i.availability_zone, subnetId: i.subnet_id, instanceType: i.instance_type, imageId: i.image_id };
    },

    async terminate(caller: Scope, instanceIds: readonly string[]): Promise<void> {
      for (const id of instanceIds) {
        try {
          await instances.terminate(caller, [id]);
        } catch (e) {
          // already gone: nothing to terminate
          if ((e as { code?: string }).code !== 'InvalidInstanceID.NotFound') throw e;
        }
      }
    },

    impaired: (caller, instanceIds) => instances.impaired(caller, instanceIds),

    // one at a time, so one instance in the wrong state does not hold the others back; the
    // reconciler looks at the states again on its next pass
    async stop(caller: Scope, instanceIds: readonly string[]): Promise<void> {
      for (const id of instanceIds) await instances.stop(caller, [id]).catch(() => undefined);
    },
    async start(caller: Scope, instanceIds: readonly string[]): Promise<void> {
      for (const id of instanceIds) await instances.start(caller, [id]).catch(() => undefined);
    },

    async describe(caller: Scope, instanceIds: readonly string[]): Promise<Map<string, InstanceDetails>> {
      const wanted = new Set(instanceIds);
      const out = new Map<string, InstanceDetails>();
      for (const s of await instances.summaries(caller)) {
        if (wanted.has(s.instanceId)) out.set(s.instanceId, { state: s.state as InstanceState, zone: s.availabilityZone ?? '', instanceType: s.instanceType, imageId: s.imageId, launchTime: s.launchTime });
      }
      return out;
    },

    async states(caller: Scope, instanceIds: readonly string[]): Promise<Map<string, InstanceState>> {
      const wanted = new Set(instanceIds);
      const out = new Map<string, InstanceState>();
      for (const s of await instances.summaries(caller)) if (wanted.has(s.instanceId)) out.set(s.instanceId, s.state as InstanceState);
      return out;
    },
  };
}
