// The minimal network EC2 clients expect around instances: the default VPC and its subnets
// (derived, see default-network.ts), security groups (stored), and each live instance's
// primary network interface (derived from the instance). Records only: packets reach an
// instance only through the host forwards its driver makes for its security groups.
import type { NetworkInterface, Subnet, Tag, Vpc } from '../../../api/ec2/types.js';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { InstanceRow } from '../../../store/repos/instances.js';
import { findZone } from '../../../config/regions.js';
import { ec2Error, invalidParameterValue } from '../ec2-errors.js';
import { derivedId, isId } from '../resource-ids.js';
import type { Taggable } from '../tags/taggable.js';
import { DEFAULT_VPC_CIDR, defaultSubnets, defaultVpcId, dhcpOptionsId, privateDnsName, usableRange, type SubnetInfo } from './default-network.js';
import { SecurityGroupService, type GroupRef } from './security-groups.js';

const subnetNotFound = (id: string) => ec2Error('InvalidSubnetID.NotFound', `The subnet ID '${id}' does not exist`);
const vpcNotFound = (id: string) => ec2Error('InvalidVpcID.NotFound', `The vpc ID '${id}' does not exist`);
const eniNotFound = (id: string) => ec2Error('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${id}' does not exist`);

export class NetworkService {
  readonly groups: SecurityGroupService;
  private turn = 0;
  readonly taggables: Taggable[];

  /**
   * @param mapsPublicIp whether default subnets give instances public addresses (AWS's do;
   *   Imago's only where the compute driver has a public network to give them)
   */
  constructor(
    private readonly store: Store,
    readonly mapsPublicIp = false,
  ) {
    this.groups = new SecurityGroupService(store);
    this.taggables = [
      ...this.groups.taggables,
      { prefix: 'vpc', resourceType: 'vpc', visible: async (caller, id) => id === defaultVpcId(caller), notFound: vpcNotFound },
      { prefix: 'subnet', resourceType: 'subnet', visible: async (caller, id) => defaultSubnets(caller).some((s) => s.subnetId === id), notFound: subnetNotFound },
      { prefix: 'eni', resourceType: 'network-interface', visible: async (caller, id) => (await this.liveInstances(caller)).some((i) => i.eni_id === id), notFound: eniNotFound },
    ];
  }

  // ---- VPCs and subnets ----------------------------------------------------------------

  vpcIds(caller: Scope, ids: readonly string[] | undefined): string[] {
    const vpcId = defaultVpcId(caller);
    for (const id of ids ?? []) {
      if (!isId('vpc', id)) throw ec2Error('InvalidVpcID.Malformed', `Invalid id: "${id}" (expecting "vpc-...")`);
      if (id !== vpcId) throw vpcNotFound(id);
    }
    return [vpcId];
  }

  /** DescribeVpcs' VPCs (the default one), with the caller's tags. */
  async vpcs(caller: Scope, ids: readonly string[] | undefined): Promise<Vpc[]> {
    const vpcIds = this.vpcIds(caller, ids);
    const tags = await this.store.tags.forResources(caller, vpcIds);
    return vpcIds.map((id) => this.vpcOut(caller, tags.get(id)));
  }

  /** DeleteSecurityGroup: not while an instance or another group uses it. */
  deleteGroup(caller: Scope, ref: GroupRef, checkpoint: () => void): Promise<string> {
    return this.groups.delete(caller, ref, (id) => this.store.instances.usingGroup(caller, id), checkpoint);
  }

  vpcOut(caller: Scope, tags: Tag[] = []): Vpc {
    const vpcId = defaultVpcId(caller);
    return {
      VpcId: vpcId,
      OwnerId: caller.accountId,
      State: 'available',
      CidrBlock: DEFAULT_VPC_CIDR,
      CidrBlockAssociationSet: [{ AssociationId: derivedId('vpc-cidr-assoc', caller, vpcId), CidrBlock: DEFAULT_VPC_CIDR, CidrBlockState: { State: 'associated' } }],
      DhcpOptionsId: dhcpOptionsId(caller),
      InstanceTenancy: 'default',
      IsDefault: true,
      Ipv6CidrBlockAssociationSet: [],
      Tags: tags,
    };
  }

  /** A subnet of the caller's (InvalidSubnetID.Malformed / NotFound otherwise). */
  subnet(caller: Scope, subnetId: string): SubnetInfo {
    if (!isId('subnet', subnetId)) throw ec2Error('InvalidSubnetID.Malformed', `Invalid id: "${subnetId}" (expecting "subnet-...")`);
    const found = defaultSubnets(caller).find((s) => s.subnetId === subnetId);
    if (!found) throw subnetNotFound(subnetId);
    return found;
  }

  /** The default subnet of a zone given by name or id (InvalidParameterValue for unknown zones). */
  subnetInZone(caller: Scope, zone: string): SubnetInfo {
    const found = findZone(zone);
    const subnet = found && found.region.name === caller.region ? defaultSubnets(caller).find((s) => s.zone.name === found.zone.name) : undefined;
    if (!subnet) throw invalidParameterValue(`Invalid availability zone: [${zone}]`);
    return subnet;
  }

  /**
   * Where to put an instance with no subnet or zone ("we choose a default subnet for you"): the
   * default subnets in turn, so launches spread over the zones; the launch moves on to the next
   * when one is full.
   */
  subnetsInTurn(caller: Scope): SubnetInfo[] {
    const subnets = defaultSubnets(caller);
    const turn = this.turn++ % subnets.length;
    return [...subnets.slice(turn), ...subnets.slice(0, turn)];
  }

  async subnetsOut(caller: Scope, subnets: SubnetInfo[]): Promise<Subnet[]> {
    const counts = await this.store.instances.countBySubnet(caller);
    const tags = await this.store.tags.forResources(caller, subnets.map((s) => s.subnetId));
    return subnets.map((s) => ({
      SubnetId: s.subnetId,
      SubnetArn: `arn:aws:ec2:${caller.region}:${caller.accountId}:subnet/${s.subnetId}`,
      VpcId: s.vpcId,
      OwnerId: caller.accountId,
      State: 'available',
      CidrBlock: s.cidrBlock,
      AvailabilityZone: s.zone.name,
      AvailabilityZoneId: s.zone.id,
      AvailableIpAddressCount: usableRange(s.cidr).count - (counts.get(s.subnetId) ?? 0),
      DefaultForAz: s.defaultForAz,
      MapPublicIpOnLaunch: this.mapsPublicIp,
      MapCustomerOwnedIpOnLaunch: false,
      AssignIpv6AddressOnCreation: false,
      Ipv6CidrBlockAssociationSet: [],
      EnableDns64: false,
      Ipv6Native: false,
      PrivateDnsNameOptionsOnLaunch: { HostnameType: 'ip-name', EnableResourceNameDnsARecord: false, EnableResourceNameDnsAAAARecord: false },
      Tags: tags.get(s.subnetId) ?? [],
    }));
  }

  // ---- network interfaces --------------------------------------------------------------

  private liveInstances(caller: Scope): Promise<InstanceRow[]> {
    return this.store.instances.list(caller, { states: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'], terminatedAfter: new Date().toISOString() });
  }

  async networkInterfaces(caller: Scope, ids: readonly string[] | undefined): Promise<NetworkInterface[]> {
    for (const id of ids ?? []) if (!isId('eni', id)) throw ec2Error('InvalidNetworkInterfaceID.Malformed', `Invalid id: "${id}" (expecting "eni-...")`);
    let instances = await this.liveInstances(caller);
    if (ids?.length) {
      const have = new Set(instances.map((i) => i.eni_id));
      for (const id of ids) if (!have.has(id)) throw eniNotFound(id);
      instances = instances.filter((i) => ids.includes(i.eni_id));
    }
    const groupIds = [...new Set(instances.flatMap((i) => JSON.parse(i.security_groups) as string[]))];
    const [names, tags] = await Promise.all([this.groups.names(caller, groupIds), this.store.tags.forResources(caller, instances.map((i) => i.eni_id))]);
    return instances.map((i) => {
      const groups = (JSON.parse(i.security_groups) as string[]).map((GroupId) => ({ GroupId, GroupName: names.get(GroupId) }));
      const dns = privateDnsName(caller.region, i.private_ip);
      return {
        NetworkInterfaceId: i.eni_id,
        SubnetId: i.subnet_id,
        VpcId: i.vpc_id,
        AvailabilityZone: i.availability_zone,
        AvailabilityZoneId: findZone(i.availability_zone)?.zone.id,
        Description: '',
        OwnerId: caller.accountId,
        RequesterManaged: false,
        Status: 'in-use',
        MacAddress: i.mac_address,
        PrivateIpAddress: i.private_ip,
        PrivateDnsName: dns,
        SourceDestCheck: true,
        InterfaceType: 'interface',
        Groups: groups,
        Attachment: {
          AttachmentId: derivedId('eni-attach', caller, i.eni_id),
          DeviceIndex: 0,
          NetworkCardIndex: 0,
          InstanceId: i.instance_id,
          InstanceOwnerId: caller.accountId,
          Status: 'attached',
          AttachTime: new Date(i.launch_time),
          DeleteOnTermination: true,
        },
        PrivateIpAddresses: [{ Primary: true, PrivateIpAddress: i.private_ip, PrivateDnsName: dns }],
        Ipv6Addresses: [],
        TagSet: tags.get(i.eni_id) ?? [],
      };
    });
  }
}
