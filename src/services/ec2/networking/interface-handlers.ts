// Network interfaces' operations (DescribeNetworkInterfaces is handlers.ts'): each maps the
// request to network-interfaces.ts and the result back.
import type { Operations } from '../../../api/ec2/types.js';
import type { HandlerMap, RequestContext } from '../../../protocol/dispatch.js';
import { dryRunCheckpoint } from '../dry-run.js';
import { tagsFromSpecs } from '../tags/tag-rules.js';
import type { NetworkInterfaceService } from './network-interfaces.js';

const checkpoint = (ctx: RequestContext) => () => dryRunCheckpoint(ctx);

export function interfaceHandlers(interfaces: NetworkInterfaceService): HandlerMap<Operations> {
  return {
    async CreateNetworkInterface(ctx, input) {
      const listed = input.PrivateIpAddresses ?? [];
      const primary = input.PrivateIpAddress ?? listed.find((a) => a.Primary)?.PrivateIpAddress;
      const secondaryIps = listed.filter((a) => a.PrivateIpAddress && a.PrivateIpAddress !== primary).map((a) => a.PrivateIpAddress!);
      const tags = tagsFromSpecs(input.TagSpecifications, ['network-interface']).get('network-interface') ?? [];
      const NetworkInterface = await interfaces.create(
        ctx,
        { subnetId: input.SubnetId, description: input.Description, privateIp: primary, groupIds: input.Groups, secondaryIps, secondaryCount: input.SecondaryPrivateIpAddressCount, tags },
        checkpoint(ctx),
      );
      return { NetworkInterface, ClientToken: input.ClientToken };
    },
    async DeleteNetworkInterface(ctx, input) {
      await interfaces.delete(ctx, input.NetworkInterfaceId, checkpoint(ctx));
    },
    async AttachNetworkInterface(ctx, input) {
      const AttachmentId = await interfaces.attach(ctx, { eniId: input.NetworkInterfaceId, instanceId: input.InstanceId, deviceIndex: input.DeviceIndex, networkCardIndex: input.NetworkCardIndex }, checkpoint(ctx));
      return { AttachmentId, NetworkCardIndex: 0 };
    },
    async DetachNetworkInterface(ctx, input) {
      await interfaces.detach(ctx, input.AttachmentId, checkpoint(ctx));
    },
    async ModifyNetworkInterfaceAttribute(ctx, input) {
      const attachment = input.Attachment ? { attachmentId: input.Attachment.AttachmentId, value: input.Attachment.DeleteOnTermination } : undefined;
      await interfaces.modify(ctx, input.NetworkInterfaceId, { description: input.Description?.Value, sourceDestCheck: input.SourceDestCheck?.Value, groupIds: input.Groups, deleteOnTermination: attachment }, checkpoint(ctx));
    },
    async AssignPrivateIpAddresses(ctx, input) {
      const ips = await interfaces.assign(ctx, input.NetworkInterfaceId, { ips: input.PrivateIpAddresses, count: input.SecondaryPrivateIpAddressCount }, checkpoint(ctx));
      return { NetworkInterfaceId: input.NetworkInterfaceId, AssignedPrivateIpAddresses: ips.map((PrivateIpAddress) => ({ PrivateIpAddress })) };
    },
    async UnassignPrivateIpAddresses(ctx, input) {
      await interfaces.unassign(ctx, input.NetworkInterfaceId, input.PrivateIpAddresses ?? [], checkpoint(ctx));
    },
  };
}
