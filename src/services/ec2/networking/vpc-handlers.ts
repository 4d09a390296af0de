// The VPC family's operations: VPCs, subnets, internet gateways, route tables, network ACLs and
// DHCP options sets. Each maps the request to its service and the result back.
import type { Operations, TagSpecification } from '../../../api/ec2/types.js';
import type { HandlerMap, RequestContext } from '../../../protocol/dispatch.js';
import { dryRunCheckpoint } from '../dry-run.js';
import { tagsFromSpecs } from '../tags/tag-rules.js';
import type { DescribeRequest } from './network-describe.js';
import type { NetworkService } from './network-service.js';
import type { VpcAttribute } from './vpc-service.js';

const checkpoint = (ctx: RequestContext) => () => dryRunCheckpoint(ctx);
const tagsFor = (specs: TagSpecification[] | undefined, type: string) => tagsFromSpecs(specs, [type]).get(type) ?? [];
const describe = (ctx: RequestContext, input: { Filters?: DescribeRequest['filters']; MaxResults?: number; NextToken?: string }, ids?: string[]): DescribeRequest => ({
  ids,
  filters: input.Filters,
  MaxResults: input.MaxResults,
  NextToken: input.NextToken,
  operation: ctx.operation,
});
const association = (c: { association_id: string; cidr_block: string; ipv6: number; network_border_group: string | null }, state: 'associated' | 'disassociated') =>
  c.ipv6
    ? { Ipv6CidrBlockAssociation: { AssociationId: c.association_id, Ipv6CidrBlock: c.cidr_block, Ipv6CidrBlockState: { State: state }, NetworkBorderGroup: c.network_border_group ?? undefined, Ipv6Pool: 'Amazon' } }
    : { CidrBlockAssociation: { AssociationId: c.association_id, CidrBlock: c.cidr_block, CidrBlockState: { State: state } } };

export function vpcHandlers(network: NetworkService): HandlerMap<Operations> {
  const { vpcs, subnets, gateways, routeTables, acls, dhcp } = network;
  return {
    // ---- VPCs ----
    async DescribeVpcs(ctx, input) {
      const { items, nextToken } = await vpcs.describe(ctx, describe(ctx, input, input.VpcIds));
      return { Vpcs: items, NextToken: nextToken };
    },
    async CreateVpc(ctx, input) {
      const Vpc = await vpcs.create(ctx, { cidrBlock: input.CidrBlock, amazonIpv6: input.AmazonProvidedIpv6CidrBlock, ipv6BorderGroup: input.Ipv6CidrBlockNetworkBorderGroup, tenancy: input.InstanceTenancy, tags: tagsFor(input.TagSpecifications, 'vpc') }, checkpoint(ctx));
      return { Vpc };
    },
    async CreateDefaultVpc(ctx) {
      return { Vpc: await vpcs.createDefault(ctx, checkpoint(ctx)) };
    },
    async DeleteVpc(ctx, input) {
      await vpcs.delete(ctx, input.VpcId, checkpoint(ctx));
    },
    async DescribeVpcAttribute(ctx, input) {
      const value = await vpcs.attribute(ctx, input.VpcId, input.Attribute as VpcAttribute);
      return { VpcId: input.VpcId, [input.Attribute.charAt(0).toUpperCase() + input.Attribute.slice(1)]: { Value: value } };
    },
    async ModifyVpcAttribute(ctx, input) {
      await vpcs.modifyAttribute(ctx, input.VpcId, { enableDnsSupport: input.EnableDnsSupport?.Value, enableDnsHostnames: input.EnableDnsHostnames?.Value, enableNetworkAddressUsageMetrics: input.EnableNetworkAddressUsageMetrics?.Value }, checkpoint(ctx));
    },
    async AssociateVpcCidrBlock(ctx, input) {
      const c = await vpcs.associateCidr(ctx, input.VpcId, { cidrBlock: input.CidrBlock, amazonIpv6: input.AmazonProvidedIpv6CidrBlock, ipv6BorderGroup: input.Ipv6CidrBlockNetworkBorderGroup }, checkpoint(ctx));
      return { VpcId: input.VpcId, ...association(c, 'associated') };
    },
    async DisassociateVpcCidrBlock(ctx, input) {
      const c = await vpcs.disassociateCidr(ctx, input.AssociationId, checkpoint(ctx));
      return { VpcId: c.vpc_id, ...association(c, 'disassociated') };
    },

    // ---- subnets ----
    async DescribeSubnets(ctx, input) {
      const { items, nextToken } = await subnets.describe(ctx, describe(ctx, input, input.SubnetIds));
      return { Subnets: items, NextToken: nextToken };
    },
    async CreateSubnet(ctx, input) {
      const Subnet = await subnets.create(ctx, { vpcId: input.VpcId, cidrBlock: input.CidrBlock, ipv6CidrBlock: input.Ipv6CidrBlock, zone: input.AvailabilityZone, zoneId: input.AvailabilityZoneId, tags: tagsFor(input.TagSpecifications, 'subnet') }, checkpoint(ctx));
      return { Subnet };
    },
    async CreateDefaultSubnet(ctx, input) {
      return { Subnet: await subnets.createDefault(ctx, input.AvailabilityZone ?? input.AvailabilityZoneId, checkpoint(ctx)) };
    },
    async DeleteSubnet(ctx, input) {
      await subnets.delete(ctx, input.SubnetId, checkpoint(ctx));
    },
    async ModifySubnetAttribute(ctx, input) {
      await subnets.modifyAttribute(
        ctx,
        input.SubnetId,
        {
          mapPublicIpOnLaunch: input.MapPublicIpOnLaunch?.Value,
          assignIpv6AddressOnCreation: input.AssignIpv6AddressOnCreation?.Value,
          enableDns64: input.EnableDns64?.Value,
          hostnameType: input.PrivateDnsHostnameTypeOnLaunch,
          dnsARecord: input.EnableResourceNameDnsARecordOnLaunch?.Value,
          dnsAaaaRecord: input.EnableResourceNameDnsAAAARecordOnLaunch?.Value,
        },
        checkpoint(ctx),
      );
    },

    // ---- internet gateways ----
    async DescribeInternetGateways(ctx, input) {
      const { items, nextToken } = await gateways.describe(ctx, describe(ctx, input, input.InternetGatewayIds));
      return { InternetGateways: items, NextToken: nextToken };
    },
    async CreateInternetGateway(ctx, input) {
      return { InternetGateway: await gateways.create(ctx, tagsFor(input.TagSpecifications, 'internet-gateway'), checkpoint(ctx)) };
    },
    async AttachInternetGateway(ctx, input) {
      await gateways.attach(ctx, input.InternetGatewayId, input.VpcId, checkpoint(ctx));
    },
    async DetachInternetGateway(ctx, input) {
      await gateways.detach(ctx, input.InternetGatewayId, input.VpcId, checkpoint(ctx));
    },
    async DeleteInternetGateway(ctx, input) {
      await gateways.delete(ctx, input.InternetGatewayId, checkpoint(ctx));
    },

    // ---- route tables ----
    async DescribeRouteTables(ctx, input) {
      const { items, nextToken } = await routeTables.describe(ctx, describe(ctx, input, input.RouteTableIds));
      return { RouteTables: items, NextToken: nextToken };
    },
    async CreateRouteTable(ctx, input) {
      return { RouteTable: await routeTables.create(ctx, input.VpcId, tagsFor(input.TagSpecifications, 'route-table'), checkpoint(ctx)) };
    },
    async DeleteRouteTable(ctx, input) {
      await routeTables.delete(ctx, input.RouteTableId, checkpoint(ctx));
    },
    async CreateRoute(ctx, input) {
      await routeTables.createRoute(ctx, input.RouteTableId, routeSpec(input), checkpoint(ctx));
      return { Return: true };
    },
    async ReplaceRoute(ctx, input) {
      await routeTables.replaceRoute(ctx, input.RouteTableId, routeSpec(input), checkpoint(ctx));
    },
    async DeleteRoute(ctx, input) {
      await routeTables.deleteRoute(ctx, input.RouteTableId, routeSpec(input), checkpoint(ctx));
    },
    async AssociateRouteTable(ctx, input) {
      const a = await routeTables.associate(ctx, input.RouteTableId, { subnetId: input.SubnetId, gatewayId: input.GatewayId }, checkpoint(ctx));
      return { AssociationId: a.association_id, AssociationState: { State: 'associated' } };
    },
    async DisassociateRouteTable(ctx, input) {
      await routeTables.disassociate(ctx, input.AssociationId, checkpoint(ctx));
    },
    async ReplaceRouteTableAssociation(ctx, input) {
      const NewAssociationId = await routeTables.replaceAssociation(ctx, input.AssociationId, input.RouteTableId, checkpoint(ctx));
      return { NewAssociationId, AssociationState: { State: 'associated' } };
    },

    // ---- network ACLs ----
    async DescribeNetworkAcls(ctx, input) {
      const { items, nextToken } = await acls.describe(ctx, describe(ctx, input, input.NetworkAclIds));
      return { NetworkAcls: items, NextToken: nextToken };
    },
    async CreateNetworkAcl(ctx, input) {
      return { NetworkAcl: await acls.create(ctx, input.VpcId, tagsFor(input.TagSpecifications, 'network-acl'), checkpoint(ctx)) };
    },
    async DeleteNetworkAcl(ctx, input) {
      await acls.delete(ctx, input.NetworkAclId, checkpoint(ctx));
    },
    async CreateNetworkAclEntry(ctx, input) {
      await acls.createEntry(ctx, input.NetworkAclId, aclEntry(input), checkpoint(ctx));
    },
    async ReplaceNetworkAclEntry(ctx, input) {
      await acls.replaceEntry(ctx, input.NetworkAclId, aclEntry(input), checkpoint(ctx));
    },
    async DeleteNetworkAclEntry(ctx, input) {
      await acls.deleteEntry(ctx, input.NetworkAclId, input.Egress, input.RuleNumber, checkpoint(ctx));
    },
    async ReplaceNetworkAclAssociation(ctx, input) {
      return { NewAssociationId: await acls.replaceAssociation(ctx, input.AssociationId, input.NetworkAclId, checkpoint(ctx)) };
    },

    // ---- DHCP options ----
    async DescribeDhcpOptions(ctx, input) {
      const { items, nextToken } = await dhcp.describe(ctx, describe(ctx, input, input.DhcpOptionsIds));
      return { DhcpOptions: items, NextToken: nextToken };
    },
    async CreateDhcpOptions(ctx, input) {
      const configurations = input.DhcpConfigurations.map((c) => ({ key: c.Key, values: c.Values }));
      return { DhcpOptions: await dhcp.create(ctx, configurations, tagsFor(input.TagSpecifications, 'dhcp-options'), checkpoint(ctx)) };
    },
    async AssociateDhcpOptions(ctx, input) {
      await dhcp.associate(ctx, input.DhcpOptionsId, input.VpcId, checkpoint(ctx));
    },
    async DeleteDhcpOptions(ctx, input) {
      await dhcp.delete(ctx, input.DhcpOptionsId, checkpoint(ctx));
    },
  };
}

function routeSpec(input: { DestinationCidrBlock?: string; DestinationIpv6CidrBlock?: string; DestinationPrefixListId?: string; GatewayId?: string; NatGatewayId?: string; NetworkInterfaceId?: string; VpcPeeringConnectionId?: string; InstanceId?: string; EgressOnlyInternetGatewayId?: string; TransitGatewayId?: string }) {
  return {
    destinationCidrBlock: input.DestinationCidrBlock,
    destinationIpv6CidrBlock: input.DestinationIpv6CidrBlock,
    destinationPrefixListId: input.DestinationPrefixListId,
    gatewayId: input.GatewayId,
    natGatewayId: input.NatGatewayId,
    networkInterfaceId: input.NetworkInterfaceId,
    vpcPeeringConnectionId: input.VpcPeeringConnectionId,
    instanceId: input.InstanceId,
    egressOnlyInternetGatewayId: input.EgressOnlyInternetGatewayId,
    transitGatewayId: input.TransitGatewayId,
  };
}

function aclEntry(input: { RuleNumber: number; Protocol: string; RuleAction: string; Egress: boolean; CidrBlock?: string; Ipv6CidrBlock?: string; IcmpTypeCode?: { Code?: number; Type?: number }; PortRange?: { From?: number; To?: number } }) {
  return { ruleNumber: input.RuleNumber, protocol: input.Protocol, ruleAction: input.RuleAction, egress: input.Egress, cidrBlock: input.CidrBlock, ipv6CidrBlock: input.Ipv6CidrBlock, icmpTypeCode: input.IcmpTypeCode, portRange: input.PortRange };
}
