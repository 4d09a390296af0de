// The VPC family's rows as EC2's wire shapes (the filters of network-filters.ts match on these).
import type { DhcpOptions, InternetGateway, InternetGatewayAttachment, NetworkAcl, Route, RouteTable, RouteTableAssociation, Subnet, Tag, Vpc } from '../../../api/ec2/types.js';
import { findZone } from '../../../config/regions.js';
import type { Row } from '../../../store/repos/vpc-family.js';
import type { Scope } from '../../../store/scope.js';
import { parseCidr } from './ipv4.js';
import { usableRange } from './default-network.js';

export function vpcView(row: Row<'vpcs'>, cidrs: Row<'vpc_cidr_blocks'>[], tags: Tag[] = []): Vpc {
  return {
    VpcId: row.vpc_id,
    OwnerId: row.account_id,
    State: 'available',
    CidrBlock: row.cidr_block,
    CidrBlockAssociationSet: cidrs.filter((c) => !c.ipv6).map((c) => ({ AssociationId: c.association_id, CidrBlock: c.cidr_block, CidrBlockState: { State: 'associated' } })),
    Ipv6CidrBlockAssociationSet: cidrs
      .filter((c) => c.ipv6)
      .map((c) => ({ AssociationId: c.association_id, Ipv6CidrBlock: c.cidr_block, Ipv6CidrBlockState: { State: 'associated' }, NetworkBorderGroup: c.network_border_group ?? undefined, Ipv6Pool: 'Amazon', Ipv6AddressAttribute: 'public', IpSource: 'amazon' })),
    DhcpOptionsId: row.dhcp_options_id,
    InstanceTenancy: row.instance_tenancy as Vpc['InstanceTenancy'],
    IsDefault: row.is_default === 1,
    Tags: tags,
  };
}

export function subnetView(row: Row<'subnets'>, inUse: number, tags: Tag[] = []): Subnet {
  return {
    SubnetId: row.subnet_id,
    SubnetArn: `arn:aws:ec2:${row.region}:${row.account_id}:subnet/${row.subnet_id}`,
    VpcId: row.vpc_id,
    OwnerId: row.account_id,
    State: 'available',
    CidrBlock: row.cidr_block,
    AvailabilityZone: row.availability_zone,
    AvailabilityZoneId: findZone(row.availability_zone)?.zone.id,
    AvailableIpAddressCount: Math.max(0, usableRange(parseCidr(row.cidr_block)!).count - inUse),
    DefaultForAz: row.default_for_az === 1,
    MapPublicIpOnLaunch: row.map_public_ip_on_launch === 1,
    MapCustomerOwnedIpOnLaunch: false,
    AssignIpv6AddressOnCreation: row.assign_ipv6_on_creation === 1,
    Ipv6CidrBlockAssociationSet: row.ipv6_cidr_block ? [{ AssociationId: row.ipv6_association_id ?? undefined, Ipv6CidrBlock: row.ipv6_cidr_block, Ipv6CidrBlockState: { State: 'associated' }, Ipv6AddressAttribute: 'public', IpSource: 'amazon' }] : [],
    EnableDns64: row.enable_dns64 === 1,
    Ipv6Native: false,
    PrivateDnsNameOptionsOnLaunch: { HostnameType: row.hostname_type as 'ip-name' | 'resource-name', EnableResourceNameDnsARecord: row.dns_a_record === 1, EnableResourceNameDnsAAAARecord: row.dns_aaaa_record === 1 },
    Tags: tags,
  };
}

export function gatewayView(row: Row<'internet_gateways'>, tags: Tag[] = []): InternetGateway {
  return { InternetGatewayId: row.gateway_id, OwnerId: row.account_id, Attachments: row.vpc_id ? [{ State: 'available' as InternetGatewayAttachment['State'], VpcId: row.vpc_id }] : [], Tags: tags };
}

const TARGET_MEMBER: Record<string, keyof Route> = {
  local: 'GatewayId',
  gateway: 'GatewayId',
  'egress-only-gateway': 'EgressOnlyInternetGatewayId',
  'nat-gateway': 'NatGatewayId',
  'network-interface': 'NetworkInterfaceId',
  'vpc-peering-connection': 'VpcPeeringConnectionId',
  instance: 'InstanceId',
  'transit-gateway': 'TransitGatewayId',
};

export function routeView(r: Row<'routes'>, caller: Scope, targetState: (r: Row<'routes'>) => 'active' | 'blackhole' = () => 'active'): Route {
  const out: Route = { Origin: r.origin as Route['Origin'], State: targetState(r) };
  if (r.destination_type === 'ipv6') out.DestinationIpv6CidrBlock = r.destination;
  else if (r.destination_type === 'prefix-list') out.DestinationPrefixListId = r.destination;
  else out.DestinationCidrBlock = r.destination;
  (out as Record<string, unknown>)[TARGET_MEMBER[r.target_type] ?? 'GatewayId'] = r.target_id;
  if (r.target_type === 'instance') out.InstanceOwnerId = caller.accountId;
  return out;
}

export function associationView(a: Row<'route_table_associations'>): RouteTableAssociation {
  return { Main: a.main === 1, RouteTableAssociationId: a.association_id, RouteTableId: a.route_table_id, SubnetId: a.subnet_id ?? undefined, GatewayId: a.gateway_id ?? undefined, AssociationState: { State: 'associated' } };
}

export function routeTableView(row: Row<'route_tables'>, routes: Route[], associations: Row<'route_table_associations'>[], tags: Tag[] = []): RouteTable {
  return { RouteTableId: row.route_table_id, VpcId: row.vpc_id, OwnerId: row.account_id, Routes: routes, Associations: associations.map(associationView), PropagatingVgws: [], Tags: tags };
}

export function aclView(row: Row<'network_acls'>, entries: Row<'network_acl_entries'>[], associations: Row<'network_acl_associations'>[], tags: Tag[] = []): NetworkAcl {
  return {
    NetworkAclId: row.network_acl_id,
    VpcId: row.vpc_id,
    OwnerId: row.account_id,
    IsDefault: row.is_default === 1,
    Entries: entries.map((e) => ({
      RuleNumber: e.rule_number,
      Protocol: e.protocol,
      RuleAction: e.rule_action as 'allow' | 'deny',
      Egress: e.egress === 1,
      CidrBlock: e.cidr_block ?? undefined,
      Ipv6CidrBlock: e.ipv6_cidr_block ?? undefined,
      IcmpTypeCode: e.icmp_type !== null || e.icmp_code !== null ? { Type: e.icmp_type ?? undefined, Code: e.icmp_code ?? undefined } : undefined,
      PortRange: e.port_from !== null || e.port_to !== null ? { From: e.port_from ?? undefined, To: e.port_to ?? undefined } : undefined,
    })),
    Associations: associations.map((a) => ({ NetworkAclAssociationId: a.association_id, NetworkAclId: a.network_acl_id, SubnetId: a.subnet_id })),
    Tags: tags,
  };
}

export function dhcpView(row: Row<'dhcp_options'>, tags: Tag[] = []): DhcpOptions {
  const configurations = JSON.parse(row.configurations) as { key: string; values: string[] }[];
  return { DhcpOptionsId: row.dhcp_options_id, OwnerId: row.account_id, DhcpConfigurations: configurations.map((c) => ({ Key: c.key, Values: c.values.map((Value) => ({ Value })) })), Tags: tags };
}
