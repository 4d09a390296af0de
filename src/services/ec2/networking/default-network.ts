// Every account has, in every region, AWS's default network: the default VPC (172.31.0.0/16),
// one default subnet per Availability Zone (172.31.0.0/20, 172.31.16.0/20, … in zone order) and
// the VPC's `default` security group. Their ids are derived from the account and region, so
// they exist without being created and agree with DescribeAccountAttributes' `default-vpc`.
// Default subnets map public IPs on launch when the compute driver has a public network
// (see network-service.ts).
import { findRegion, type Zone } from '../../../config/regions.js';
import type { Scope } from '../../../store/scope.js';
import { derivedId } from '../resource-ids.js';
import { intToIp, parseCidr, type Cidr } from './ipv4.js';
import { vpcRows, type VpcRowSet } from './vpc-rows.js';

export const DEFAULT_VPC_CIDR = '172.31.0.0/16';

export interface SubnetInfo {
  subnetId: string;
  vpcId: string;
  zone: Zone;
  cidrBlock: string;
  cidr: Cidr;
  defaultForAz: boolean;
  /** whether launches get a public address unless they say otherwise */
  mapPublicIp: boolean;
}

export const defaultVpcId = (scope: Scope) => derivedId('vpc', scope, 'default-vpc');
/** The account's default DHCP options set: Amazon's DNS and the region's domain name. */
export const defaultDhcpConfigurations = (region: string) => [
  { key: 'domain-name', values: [region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`] },
  { key: 'domain-name-servers', values: ['AmazonProvidedDNS'] },
];
export const defaultGroupId = (scope: Scope) => derivedId('sg', scope, `default-sg/${defaultVpcId(scope)}`);
export const dhcpOptionsId = (scope: Scope) => derivedId('dopt', scope, 'default-dopt');

export function defaultSubnets(scope: Scope): SubnetInfo[] {
  const zones = findRegion(scope.region)?.zones ?? [];
  const vpc = parseCidr(DEFAULT_VPC_CIDR)!;
  return zones.map((zone, i) => {
    const cidrBlock = `${intToIp(vpc.base + i * 4096)}/20`;
    return { subnetId: derivedId('subnet', scope, `default-subnet/${zone.name}`), vpcId: defaultVpcId(scope), zone, cidrBlock, cidr: parseCidr(cidrBlock)!, defaultForAz: true, mapPublicIp: false };
  });
}

/** The addresses instances may get: AWS reserves a subnet's first four and its last. */
export function usableRange(cidr: Cidr): { first: number; last: number; count: number } {
  return { first: cidr.base + 4, last: cidr.base + cidr.size - 2, count: cidr.size - 5 };
}

/** `ip-172-31-3-4.ec2.internal` (us-east-1) or `ip-172-31-3-4.<region>.compute.internal`. */
export function privateDnsName(region: string, ip: string): string {
  return `ip-${ip.replaceAll('.', '-')}.${region === 'us-east-1' ? 'ec2.internal' : `${region}.compute.internal`}`;
}

/** The default VPC's rows, ids derived (vpc-rows.ts), its group the one written before 0025. */
export function defaultVpcRows(scope: Scope): VpcRowSet {
  const vpcId = defaultVpcId(scope);
  const groupId = defaultGroupId(scope);
  return vpcRows(
    scope,
    {
      vpcId,
      cidrAssociationId: derivedId('vpc-cidr-assoc', scope, vpcId),
      routeTableId: derivedId('rtb', scope, `main/${vpcId}`),
      mainAssociationId: derivedId('rtbassoc', scope, `main/${vpcId}`),
      networkAclId: derivedId('acl', scope, `default/${vpcId}`),
      groupId,
      ingressRuleId: derivedId('sgr', scope, `${groupId}/ingress`),
      egressRuleId: derivedId('sgr', scope, `${groupId}/egress`),
    },
    { cidrBlock: DEFAULT_VPC_CIDR, tenancy: 'default', isDefault: true, dhcpOptionsId: dhcpOptionsId(scope), dnsHostnames: true, createdAt: new Date(0).toISOString() },
  );
}

/** The default VPC's internet gateway (attached; the main table routes 0.0.0.0/0 to it). */
export const defaultGatewayId = (scope: Scope) => derivedId('igw', scope, `default/${defaultVpcId(scope)}`);
