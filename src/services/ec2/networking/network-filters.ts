// The filters of the VPC family's describes and DescribeNetworkInterfaces over their wire
// shapes (names as the API reference lists them; the camelCase aliases AWS still accepts too).
import type { DhcpOptions, InternetGateway, NetworkAcl, NetworkInterface, RouteTable, Subnet, Vpc } from '../../../api/ec2/types.js';
import type { FilterSpec } from '../filters.js';

const none = () => undefined;

export const VPC_FILTERS: FilterSpec<Vpc> = {
  fields: {
    cidr: (v) => v.CidrBlock,
    'cidr-block-association.cidr-block': (v) => v.CidrBlockAssociationSet?.map((a) => a.CidrBlock),
    'cidr-block-association.association-id': (v) => v.CidrBlockAssociationSet?.map((a) => a.AssociationId),
    'cidr-block-association.state': (v) => v.CidrBlockAssociationSet?.map((a) => a.CidrBlockState?.State),
    'dhcp-options-id': (v) => v.DhcpOptionsId,
    'ipv6-cidr-block-association.ipv6-cidr-block': (v) => v.Ipv6CidrBlockAssociationSet?.map((a) => a.Ipv6CidrBlock),
    'ipv6-cidr-block-association.ipv6-pool': (v) => v.Ipv6CidrBlockAssociationSet?.map((a) => a.Ipv6Pool),
    'ipv6-cidr-block-association.association-id': (v) => v.Ipv6CidrBlockAssociationSet?.map((a) => a.AssociationId),
    'ipv6-cidr-block-association.state': (v) => v.Ipv6CidrBlockAssociationSet?.map((a) => a.Ipv6CidrBlockState?.State),
    'is-default': (v) => v.IsDefault,
    isDefault: (v) => v.IsDefault,
    'owner-id': (v) => v.OwnerId,
    state: (v) => v.State,
    'vpc-id': (v) => v.VpcId,
  },
  tags: (v) => v.Tags,
};

export const SUBNET_FILTERS: FilterSpec<Subnet> = {
  fields: {
    'availability-zone': (s) => s.AvailabilityZone,
    availabilityZone: (s) => s.AvailabilityZone,
    'availability-zone-id': (s) => s.AvailabilityZoneId,
    availabilityZoneId: (s) => s.AvailabilityZoneId,
    'available-ip-address-count': (s) => s.AvailableIpAddressCount,
    availableIpAddressCount: (s) => s.AvailableIpAddressCount,
    'cidr-block': (s) => s.CidrBlock,
    cidr: (s) => s.CidrBlock,
    cidrBlock: (s) => s.CidrBlock,
    'customer-owned-ipv4-pool': none,
    'default-for-az': (s) => s.DefaultForAz,
    defaultForAz: (s) => s.DefaultForAz,
    'enable-dns64': (s) => s.EnableDns64,
    'enable-lni-at-device-index': none,
    'ipv6-cidr-block-association.ipv6-cidr-block': (s) => s.Ipv6CidrBlockAssociationSet?.map((a) => a.Ipv6CidrBlock),
    'ipv6-cidr-block-association.association-id': (s) => s.Ipv6CidrBlockAssociationSet?.map((a) => a.AssociationId),
    'ipv6-cidr-block-association.state': (s) => s.Ipv6CidrBlockAssociationSet?.map((a) => a.Ipv6CidrBlockState?.State),
    'ipv6-native': (s) => s.Ipv6Native,
    'map-customer-owned-ip-on-launch': (s) => s.MapCustomerOwnedIpOnLaunch,
    'map-public-ip-on-launch': (s) => s.MapPublicIpOnLaunch,
    'outpost-arn': none,
    'owner-id': (s) => s.OwnerId,
    'private-dns-name-options-on-launch.hostname-type': (s) => s.PrivateDnsNameOptionsOnLaunch?.HostnameType,
    'private-dns-name-options-on-launch.enable-resource-name-dns-a-record': (s) => s.PrivateDnsNameOptionsOnLaunch?.EnableResourceNameDnsARecord,
    'private-dns-name-options-on-launch.enable-resource-name-dns-aaaa-record': (s) => s.PrivateDnsNameOptionsOnLaunch?.EnableResourceNameDnsAAAARecord,
    state: (s) => s.State,
    'subnet-arn': (s) => s.SubnetArn,
    'subnet-id': (s) => s.SubnetId,
    subnetId: (s) => s.SubnetId,
    'vpc-id': (s) => s.VpcId,
    vpcId: (s) => s.VpcId,
  },
  tags: (s) => s.Tags,
};

export const NETWORK_INTERFACE_FILTERS: FilterSpec<NetworkInterface> = {
  fields: {
    'addresses.private-ip-address': (n) => n.PrivateIpAddresses?.map((a) => a.PrivateIpAddress),
    'addresses.primary': (n) => n.PrivateIpAddresses?.map((a) => a.Primary),
    'addresses.association.public-ip': none,
    'addresses.association.owner-id': none,
    'association.association-id': none,
    'association.allocation-id': none,
    'association.ip-owner-id': none,
    'association.public-ip': none,
    'association.public-dns-name': none,
    'attachment.attachment-id': (n) => n.Attachment?.AttachmentId,
    'attachment.attach-time': (n) => n.Attachment?.AttachTime,
    'attachment.delete-on-termination': (n) => n.Attachment?.DeleteOnTermination,
    'attachment.device-index': (n) => n.Attachment?.DeviceIndex,
    'attachment.instance-id': (n) => n.Attachment?.InstanceId,
    'attachment.instance-owner-id': (n) => n.Attachment?.InstanceOwnerId,
    'attachment.status': (n) => n.Attachment?.Status,
    'availability-zone': (n) => n.AvailabilityZone,
    'availability-zone-id': (n) => n.AvailabilityZoneId,
    description: (n) => n.Description,
    'group-id': (n) => n.Groups?.map((g) => g.GroupId),
    'group-name': (n) => n.Groups?.map((g) => g.GroupName),
    'ipv6-addresses.ipv6-address': none,
    'interface-type': (n) => n.InterfaceType,
    'mac-address': (n) => n.MacAddress,
    'network-interface-id': (n) => n.NetworkInterfaceId,
    'operator.managed': () => false,
    'operator.principal': none,
    'owner-id': (n) => n.OwnerId,
    'private-dns-name': (n) => n.PrivateDnsName,
    'private-ip-address': (n) => n.PrivateIpAddress,
    'requester-id': (n) => n.RequesterId,
    'requester-managed': (n) => n.RequesterManaged,
    'source-dest-check': (n) => n.SourceDestCheck,
    status: (n) => n.Status,
    'subnet-id': (n) => n.SubnetId,
    'vpc-id': (n) => n.VpcId,
  },
  tags: (n) => n.TagSet,
};

export const GATEWAY_FILTERS: FilterSpec<InternetGateway> = {
  fields: {
    'attachment.state': (g) => g.Attachments?.map((a) => a.State),
    'attachment.vpc-id': (g) => g.Attachments?.map((a) => a.VpcId),
    'internet-gateway-id': (g) => g.InternetGatewayId,
    'owner-id': (g) => g.OwnerId,
  },
  tags: (g) => g.Tags,
};

const routes = <T>(pick: (r: NonNullable<RouteTable['Routes']>[number]) => T) => (t: RouteTable) => t.Routes?.map(pick) as never;
const associations = <T>(pick: (a: NonNullable<RouteTable['Associations']>[number]) => T) => (t: RouteTable) => t.Associations?.map(pick) as never;

export const ROUTE_TABLE_FILTERS: FilterSpec<RouteTable> = {
  fields: {
    'association.gateway-id': associations((a) => a.GatewayId),
    'association.route-table-association-id': associations((a) => a.RouteTableAssociationId),
    'association.route-table-id': associations((a) => a.RouteTableId),
    'association.subnet-id': associations((a) => a.SubnetId),
    'association.main': associations((a) => a.Main),
    'owner-id': (t) => t.OwnerId,
    'route-table-id': (t) => t.RouteTableId,
    'route.destination-cidr-block': routes((r) => r.DestinationCidrBlock),
    'route.destination-ipv6-cidr-block': routes((r) => r.DestinationIpv6CidrBlock),
    'route.destination-prefix-list-id': routes((r) => r.DestinationPrefixListId),
    'route.egress-only-internet-gateway-id': routes((r) => r.EgressOnlyInternetGatewayId),
    'route.gateway-id': routes((r) => r.GatewayId),
    'route.instance-id': routes((r) => r.InstanceId),
    'route.nat-gateway-id': routes((r) => r.NatGatewayId),
    'route.transit-gateway-id': routes((r) => r.TransitGatewayId),
    'route.origin': routes((r) => r.Origin),
    'route.state': routes((r) => r.State),
    'route.vpc-peering-connection-id': routes((r) => r.VpcPeeringConnectionId),
    'route.network-interface-id': routes((r) => r.NetworkInterfaceId),
    'vpc-id': (t) => t.VpcId,
  },
  tags: (t) => t.Tags,
};

const entries = <T>(pick: (e: NonNullable<NetworkAcl['Entries']>[number]) => T) => (a: NetworkAcl) => a.Entries?.map(pick) as never;

export const ACL_FILTERS: FilterSpec<NetworkAcl> = {
  fields: {
    'association.association-id': (a) => a.Associations?.map((x) => x.NetworkAclAssociationId),
    'association.network-acl-id': (a) => a.Associations?.map((x) => x.NetworkAclId),
    'association.subnet-id': (a) => a.Associations?.map((x) => x.SubnetId),
    default: (a) => a.IsDefault,
    'entry.cidr': entries((e) => e.CidrBlock),
    'entry.icmp.code': entries((e) => e.IcmpTypeCode?.Code),
    'entry.icmp.type': entries((e) => e.IcmpTypeCode?.Type),
    'entry.ipv6-cidr': entries((e) => e.Ipv6CidrBlock),
    'entry.port-range.from': entries((e) => e.PortRange?.From),
    'entry.port-range.to': entries((e) => e.PortRange?.To),
    'entry.protocol': entries((e) => e.Protocol),
    'entry.rule-action': entries((e) => e.RuleAction),
    'entry.egress': entries((e) => e.Egress),
    'entry.rule-number': entries((e) => e.RuleNumber),
    'network-acl-id': (a) => a.NetworkAclId,
    'owner-id': (a) => a.OwnerId,
    'vpc-id': (a) => a.VpcId,
  },
  tags: (a) => a.Tags,
};

export const DHCP_FILTERS: FilterSpec<DhcpOptions> = {
  fields: {
    'dhcp-options-id': (d) => d.DhcpOptionsId,
    key: (d) => d.DhcpConfigurations?.map((c) => c.Key),
    value: (d) => d.DhcpConfigurations?.flatMap((c) => (c.Values ?? []).map((v) => v.Value)),
    'owner-id': (d) => d.OwnerId,
  },
  tags: (d) => d.Tags,
};
