// EC2 instance operations (and AttachVolume, DetachVolume, which act on instances):
// wire shapes in, InstanceService calls, wire shapes out.
import type { InstanceImageMetadata, InstanceStateChange, InstanceTypeInfo, Operations } from '../../../api/ec2/types.js';
import type { HandlerMap, RequestContext } from '../../../protocol/dispatch.js';
import { loadServiceModel } from '../../../protocol/model.js';
import { dryRunCheckpoint } from '../dry-run.js';
import { ec2Error } from '../ec2-errors.js';
import { compileFilters } from '../filters.js';
import { paginate } from '../pagination.js';
import type { InstanceService, StateChange } from './instance-service.js';
import { STATE_CODES } from './instance-row.js';
import { anyTypeFacts, catalogTypes, typeInfoOut } from './instance-types.js';
import { INSTANCE_TYPE_FILTERS } from './instance-type-filters.js';
import { attachmentOut } from './volume-attachments.js';

const changesOut = (changes: StateChange[]): InstanceStateChange[] =>
  changes.map((c) => ({ InstanceId: c.instanceId, PreviousState: { Code: STATE_CODES[c.previous], Name: c.previous }, CurrentState: { Code: STATE_CODES[c.current], Name: c.current } }));

const instanceTypes = new Set(loadServiceModel('ec2').enums['_InstanceType'] ?? []);

export function instanceHandlers(instances: InstanceService): HandlerMap<Operations> {
  const checkpoint = (ctx: RequestContext) => () => dryRunCheckpoint(ctx);

  return {
    async RunInstances(ctx, input) {
      const launched = await instances.run(ctx, input, { checkpoint: checkpoint(ctx) });
      return {
        ReservationId: launched.reservationId,
        OwnerId: launched.ownerId,
        RequesterId: launched.requesterId,
        Groups: [],
        Instances: await instances.instancesOut(ctx, launched),
      };
    },

    async DescribeInstances(ctx, input) {
      const { reservations, nextToken } = await instances.query.describe(ctx, input);
      return { Reservations: reservations, NextToken: nextToken };
    },

    async DescribeInstanceStatus(ctx, input) {
      const { statuses, nextToken } = await instances.query.status(ctx, input);
      return { InstanceStatuses: statuses, NextToken: nextToken };
    },

    async StartInstances(ctx, input) {
      return { StartingInstances: changesOut(await instances.start(ctx, input.InstanceIds, checkpoint(ctx))) };
    },

    async StopInstances(ctx, input) {
      return { StoppingInstances: changesOut(await instances.stop(ctx, input.InstanceIds, Boolean(input.Force), checkpoint(ctx))) };
    },

    async TerminateInstances(ctx, input) {
      return { TerminatingInstances: changesOut(await instances.terminate(ctx, input.InstanceIds, checkpoint(ctx))) };
    },

    async RebootInstances(ctx, input) {
      await instances.reboot(ctx, input.InstanceIds, checkpoint(ctx));
    },

    async DescribeInstanceAttribute(ctx, input) {
      const [row] = await instances.lifecycle.owned(ctx, [input.InstanceId]);
      return instances.attributes.describe(ctx, row, input.Attribute);
    },

    async ModifyInstanceAttribute(ctx, input) {
      const [row] = await instances.lifecycle.owned(ctx, [input.InstanceId]);
      await instances.attributes.modify(ctx, row, input, checkpoint(ctx));
    },

    async ModifyInstanceMetadataOptions(ctx, input) {
      const [row] = await instances.lifecycle.owned(ctx, [input.InstanceId]);
      const m = await instances.attributes.modifyMetadataOptions(row, input, checkpoint(ctx));
      return {
        InstanceId: row.instance_id,
        InstanceMetadataOptions: { State: 'pending', HttpTokens: m.httpTokens, HttpPutResponseHopLimit: m.hopLimit, HttpEndpoint: m.httpEndpoint, HttpProtocolIpv6: m.httpProtocolIpv6, InstanceMetadataTags: m.instanceMetadataTags },
      };
    },

    async MonitorInstances(ctx, input) {
      return { InstanceMonitorings: await instances.monitor(ctx, input.InstanceIds, true, checkpoint(ctx)) };
    },

    async UnmonitorInstances(ctx, input) {
      return { InstanceMonitorings: await instances.monitor(ctx, input.InstanceIds, false, checkpoint(ctx)) };
    },

    async ResetInstanceAttribute(ctx, input) {
      const [row] = await instances.lifecycle.owned(ctx, [input.InstanceId]);
      await instances.attributes.reset(row, input.Attribute, checkpoint(ctx));
    },

    async AttachVolume(ctx, input) {
      return attachmentOut(await instances.attachments.attach(ctx, { volumeId: input.VolumeId, instanceId: input.InstanceId, device: input.Device }, checkpoint(ctx)));
    },

    async DetachVolume(ctx, input) {
      return attachmentOut(await instances.attachments.detach(ctx, { volumeId: input.VolumeId, instanceId: input.InstanceId, device: input.Device }, checkpoint(ctx)));
    },

    async GetConsoleOutput(ctx, input) {
      const output = await instances.consoleOutput(ctx, input.InstanceId);
      return { InstanceId: input.InstanceId, Timestamp: new Date(), Output: output.length ? output.toString('base64') : undefined };
    },

    async DescribeInstanceTypes(ctx, input) {
      let all: InstanceTypeInfo[];
      if (input.InstanceTypes?.length) {
        const unknown = input.InstanceTypes.filter((t) => !instanceTypes.has(t));
        if (unknown.length) throw ec2Error('InvalidInstanceType', `The following supplied instance types do not exist: [${unknown.join(', ')}]`);
        all = [...new Set(input.InstanceTypes)].map((t) => typeInfoOut(anyTypeFacts(t)));
      } else {
        all = catalogTypes().map(typeInfoOut);
      }
      const matching = all.filter(compileFilters(input.Filters, INSTANCE_TYPE_FILTERS)).sort((a, b) => (a.InstanceType! < b.InstanceType! ? -1 : 1));
      const { page, nextToken } = paginate(matching, (t) => t.InstanceType!, input, { binding: [ctx.operation, input.Filters ?? [], input.InstanceTypes ?? []], max: 100 });
      return { InstanceTypes: page, NextToken: nextToken };
    },

    async DescribeInstanceImageMetadata(ctx, input) {
      const { metadata, nextToken } = await instances.query.imageMetadata(ctx, input);
      return { InstanceImageMetadata: metadata, NextToken: nextToken };
    },
  };
}
