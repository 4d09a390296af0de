// Subnets: a block inside one of its VPC's IPv4 blocks (/16 to /28) that overlaps no other
// subnet of the VPC (InvalidSubnet.Range / InvalidSubnet.Conflict), optionally an IPv6 /64 of
// the VPC's /56, in a zone of the region; associated with the VPC's default network ACL from
// the start. AvailableIpAddressCount is the block's size less AWS's five reserved addresses and
// the live instances' addresses. Launches find their subnet here (SubnetInfo).
import type { Subnet } from '../../../api/ec2/types.js';
import { findRegion, findZone, type Zone } from '../../../config/regions.js';
import type { Scope } from '../../../store/scope.js';
import type { Store } from '../../../store/store.js';
import type { Row } from '../../../store/repos/vpc-family.js';
import { ec2Error, invalidParameterValue } from '../ec2-errors.js';
import { newId } from '../resource-ids.js';
import type { SubnetInfo } from './default-network.js';
import { intToIp, parseCidr } from './ipv4.js';
import { contains6, overlaps6, parseCidr6 } from './ipv6.js';
import { bool01, describePage, type DescribeRequest } from './network-describe.js';
import { SUBNET_FILTERS } from './network-filters.js';
import { assertId, dependencyViolation, subnetNotFound } from './vpc-errors.js';
import { overlaps, subnetRow, type VpcService } from './vpc-service.js';
import { subnetView } from './vpc-views.js';

type Tags = { key: string; value: string }[];

export interface SubnetAttributes {
  mapPublicIpOnLaunch?: boolean;
  assignIpv6AddressOnCreation?: boolean;
  enableDns64?: boolean;
  hostnameType?: string;
  dnsARecord?: boolean;
  dnsAaaaRecord?: boolean;
}

const ATTRIBUTE_COLUMN: Record<keyof SubnetAttributes, string> = {
  mapPublicIpOnLaunch: 'map_public_ip_on_launch',
  assignIpv6AddressOnCreation: 'assign_ipv6_on_creation',
  enableDns64: 'enable_dns64',
  hostnameType: 'hostname_type',
  dnsARecord: 'dns_a_record',
  dnsAaaaRecord: 'dns_aaaa_record',
};

export function subnetInfo(row: Row<'subnets'>): SubnetInfo {
  const zone: Zone = findZone(row.availability_zone)?.zone ?? { name: row.availability_zone, id: row.availability_zone };
  return { subnetId: row.subnet_id, vpcId: row.vpc_id, zone, cidrBlock: row.cidr_block, cidr: parseCidr(row.cidr_block)!, defaultForAz: row.default_for_az === 1, mapPublicIp: row.map_public_ip_on_launch === 1 };
}

const noDefaultVpc = () => ec2Error('VPCIdNotSpecified', 'No default VPC for this user. GroupName is only supported for EC2-Classic and default VPC.');

export class SubnetService {
  private turn = 0;

  constructor(
    private readonly store: Store,
    private readonly vpcs: VpcService,
  ) {}

  async get(caller: Scope, subnetId: string): Promise<Row<'subnets'>> {
    assertId('subnet', subnetId);
    await this.vpcs.ensure(caller);
    const row = await this.store.vpc.subnets.get(caller, subnetId);
    if (!row) throw subnetNotFound(subnetId);
    return row;
  }

  async views(caller: Scope, rows: Row<'subnets'>[]): Promise<Subnet[]> {
    const ids = rows.map((r) => r.subnet_id);
    const [inUse, tags] = await Promise.all([this.store.vpc.addressesInUse(caller, ids), this.store.tags.forResources(caller, ids)]);
    return rows.map((r) => subnetView(r, inUse.get(r.subnet_id) ?? 0, tags.get(r.subnet_id)));
  }

  async describe(caller: Scope, req: DescribeRequest): Promise<{ items: Subnet[]; nextToken?: string }> {
    await this.vpcs.ensure(caller);
    return describePage(caller, req, {
      table: this.store.vpc.subnets,
      idOf: (r) => r.subnet_id,
      sql: {
        'subnet-id': { column: 'subnet_id' },
        subnetId: { column: 'subnet_id' },
        'vpc-id': { column: 'vpc_id' },
        vpcId: { column: 'vpc_id' },
        'availability-zone': { column: 'availability_zone' },
        availabilityZone: { column: 'availability_zone' },
        'cidr-block': { column: 'cidr_block' },
        cidrBlock: { column: 'cidr_block' },
        cidr: { column: 'cidr_block' },
        'default-for-az': { column: 'default_for_az', value: bool01 },
        defaultForAz: { column: 'default_for_az', value: bool01 },
        'map-public-ip-on-launch': { column: 'map_public_ip_on_launch', value: bool01 },
        'owner-id': { column: 'account_id' },
      },
      filters: SUBNET_FILTERS,
      notFound: subnetNotFound,
      assertId: (id) => assertId('subnet', id),
      views: (rows) => this.views(caller, rows),
      // a VPC's subnets in address order (the default subnets: zone order)
      order: (a, b) => (a.VpcId! < b.VpcId! ? -1 : a.VpcId! > b.VpcId! ? 1 : parseCidr(a.CidrBlock!)!.base - parseCidr(b.CidrBlock!)!.base),
    });
  }

  private zoneOf(caller: Scope, name?: string, id?: string): string {
    const zones = findRegion(caller.region)?.zones ?? [];
    const wanted = name || id;
    if (!wanted) return zones[this.turn++ % zones.length].name;
    const found = zones.find((z) => z.name === wanted || z.id === wanted);
    if (!found) throw invalidParameterValue(`Value (${wanted}) for parameter availabilityZone is invalid. Subnets can currently only be created in the following availability zones: ${zones.map((z) => z.name).join(', ')}.`);
    return found.name;
  }

  async create(caller: Scope, req: { vpcId: string; cidrBlock?: string; ipv6CidrBlock?: string; zone?: string; zoneId?: string; tags: Tags }, checkpoint: () => void): Promise<Subnet> {
    await this.vpcs.get(caller, req.vpcId);
    if (!req.cidrBlock) throw ec2Error('MissingParameter', 'Either \'cidrBlock\' or \'ipv4IpamPoolId\' should be provided.');
    const cidr = parseCidr(req.cidrBlock);
    if (!cidr || cidr.bits < 16 || cidr.bits > 28 || req.cidrBlock.split('/')[0] !== intToIp(cidr.base)) throw ec2Error('InvalidSubnet.Range', `The CIDR '${req.cidrBlock}' is invalid.`);
    const blocks = await this.vpcs.cidrBlocks(req.vpcId);
    if (!blocks.some((b) => !b.ipv6 && cidr.base >= parseCidr(b.cidr_block)!.base && cidr.base + cidr.size <= parseCidr(b.cidr_block)!.base + parseCidr(b.cidr_block)!.size)) {
      throw ec2Error('InvalidSubnet.Range', `The CIDR '${req.cidrBlock}' is invalid.`);
    }
    const siblings = await this.store.vpc.subnets.list(caller, { equals: [{ column: 'vpc_id', values: [req.vpcId] }] });
    if (siblings.some((s) => overlaps(parseCidr(s.cidr_block)!, cidr))) throw ec2Error('InvalidSubnet.Conflict', `The CIDR '${req.cidrBlock}' conflicts with another subnet`);
    let ipv6: { cidr: string; associationId: string } | undefined;
    if (req.ipv6CidrBlock) {
      const c6 = parseCidr6(req.ipv6CidrBlock);
      const vpc6 = blocks.filter((b) => b.ipv6).map((b) => parseCidr6(b.cidr_block)!);
      if (!c6 || c6.bits !== 64 || !vpc6.some((v) => contains6(v, c6))) throw ec2Error('InvalidSubnet.Range', `The IPv6 CIDR '${req.ipv6CidrBlock}' is invalid.`);
      if (siblings.some((s) => s.ipv6_cidr_block && overlaps6(parseCidr6(s.ipv6_cidr_block)!, c6))) throw ec2Error('InvalidSubnet.Conflict', `The CIDR '${req.ipv6CidrBlock}' conflicts with another subnet`);
      ipv6 = { cidr: req.ipv6CidrBlock, associationId: newId('subnet-cidr-assoc') };
    }
    const zone = this.zoneOf(caller, req.zone, req.zoneId);
    checkpoint();
    const row = subnetRow(caller, { subnetId: newId('subnet'), vpcId: req.vpcId, zone, cidrBlock: req.cidrBlock, defaultForAz: false, mapPublicIp: false, ipv6, createdAt: new Date().toISOString() }) as Row<'subnets'>;
    await this.insert(caller, row, req.tags);
    return (await this.views(caller, [row]))[0];
  }

  /** The row, its association with the VPC's default network ACL, its tags: one unit of work. */
  private async insert(caller: Scope, row: Row<'subnets'>, tags: Tags): Promise<void> {
    const [acl] = await this.store.vpc.networkAcls.list(caller, { equals: [{ column: 'vpc_id', values: [row.vpc_id] }, { column: 'is_default', values: [1] }] });
    await this.store.transaction(async (tx) => {
      await tx.vpc.subnets.insert([row]);
      if (acl) await tx.vpc.aclAssociations.insert([{ association_id: newId('aclassoc'), account_id: caller.accountId, region: caller.region, network_acl_id: acl.network_acl_id, subnet_id: row.subnet_id }]);
      await tx.tags.put(caller, tags.map((t) => ({ resourceId: row.subnet_id, resourceType: 'subnet', ...t })));
    });
  }

  /** CreateDefaultSubnet: the next free /20 of the default VPC, in a zone that has none. */
  async createDefault(caller: Scope, zone: string | undefined, checkpoint: () => void): Promise<Subnet> {
    const vpcId = await this.vpcs.defaultVpcId(caller);
    if (!vpcId) throw ec2Error('DefaultVpcDoesNotExist', 'No default VPC exists for this account in this region.');
    const zoneName = this.zoneOf(caller, zone);
    const siblings = await this.store.vpc.subnets.list(caller, { equals: [{ column: 'vpc_id', values: [vpcId] }] });
    if (siblings.some((s) => s.default_for_az && s.availability_zone === zoneName)) throw ec2Error('DefaultSubnetAlreadyExistsInAvailabilityZone', `A Default Subnet already exists in Availability Zone ${zoneName}.`);
    const vpc = parseCidr((await this.vpcs.get(caller, vpcId)).cidr_block)!;
    let cidrBlock: string | undefined;
    for (let base = vpc.base; base + 4096 <= vpc.base + vpc.size && !cidrBlock; base += 4096) {
      const c = { base, bits: 20, size: 4096 };
      if (!siblings.some((s) => overlaps(parseCidr(s.cidr_block)!, c))) cidrBlock = `${intToIp(base)}/20`;
    }
    if (!cidrBlock) throw ec2Error('InsufficientFreeAddressesInSubnet', `There is no free /20 block left in the default VPC '${vpcId}'.`);
    checkpoint();
    const row = subnetRow(caller, { subnetId: newId('subnet'), vpcId, zone: zoneName, cidrBlock, defaultForAz: true, mapPublicIp: true, createdAt: new Date().toISOString() }) as Row<'subnets'>;
    await this.insert(caller, row, []);
    return (await this.views(caller, [row]))[0];
  }

  async delete(caller: Scope, subnetId: string, checkpoint: () => void): Promise<void> {
    await this.get(caller, subnetId);
    // live instances, network interfaces and NAT gateways hold addresses of it
    if ((await this.store.vpc.addressesInUse(caller, [subnetId])).get(subnetId)) throw dependencyViolation(`The subnet '${subnetId}' has dependencies and cannot be deleted.`);
    checkpoint();
    const [routes, acls] = await Promise.all([this.store.vpc.routeAssociations.where(caller, 'subnet_id', [subnetId]), this.store.vpc.aclAssociations.where(caller, 'subnet_id', [subnetId])]);
    await this.store.transaction(async (tx) => {
      await tx.vpc.routeAssociations.delete(caller, routes.map((r) => r.association_id));
      await tx.vpc.aclAssociations.delete(caller, acls.map((a) => a.association_id));
      await tx.vpc.subnets.delete(caller, [subnetId]);
      await tx.tags.deleteResource(subnetId);
    });
  }

  /** ModifySubnetAttribute: one attribute a call. */
  async modifyAttribute(caller: Scope, subnetId: string, changes: SubnetAttributes, checkpoint: () => void): Promise<void> {
    const row = await this.get(caller, subnetId);
    const names = (Object.keys(changes) as (keyof SubnetAttributes)[]).filter((k) => changes[k] !== undefined);
    if (names.length !== 1) throw invalidParameterValue('Specify exactly one attribute to modify.');
    const [name] = names;
    if (name === 'assignIpv6AddressOnCreation' && changes[name] && !row.ipv6_cidr_block) throw invalidParameterValue(`Invalid value 'true' for assignIpv6AddressOnCreation. Cannot set assignIpv6AddressOnCreation to true unless the subnet (${subnetId}) has an IPv6 CIDR block associated with it.`);
    const value = changes[name];
    checkpoint();
    await this.store.vpc.subnets.update(caller, subnetId, { [ATTRIBUTE_COLUMN[name]]: typeof value === 'boolean' ? (value ? 1 : 0) : value });
  }

  // ---- launches ----

  async forLaunch(caller: Scope, subnetId: string): Promise<SubnetInfo> {
    return subnetInfo(await this.get(caller, subnetId));
  }

  private async defaultSubnets(caller: Scope): Promise<SubnetInfo[]> {
    const vpcId = await this.vpcs.defaultVpcId(caller);
    if (!vpcId) throw noDefaultVpc();
    const rows = await this.store.vpc.subnets.list(caller, { equals: [{ column: 'vpc_id', values: [vpcId] }, { column: 'default_for_az', values: [1] }] });
    return rows.map(subnetInfo).sort((a, b) => a.cidr.base - b.cidr.base);
  }

  /** The default subnet of a zone given by name or id (InvalidParameterValue for unknown zones). */
  async inZone(caller: Scope, zone: string): Promise<SubnetInfo> {
    const found = findZone(zone);
    const subnet = found && found.region.name === caller.region ? (await this.defaultSubnets(caller)).find((s) => s.zone.name === found.zone.name) : undefined;
    if (!subnet) throw invalidParameterValue(`Invalid availability zone: [${zone}]`);
    return subnet;
  }

  /** The default subnets in turn, so launches spread over the zones. */
  async inTurn(caller: Scope): Promise<SubnetInfo[]> {
    const subnets = await this.defaultSubnets(caller);
    if (subnets.length === 0) throw noDefaultVpc();
    const turn = this.turn++ % subnets.length;
    return [...subnets.slice(turn), ...subnets.slice(0, turn)];
  }
}
