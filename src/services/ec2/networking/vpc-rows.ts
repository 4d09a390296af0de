// What a VPC is made of when it is created, as AWS makes it: the VPC and its primary CIDR
// block, its main route table (the `local` route for each of its blocks, the main
// association), its default network ACL (rule 100 allows all traffic each way, the `*` rule
// denies the rest; IPv6 twins for an IPv6 VPC) and its `default` security group (all traffic
// from itself, all traffic out). CreateVpc gives them random ids; the default network
// (default-network.ts) derived ones, so two nodes writing it converge on the same rows.
import type { Insertable } from 'kysely';
import type { Database } from '../../../store/schema.js';
import type { Scope } from '../../../store/scope.js';
import type { SecurityGroupRow, SecurityGroupRuleRow } from '../../../store/repos/security-groups.js';

type Ins<T extends keyof Database> = Insertable<Database[T]>;

export interface VpcIds {
  vpcId: string;
  cidrAssociationId: string;
  ipv6AssociationId?: string;
  routeTableId: string;
  mainAssociationId: string;
  networkAclId: string;
  groupId: string;
  ingressRuleId: string;
  egressRuleId: string;
}

export interface VpcSpec {
  cidrBlock: string;
  ipv6CidrBlock?: string;
  ipv6BorderGroup?: string;
  tenancy: string;
  isDefault: boolean;
  dhcpOptionsId: string;
  dnsHostnames: boolean;
  createdAt: string;
}

export interface VpcRowSet {
  vpc: Ins<'vpcs'>;
  cidrBlocks: Ins<'vpc_cidr_blocks'>[];
  routeTable: Ins<'route_tables'>;
  routes: Ins<'routes'>[];
  mainAssociation: Ins<'route_table_associations'>;
  acl: Ins<'network_acls'>;
  aclEntries: Ins<'network_acl_entries'>[];
  group: SecurityGroupRow;
  groupRules: SecurityGroupRuleRow[];
}

export const localRoute = (routeTableId: string, destination: string, createdAt: string): Ins<'routes'> => ({
  route_table_id: routeTableId,
  destination,
  destination_type: destination.includes(':') ? 'ipv6' : 'ipv4',
  target_type: 'local',
  target_id: 'local',
  origin: 'CreateRouteTable',
  created_at: createdAt,
});

/** A network ACL's closing `*` rules (and, with IPv6, rule 100/101's allow-all when `allowAll`). */
export function aclEntries(aclId: string, ipv6: boolean, allowAll: boolean): Ins<'network_acl_entries'>[] {
  const entry = (egress: boolean, rule: number, action: string, cidr: string): Ins<'network_acl_entries'> => ({
    network_acl_id: aclId,
    egress: egress ? 1 : 0,
    rule_number: rule,
    protocol: '-1',
    rule_action: action,
    cidr_block: cidr.includes(':') ? null : cidr,
    ipv6_cidr_block: cidr.includes(':') ? cidr : null,
    icmp_type: null,
    icmp_code: null,
    port_from: null,
    port_to: null,
  });
  const out: Ins<'network_acl_entries'>[] = [];
  for (const egress of [false, true]) {
    if (allowAll) out.push(entry(egress, 100, 'allow', '0.0.0.0/0'));
    if (allowAll && ipv6) out.push(entry(egress, 101, 'allow', '::/0'));
    out.push(entry(egress, 32767, 'deny', '0.0.0.0/0'));
    if (ipv6) out.push(entry(egress, 32768, 'deny', '::/0'));
  }
  return out;
}

export function vpcRows(caller: Scope, ids: VpcIds, spec: VpcSpec): VpcRowSet {
  const scope = { account_id: caller.accountId, region: caller.region };
  const cidrBlocks: Ins<'vpc_cidr_blocks'>[] = [{ association_id: ids.cidrAssociationId, vpc_id: ids.vpcId, ...scope, cidr_block: spec.cidrBlock, ipv6: 0, network_border_group: null, position: 0 }];
  if (spec.ipv6CidrBlock && ids.ipv6AssociationId) {
    cidrBlocks.push({ association_id: ids.ipv6AssociationId, vpc_id: ids.vpcId, ...scope, cidr_block: spec.ipv6CidrBlock, ipv6: 1, network_border_group: spec.ipv6BorderGroup ?? caller.region, position: 1 });
  }
  const rule = (ruleId: string, egress: boolean, peer: Partial<SecurityGroupRuleRow>): SecurityGroupRuleRow => ({
    rule_id: ruleId,
    group_id: ids.groupId,
    ...scope,
    is_egress: egress ? 1 : 0,
    ip_protocol: '-1',
    from_port: null,
    to_port: null,
    cidr_ipv4: null,
    cidr_ipv6: null,
    prefix_list_id: null,
    referenced_group_id: null,
    referenced_account_id: null,
    description: null,
    created_at: spec.createdAt,
    position: 0,
    ...peer,
  });
  return {
    vpc: {
      vpc_id: ids.vpcId,
      ...scope,
      cidr_block: spec.cidrBlock,
      instance_tenancy: spec.tenancy,
      is_default: spec.isDefault ? 1 : 0,
      dhcp_options_id: spec.dhcpOptionsId,
      enable_dns_support: 1,
      enable_dns_hostnames: spec.dnsHostnames ? 1 : 0,
      enable_nau_metrics: 0,
      created_at: spec.createdAt,
    },
    cidrBlocks,
    routeTable: { route_table_id: ids.routeTableId, ...scope, vpc_id: ids.vpcId, created_at: spec.createdAt },
    routes: cidrBlocks.map((c) => localRoute(ids.routeTableId, c.cidr_block, spec.createdAt)),
    mainAssociation: { association_id: ids.mainAssociationId, ...scope, route_table_id: ids.routeTableId, vpc_id: ids.vpcId, subnet_id: null, gateway_id: null, main: 1 },
    acl: { network_acl_id: ids.networkAclId, ...scope, vpc_id: ids.vpcId, is_default: 1, created_at: spec.createdAt },
    aclEntries: aclEntries(ids.networkAclId, Boolean(spec.ipv6CidrBlock), true),
    group: { group_id: ids.groupId, ...scope, vpc_id: ids.vpcId, group_name: 'default', description: spec.isDefault ? 'default VPC security group' : 'default VPC security group', created_at: spec.createdAt },
    groupRules: [
      rule(ids.ingressRuleId, false, { referenced_group_id: ids.groupId, referenced_account_id: caller.accountId }),
      rule(ids.egressRuleId, true, { cidr_ipv4: '0.0.0.0/0' }),
    ],
  };
}
