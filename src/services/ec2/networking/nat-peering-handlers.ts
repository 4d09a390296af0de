// NAT gateways' and VPC peering connections' operations: each maps the request to
// nat-gateways.ts or peering.ts and the result back.
import type { Operations } from '../../../api/ec2/types.js';
import type { HandlerMap, RequestContext } from '../../../protocol/dispatch.js';
import { dryRunCheckpoint } from '../dry-run.js';
import { tagsFromSpecs } from '../tags/tag-rules.js';
import type { NetworkService } from './network-service.js';

const checkpoint = (ctx: RequestContext) => () => dryRunCheckpoint(ctx);

export function natPeeringHandlers(network: NetworkService): HandlerMap<Operations> {
  const { nats, peerings } = network;
  return {
    async CreateNatGateway(ctx, input) {
      const tags = tagsFromSpecs(input.TagSpecifications, ['natgateway']).get('natgateway') ?? [];
      const NatGateway = await nats.create(ctx, { subnetId: input.SubnetId, allocationId: input.AllocationId, connectivityType: input.ConnectivityType, privateIp: input.PrivateIpAddress, tags }, checkpoint(ctx));
      return { NatGateway, ClientToken: input.ClientToken };
    },
    async DeleteNatGateway(ctx, input) {
      return { NatGatewayId: await nats.delete(ctx, input.NatGatewayId, checkpoint(ctx)) };
    },
    async DescribeNatGateways(ctx, input) {
      const { items, nextToken } = await nats.describe(ctx, { ids: input.NatGatewayIds, filters: input.Filter, MaxResults: input.MaxResults, NextToken: input.NextToken, operation: ctx.operation });
      return { NatGateways: items, NextToken: nextToken };
    },
    async CreateVpcPeeringConnection(ctx, input) {
      const tags = tagsFromSpecs(input.TagSpecifications, ['vpc-peering-connection']).get('vpc-peering-connection') ?? [];
      const VpcPeeringConnection = await peerings.create(ctx, { vpcId: input.VpcId, peerVpcId: input.PeerVpcId, peerOwnerId: input.PeerOwnerId, peerRegion: input.PeerRegion, tags }, checkpoint(ctx));
      return { VpcPeeringConnection };
    },
    async AcceptVpcPeeringConnection(ctx, input) {
      return { VpcPeeringConnection: await peerings.accept(ctx, input.VpcPeeringConnectionId, checkpoint(ctx)) };
    },
    async RejectVpcPeeringConnection(ctx, input) {
      await peerings.reject(ctx, input.VpcPeeringConnectionId, checkpoint(ctx));
      return { Return: true };
    },
    async DeleteVpcPeeringConnection(ctx, input) {
      await peerings.delete(ctx, input.VpcPeeringConnectionId, checkpoint(ctx));
      return { Return: true };
    },
    async DescribeVpcPeeringConnections(ctx, input) {
      return { VpcPeeringConnections: await peerings.describe(ctx, { ids: input.VpcPeeringConnectionIds, filters: input.Filters }) };
    },
  };
}
