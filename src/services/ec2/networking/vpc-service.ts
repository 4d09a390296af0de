// VPCs: the default network (written the first time an account touches a region: the default
// VPC, a default subnet per zone, its attached internet gateway and the main table's route to
// it, the default DHCP options set; ids derived, so racing nodes write the same rows; the
// account attribute `default-vpc` records it, `none` once the default VPC is deleted), CreateVpc
// with AWS's companions (vpc-rows.ts), DeleteVpc refused while anything but those companions
// remains, attributes, and secondary IPv4 / Amazon-provided IPv6 blocks.
import { randomBytes } from 'node:crypto';
import type { Tag, Vpc } from '../../../api/ec2/types.js';
import type { Insertable } from 'kysely';
import { findRegion } from '../../../config/regions.js';
import type { Database } from '../../../store/schema.js';
import type { Scope } from '../../../store/scope.js';
import type { Store, Repos } from '../../../store/store.js';
import type { Row } from '../../../store/repos/vpc-family.js';
import { ec2Error, invalidParameterValue } from '../ec2-errors.js';
import { derivedId, newId } from '../resource-ids.js';
import { defaultDhcpConfigurations, defaultGatewayId, defaultVpcId, defaultVpcRows, dhcpOptionsId, DEFAULT_VPC_CIDR } from './default-network.js';
import { describePage, bool01, type DescribeRequest } from './network-describe.js';
import { VPC_FILTERS } from './network-filters.js';
import { intToIp, parseCidr, type Cidr } from './ipv4.js';
import { assertId, dependencyViolation, vpcNotFound } from './vpc-errors.js';
import { localRoute, vpcRows, type VpcRowSet } from './vpc-rows.js';
import { vpcView } from './vpc-views.js';

type Tags = { key: string; value: string }[];
export type VpcAttribute = 'enableDnsSupport' | 'enableDnsHostnames' | 'enableNetworkAddressUsageMetrics';
const ATTRIBUTE_COLUMN = { enableDnsSupport: 'enable_dns_support', enableDnsHostnames: 'enable_dns_hostnames', enableNetworkAddressUsageMetrics: 'enable_nau_metrics' } as const;
const DEFAULT_ATTRIBUTE = 'default-vpc';

/** Default subnets: a /20 per zone of 172.31.0.0/16, in zone order. */
export function defaultSubnetRows(scope: Scope, vpcId: string, mapsPublicIp: boolean, ids: (zone: string) => string, createdAt: string): Insertable<Database['subnets']>[] {
  const vpc = parseCidr(DEFAULT_VPC_CIDR)!;
  return (findRegion(scope.region)?.zones ?? []).map((zone, i) => subnetRow(scope, { subnetId: ids(zone.name), vpcId, zone: zone.name, cidrBlock: `${intToIp(vpc.base + i * 4096)}/20`, defaultForAz: true, mapPublicIp: mapsPublicIp, createdAt }));
}

export function subnetRow(scope: Scope, s: { subnetId: string; vpcId: string; zone: string; cidrBlock: string; defaultForAz: boolean; mapPublicIp: boolean; ipv6?: { cidr: string; associationId: string }; createdAt: string }): Insertable<Database['subnets']> {
  return {
    subnet_id: s.subnetId,
    account_id: scope.accountId,
    region: scope.region,
    vpc_id: s.vpcId,
    availability_zone: s.zone,
    cidr_block: s.cidrBlock,
    ipv6_cidr_block: s.ipv6?.cidr ?? null,
    ipv6_association_id: s.ipv6?.associationId ?? null,
    default_for_az: s.defaultForAz ? 1 : 0,
    map_public_ip_on_launch: s.mapPublicIp ? 1 : 0,
    assign_ipv6_on_creation: 0,
    enable_dns64: 0,
    hostname_type: 'ip-name',
    dns_a_record: 0,
    dns_aaaa_record: 0,
    created_at: s.createdAt,
  };
}

/** An Amazon-provided /56 (2600:1f<xx>:<xxxx>:<xx>00::/56). */
export function amazonIpv6Block(): string {
  const b = randomBytes(4);
  return `2600:1f${b.toString('hex', 0, 1)}:${b.toString('hex', 1, 3)}:${b.toString('hex', 3, 4)}00::/56`;
}

export async function insertVpc(tx: Repos, set: VpcRowSet, ignoreExisting = false): Promise<void> {
  const o = { ignoreExisting };
  await tx.vpc.vpcs.insert([set.vpc], o);
  await tx.vpc.cidrBlocks.insert(set.cidrBlocks, o);
  await tx.vpc.routeTables.insert([set.routeTable], o);
  await tx.vpc.routes.insert(set.routes, o);
  await tx.vpc.routeAssociations.insert([set.mainAssociation], o);
  await tx.vpc.networkAcls.insert([set.acl], o);
  await tx.vpc.aclEntries.insert(set.aclEntries, o);
  await tx.securityGroups.insert(set.group, set.groupRules);
}

export const overlaps = (a: Cidr, b: Cidr) => a.base < b.base + b.size && b.base < a.base + a.size;

export class VpcService {
  constructor(
    private readonly store: Store,
    /** whether default subnets map public addresses (where the driver has a public network) */
    private readonly mapsPublicIp: boolean,
  ) {}

  /** Writes the account's default network in this region the first time it is needed. */
  async ensure(caller: Scope): Promise<void> {
    if ((await this.store.accountAttributes.get(caller, DEFAULT_ATTRIBUTE)) !== undefined) return;
    const vpcId = defaultVpcId(caller);
    const set = defaultVpcRows(caller);
    const gatewayId = defaultGatewayId(caller);
    const epoch = set.vpc.created_at;
    await this.store.transaction(async (tx) => {
      await tx.vpc.dhcpOptions.insert([{ dhcp_options_id: dhcpOptionsId(caller), account_id: caller.accountId, region: caller.region, configurations: JSON.stringify(defaultDhcpConfigurations(caller.region)), created_at: epoch }], { ignoreExisting: true });
      await insertVpc(tx, set, true);
      await tx.vpc.subnets.insert(defaultSubnetRows(caller, vpcId, this.mapsPublicIp, (zone) => derivedId('subnet', caller, `default-subnet/${zone}`), epoch), { ignoreExisting: true });
      await tx.vpc.internetGateways.insert([{ gateway_id: gatewayId, account_id: caller.accountId, region: caller.region, vpc_id: vpcId, created_at: epoch }], { ignoreExisting: true });
      await tx.vpc.routes.insert([{ ...localRoute(set.routeTable.route_table_id, '0.0.0.0/0', epoch), target_type: 'gateway', target_id: gatewayId, origin: 'CreateRoute' }], { ignoreExisting: true });
      await tx.accountAttributes.set(caller, DEFAULT_ATTRIBUTE, vpcId);
    });
  }

  /** The default VPC's id, if the account has one here. */
  async defaultVpcId(caller: Scope): Promise<string | undefined> {
    let id = await this.store.accountAttributes.get(caller, DEFAULT_ATTRIBUTE);
    if (id === undefined) {
      await this.ensure(caller);
      id = await this.store.accountAttributes.get(caller, DEFAULT_ATTRIBUTE);
    }
    return id && id !== 'none' ? id : undefined;
  }

  async get(caller: Scope, vpcId: string): Promise<Row<'vpcs'>> {
    assertId('vpc', vpcId);
    await this.ensure(caller);
    const row = await this.store.vpc.vpcs.get(caller, vpcId);
    if (!row) throw vpcNotFound(vpcId);
    return row;
  }

  async views(caller: Scope, rows: Row<'vpcs'>[]): Promise<Vpc[]> {
    const ids = rows.map((r) => r.vpc_id);
    const [cidrs, tags] = await Promise.all([this.store.vpc.cidrBlocks.of(ids), this.store.tags.forResources(caller, ids)]);
    return rows.map((r) => vpcView(r, cidrs.filter((c) => c.vpc_id === r.vpc_id), tags.get(r.vpc_id)));
  }

  async describe(caller: Scope, req: DescribeRequest): Promise<{ items: Vpc[]; nextToken?: string }> {
    await this.ensure(caller);
    return describePage(caller, req, {
      table: this.store.vpc.vpcs,
      idOf: (r) => r.vpc_id,
      sql: { 'vpc-id': { column: 'vpc_id' }, 'is-default': { column: 'is_default', value: bool01 }, isDefault: { column: 'is_default', value: bool01 }, 'dhcp-options-id': { column: 'dhcp_options_id' }, cidr: { column: 'cidr_block' }, 'owner-id': { column: 'account_id' } },
      filters: VPC_FILTERS,
      notFound: vpcNotFound,
      assertId: (id) => assertId('vpc', id),
      views: (rows) => this.views(caller, rows),
    });
  }

  private checkCidr(cidrBlock: string, code: string): Cidr {
    const cidr = parseCidr(cidrBlock);
    if (!cidr || cidr.bits < 16 || cidr.bits > 28 || cidrBlock.split('/')[0] !== intToIp(cidr.base)) {
      // AWS takes a host address with the right prefix (10.0.0.1/16) only as written; Imago asks for the network address
      throw ec2Error(code, `The CIDR '${cidrBlock}' is invalid.`);
    }
    return cidr;
  }

  async create(caller: Scope, req: { cidrBlock?: string; amazonIpv6?: boolean; ipv6BorderGroup?: string; tenancy?: string; tags: Tags }, checkpoint: () => void): Promise<Vpc> {
    if (!req.cidrBlock) throw ec2Error('MissingParameter', 'The request must contain the parameter cidrBlock or ipv4IpamPoolId');
    this.checkCidr(req.cidrBlock, 'InvalidVpc.Range');
    if (req.tenancy !== undefined && !['default', 'dedicated'].includes(req.tenancy)) throw invalidParameterValue(`Value (${req.tenancy}) for parameter instanceTenancy is invalid.`);
    await this.ensure(caller);
    checkpoint();
    const set = await this.createRows(caller, { cidrBlock: req.cidrBlock, ipv6: req.amazonIpv6 ? amazonIpv6Block() : undefined, ipv6BorderGroup: req.ipv6BorderGroup, tenancy: req.tenancy ?? 'default', isDefault: false, tags: req.tags });
    return (await this.views(caller, [set.vpc as Row<'vpcs'>]))[0];
  }

  private async createRows(caller: Scope, s: { cidrBlock: string; ipv6?: string; ipv6BorderGroup?: string; tenancy: string; isDefault: boolean; tags: Tags }, more?: (tx: Repos, set: VpcRowSet) => Promise<void>): Promise<VpcRowSet> {
    const vpcId = newId('vpc');
    const dopt = await this.store.vpc.dhcpOptions.get(caller, dhcpOptionsId(caller));
    const set = vpcRows(
      caller,
      { vpcId, cidrAssociationId: newId('vpc-cidr-assoc'), ipv6AssociationId: s.ipv6 ? newId('vpc-cidr-assoc') : undefined, routeTableId: newId('rtb'), mainAssociationId: newId('rtbassoc'), networkAclId: newId('acl'), groupId: newId('sg'), ingressRuleId: newId('sgr'), egressRuleId: newId('sgr') },
      { cidrBlock: s.cidrBlock, ipv6CidrBlock: s.ipv6, ipv6BorderGroup: s.ipv6BorderGroup, tenancy: s.tenancy, isDefault: s.isDefault, dhcpOptionsId: dopt ? dopt.dhcp_options_id : 'default', dnsHostnames: s.isDefault, createdAt: new Date().toISOString() },
    );
    await this.store.transaction(async (tx) => {
      await insertVpc(tx, set);
      await tx.tags.put(caller, s.tags.map((t) => ({ resourceId: vpcId, resourceType: 'vpc', ...t })));
      await more?.(tx, set);
    });
    return set;
  }

  /** CreateDefaultVpc: a new default VPC with a default subnet per zone and an attached gateway. */
  async createDefault(caller: Scope, checkpoint: () => void): Promise<Vpc> {
    if (await this.defaultVpcId(caller)) throw ec2Error('DefaultVpcAlreadyExists', 'A Default VPC already exists for this account in this region.');
    checkpoint();
    const set = await this.createRows(caller, { cidrBlock: DEFAULT_VPC_CIDR, tenancy: 'default', isDefault: true, tags: [] }, async (tx, set) => {
      const vpcId = set.vpc.vpc_id;
      const now = set.vpc.created_at;
      const gatewayId = newId('igw');
      await tx.vpc.subnets.insert(defaultSubnetRows(caller, vpcId, this.mapsPublicIp, () => newId('subnet'), now));
      await tx.vpc.internetGateways.insert([{ gateway_id: gatewayId, account_id: caller.accountId, region: caller.region, vpc_id: vpcId, created_at: now }]);
      await tx.vpc.routes.insert([{ ...localRoute(set.routeTable.route_table_id, '0.0.0.0/0', now), target_type: 'gateway', target_id: gatewayId, origin: 'CreateRoute' }]);
      await tx.accountAttributes.set(caller, DEFAULT_ATTRIBUTE, vpcId);
    });
    return (await this.views(caller, [set.vpc as Row<'vpcs'>]))[0];
  }

  /** DeleteVpc: only its own companions may remain (main table, default ACL, default group). */
  async delete(caller: Scope, vpcId: string, checkpoint: () => void): Promise<void> {
    const vpc = await this.get(caller, vpcId);
    const v = this.store.vpc;
    const inVpc = { equals: [{ column: 'vpc_id', values: [vpcId] }] };
    const [subnets, gateways, tables, acls, groups, mains] = await Promise.all([
      v.subnets.list(caller, { ...inVpc, limit: 1 }),
      v.internetGateways.list(caller, { ...inVpc, limit: 1 }),
      v.routeTables.list(caller, inVpc),
      v.networkAcls.list(caller, inVpc),
      this.store.securityGroups.list(caller).then((gs) => gs.filter((g) => g.vpc_id === vpcId)),
      v.routeAssociations.list(caller, { equals: [{ column: 'vpc_id', values: [vpcId] }, { column: 'main', values: [1] }] }),
    ]);
    const mainTable = mains[0]?.route_table_id;
    const blocked = subnets.length || gateways.length || tables.some((t) => t.route_table_id !== mainTable) || acls.some((a) => !a.is_default) || groups.some((g) => g.group_name !== 'default');
    if (blocked || (await v.instanceIn(caller, 'vpc_id', [vpcId]))) throw dependencyViolation(`The vpc '${vpcId}' has dependencies and cannot be deleted.`);
    checkpoint();
    const tableIds = tables.map((t) => t.route_table_id);
    const aclIds = acls.map((a) => a.network_acl_id);
    await this.store.transaction(async (tx) => {
      await tx.vpc.routes.deleteOf(tableIds);
      await tx.vpc.routeAssociations.delete(caller, mains.map((m) => m.association_id));
      await tx.vpc.routeTables.delete(caller, tableIds);
      await tx.vpc.aclEntries.deleteOf(aclIds);
      await tx.vpc.networkAcls.delete(caller, aclIds);
      for (const g of groups) await tx.securityGroups.delete(g.group_id);
      await tx.vpc.cidrBlocks.deleteOf([vpcId]);
      await tx.vpc.vpcs.delete(caller, [vpcId]);
      for (const id of [vpcId, ...tableIds, ...aclIds, ...groups.map((g) => g.group_id)]) await tx.tags.deleteResource(id);
      if (vpc.is_default) await tx.accountAttributes.set(caller, DEFAULT_ATTRIBUTE, 'none');
    });
  }

  async attribute(caller: Scope, vpcId: string, name: VpcAttribute): Promise<boolean> {
    const vpc = await this.get(caller, vpcId);
    const column = ATTRIBUTE_COLUMN[name];
    if (!column) throw invalidParameterValue(`Value (${name}) for parameter attribute is invalid. Unknown attribute.`);
    return vpc[column] === 1;
  }

  /** ModifyVpcAttribute: one attribute a call; DNS hostnames need DNS support. */
  async modifyAttribute(caller: Scope, vpcId: string, changes: Partial<Record<VpcAttribute, boolean>>, checkpoint: () => void): Promise<void> {
    const vpc = await this.get(caller, vpcId);
    const names = Object.keys(changes).filter((k) => changes[k as VpcAttribute] !== undefined) as VpcAttribute[];
    if (names.length !== 1) throw invalidParameterValue('Fields for multiple attribute types specified: ' + (names.length ? names.join(', ') : 'none'));
    const [name] = names;
    const value = changes[name]!;
    if (name === 'enableDnsHostnames' && value && !vpc.enable_dns_support) throw invalidParameterValue('DNS hostnames cannot be enabled unless DNS support is enabled.');
    if (name === 'enableDnsSupport' && !value && vpc.enable_dns_hostnames) throw invalidParameterValue('DNS support cannot be disabled while DNS hostnames are enabled.');
    checkpoint();
    await this.store.vpc.vpcs.update(caller, vpcId, { [ATTRIBUTE_COLUMN[name]]: value ? 1 : 0 });
  }

  /** AssociateVpcCidrBlock: a secondary IPv4 block (up to 5 in all, no overlap) or an Amazon IPv6 /56 (one). */
  async associateCidr(caller: Scope, vpcId: string, req: { cidrBlock?: string; amazonIpv6?: boolean; ipv6BorderGroup?: string }, checkpoint: () => void): Promise<Row<'vpc_cidr_blocks'>> {
    await this.get(caller, vpcId);
    const existing = await this.store.vpc.cidrBlocks.of([vpcId]);
    if (Boolean(req.cidrBlock) === Boolean(req.amazonIpv6)) throw ec2Error('InvalidParameterCombination', 'Exactly one of cidrBlock or amazonProvidedIpv6CidrBlock must be specified.');
    let row: Row<'vpc_cidr_blocks'>;
    const position = Math.max(...existing.map((c) => c.position)) + 1;
    if (req.cidrBlock) {
      const cidr = this.checkCidr(req.cidrBlock, 'InvalidVpc.Range');
      const v4 = existing.filter((c) => !c.ipv6);
      if (v4.length >= 5) throw ec2Error('CidrLimitExceeded', `This network '${vpcId}' has met its maximum number of allowed CIDRs: 5`);
      const clash = v4.find((c) => overlaps(parseCidr(c.cidr_block)!, cidr));
      if (clash) throw ec2Error('InvalidVpc.Range', `The CIDR '${req.cidrBlock}' conflicts with another CIDR block '${clash.cidr_block}' of the VPC.`);
      row = { association_id: newId('vpc-cidr-assoc'), vpc_id: vpcId, account_id: caller.accountId, region: caller.region, cidr_block: req.cidrBlock, ipv6: 0, network_border_group: null, position };
    } else {
      if (existing.some((c) => c.ipv6)) throw ec2Error('CidrLimitExceeded', `This network '${vpcId}' has met its maximum number of allowed IPv6 CIDRs: 1`);
      row = { association_id: newId('vpc-cidr-assoc'), vpc_id: vpcId, account_id: caller.accountId, region: caller.region, cidr_block: amazonIpv6Block(), ipv6: 1, network_border_group: req.ipv6BorderGroup ?? caller.region, position };
    }
    checkpoint();
    const tables = await this.store.vpc.routeTables.list(caller, { equals: [{ column: 'vpc_id', values: [vpcId] }] });
    await this.store.transaction(async (tx) => {
      await tx.vpc.cidrBlocks.insert([row]);
      // every table of the VPC gets the block's local route
      await tx.vpc.routes.insert(tables.map((t) => localRoute(t.route_table_id, row.cidr_block, new Date().toISOString())), { ignoreExisting: true });
    });
    return row;
  }

  /** DisassociateVpcCidrBlock: not the primary block, not one a subnet uses. */
  async disassociateCidr(caller: Scope, associationId: string, checkpoint: () => void): Promise<Row<'vpc_cidr_blocks'>> {
    const row = await this.store.vpc.cidrAssociations.get(caller, associationId);
    if (!row) throw ec2Error('InvalidVpcCidrBlockAssociationID.NotFound', `The vpc CIDR block association ID '${associationId}' does not exist`);
    if (row.position === 0) throw ec2Error('OperationNotPermitted', `The vpc CIDR block with association ID ${associationId} may not be disassociated. It is the primary IPv4 CIDR block of the VPC`);
    const subnets = await this.store.vpc.subnets.list(caller, { equals: [{ column: 'vpc_id', values: [row.vpc_id] }] });
    const block = row.ipv6 ? undefined : parseCidr(row.cidr_block)!;
    const used = subnets.some((s) => (block ? overlaps(block, parseCidr(s.cidr_block)!) : s.ipv6_cidr_block !== null));
    if (used) throw dependencyViolation(`The vpc CIDR block with association ID ${associationId} has dependencies and cannot be disassociated.`);
    checkpoint();
    const tables = await this.store.vpc.routeTables.list(caller, { equals: [{ column: 'vpc_id', values: [row.vpc_id] }] });
    await this.store.transaction(async (tx) => {
      for (const t of tables) await tx.vpc.routes.delete({ route_table_id: t.route_table_id, destination: row.cidr_block, target_type: 'local' });
      await tx.vpc.cidrBlocks.delete({ association_id: associationId });
    });
    return row;
  }

  /** CIDR blocks of a VPC (subnets must fall inside one). */
  cidrBlocks(vpcId: string): Promise<Row<'vpc_cidr_blocks'>[]> {
    return this.store.vpc.cidrBlocks.of([vpcId]);
  }

  /** The VPC's tags' view for TagSpecifications echo. */
  static tagsOut(tags: Tags): Tag[] {
    return tags.map((t) => ({ Key: t.key, Value: t.value }));
  }
}
