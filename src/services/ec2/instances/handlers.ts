// EC2 instance operations (and AttachVolume, DetachVolume, which act on instances):
// wire shapes in, InstanceService calls, wire shapes out.
import type { InstanceImageMetadata, InstanceStateChange, InstanceTypeInfo, Operations } from '../../../api/ec2/types.js';
import type { HandlerMap, RequestContext } from '../../../protocol/dispatch.js';
import type { Store } from '../../../store/store.js';
import type { InstanceDriver } from '../../../compute/instance-driver.js';
import { loadServiceModel } from '../../../protocol/model.js';
import { findZone } from '../../../config/regions.js';
import { dryRunCheckpoint } from '../dry-run.js';
import { ec2Error } from '../ec2-errors.js';
import { compileFilters } from '../filters.js';
import { paginate } from '../pagination.js';
import type { InstanceService, StateChange } from './instance-service.js';
import { STATE_CODES, stateOf } from './instance-row.js';
import { anyTypeFacts, catalogTypes, typeInfoOut } from './instance-types.js';
import { INSTANCE_TYPE_FILTERS } from './instance-type-filters.js';
import { attachmentOut } from './volume-attachments.js';

const changesOut = (changes: StateChange[]): InstanceStateChange[] =>
  changes.map((c) => ({ InstanceId: c.instanceId, PreviousState: { Code: STATE_CODES[c.previous], Name: c.previous }, CurrentState: { Code: STATE_CODES[c.current], Name: c.current } }));

const instanceTypes = new Set(loadServiceModel('ec2').enums['_InstanceType'] ?? []);

export function instanceHandlers(store: Store, instances: InstanceService, driver: InstanceDriver): HandlerMap<Operations> {
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
      const [row] = await instances.lifecycle.owned(ctx, [input.InstanceId]);
      const output = await driver.consoleOutput(row.instance_id);
      return { InstanceId: row.instance_id, Timestamp: new Date(), Output: output.length ? output.toString('base64') : undefined };
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
      const rows = input.InstanceIds?.length
        ? await instances.lifecycle.owned(ctx, input.InstanceIds)
        : await store.instances.list(ctx, { terminatedAfter: instances.lifecycle.visibleSince() });
      const tags = await store.tags.forResources(ctx, rows.map((r) => r.instance_id));
      const out: InstanceImageMetadata[] = [];
      for (const r of rows) {
        // the image as it is now, even deprecated, deregistered or no longer shared
        const image = await store.images.get(r.image_id);
        out.push({
          InstanceId: r.instance_id,
          InstanceType: r.instance_type as InstanceImageMetadata['InstanceType'],
          LaunchTime: new Date(r.launch_time),
          AvailabilityZone: r.availability_zone,
          ZoneId: findZone(r.availability_zone)?.zone.id,
          State: stateOf(r),
          OwnerId: r.account_id,
          Tags: tags.get(r.instance_id) ?? [],
          ImageMetadata: {
            ImageId: r.image_id,
            Name: image?.name,
            OwnerId: image?.account_id,
            State: image?.state as 'available' | undefined,
            ImageOwnerAlias: image?.owner_alias ?? undefined,
            CreationDate: image?.creation_date,
            DeprecationTime: image?.deprecation_time ?? undefined,
            IsPublic: image ? Boolean(image.public) : undefined,
          },
        });
      }
      const matching = out.filter(
        compileFilters(input.Filters, {
          fields: {
            'availability-zone': (m: InstanceImageMetadata) => m.AvailabilityZone,
            'instance-id': (m) => m.InstanceId,
            'instance-state-name': (m) => m.State?.Name,
            'instance-type': (m) => m.InstanceType,
            'launch-time': (m) => m.LaunchTime,
            'owner-alias': (m) => m.ImageMetadata?.ImageOwnerAlias,
            'owner-id': (m) => m.ImageMetadata?.OwnerId,
            'zone-id': (m) => m.ZoneId,
            'image-allowed': () => true,
          },
          tags: (m) => m.Tags,
        }),
      );
      const order = new Map(rows.map((r) => [r.instance_id, String(r.seq).padStart(15, '0')]));
      const { page, nextToken } = paginate(matching, (m) => order.get(m.InstanceId!)!, input, { binding: [ctx.accountId, ctx.region, ctx.operation, input.Filters ?? [], input.InstanceIds ?? []], min: 1 });
      return { InstanceImageMetadata: page, NextToken: nextToken };
    },
  };
}
