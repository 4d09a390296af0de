// Elastic IP addresses' operations: each maps the request to elastic-ips.ts and the result back.
import type { Operations } from '../../../api/ec2/types.js';
import type { HandlerMap, RequestContext } from '../../../protocol/dispatch.js';
import { dryRunCheckpoint } from '../dry-run.js';
import { tagsFromSpecs } from '../tags/tag-rules.js';
import type { ElasticIpService } from './elastic-ips.js';

const checkpoint = (ctx: RequestContext) => () => dryRunCheckpoint(ctx);

export function addressHandlers(addresses: ElasticIpService): HandlerMap<Operations> {
  return {
    async AllocateAddress(ctx, input) {
      const tags = tagsFromSpecs(input.TagSpecifications, ['elastic-ip']).get('elastic-ip') ?? [];
      const a = await addresses.allocate(ctx, { address: input.Address, pool: input.PublicIpv4Pool, tags }, checkpoint(ctx));
      return { AllocationId: a.AllocationId, PublicIp: a.PublicIp, Domain: a.Domain, PublicIpv4Pool: a.PublicIpv4Pool, NetworkBorderGroup: a.NetworkBorderGroup };
    },
    async AssociateAddress(ctx, input) {
      const target = { allocationId: input.AllocationId, publicIp: input.PublicIp, instanceId: input.InstanceId, networkInterfaceId: input.NetworkInterfaceId, privateIpAddress: input.PrivateIpAddress, allowReassociation: input.AllowReassociation };
      return { AssociationId: await addresses.associate(ctx, target, checkpoint(ctx)) };
    },
    async DisassociateAddress(ctx, input) {
      await addresses.disassociate(ctx, { associationId: input.AssociationId, publicIp: input.PublicIp }, checkpoint(ctx));
    },
    async ReleaseAddress(ctx, input) {
      await addresses.release(ctx, { allocationId: input.AllocationId, publicIp: input.PublicIp }, checkpoint(ctx));
    },
    async DescribeAddresses(ctx, input) {
      return { Addresses: await addresses.describe(ctx, { ids: input.AllocationIds, publicIps: input.PublicIps, filters: input.Filters, operation: ctx.operation }) };
    },
    async DescribeAddressesAttribute(ctx, input) {
      const { items, nextToken } = await addresses.attributes(ctx, { ids: input.AllocationIds, MaxResults: input.MaxResults, NextToken: input.NextToken, operation: ctx.operation });
      return { Addresses: items, NextToken: nextToken };
    },
  };
}
