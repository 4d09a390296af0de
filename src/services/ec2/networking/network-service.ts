// The network EC2 clients build around instances: VPCs and their default network
// (vpc-service.ts), subnets, internet gateways, route tables, network ACLs, DHCP options sets,
// security groups (stored), and each live instance's primary network interface (derived from
// the instance). Records only: packets reach an instance only through the host forwards its
// driver makes for its security groups.
import type { NetworkInterface } from '../../../api/ec2/types.js';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { InstanceRow } from '../../../store/repos/instances.js';
import { findZone } from '../../../config/regions.js';
import { ec2Error } from '../ec2-errors.js';
import { derivedId, isId } from '../resource-ids.js';
import type { Taggable } from '../tags/taggable.js';
import { privateDnsName, type SubnetInfo } from './default-network.js';
import { DhcpOptionsService } from './dhcp-options.js';
import { InternetGatewayService } from './internet-gateways.js';
import { NetworkAclService } from './network-acls.js';
import { RouteTableService } from './route-tables.js';
import { SecurityGroupService, type GroupRef } from './security-groups.js';
import { SubnetService } from './subnet-service.js';
import { aclNotFound, dhcpNotFound, gatewayNotFound, routeTableNotFound, subnetNotFound, vpcNotFound } from './vpc-errors.js';
import { VpcService } from './vpc-service.js';

const eniNotFound = (id: string) => ec2Error('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${id}' does not exist`);

export class NetworkService {
  readonly vpcs: VpcService;
  readonly subnets: SubnetService;
  readonly gateways: InternetGatewayService;
  readonly routeTables: RouteTableService;
  readonly acls: NetworkAclService;
  readonly dhcp: DhcpOptionsService;
  readonly groups: SecurityGroupService;
  readonly taggables: Taggable[];

  /**
   * @param mapsPublicIp whether default subnets give instances public addresses (AWS's do;
   *   Imago's only where the compute driver has a public network to give them)
   */
  constructor(
    private readonly store: Store,
    readonly mapsPublicIp = false,
  ) {
    this.vpcs = new VpcService(store, mapsPublicIp);
    this.subnets = new SubnetService(store, this.vpcs);
    this.gateways = new InternetGatewayService(store, this.vpcs);
    this.routeTables = new RouteTableService(store, this.vpcs);
    this.acls = new NetworkAclService(store, this.vpcs);
    this.dhcp = new DhcpOptionsService(store, this.vpcs);
    this.groups = new SecurityGroupService(store, this.vpcs);
    const stored = (table: { get(caller: Scope, id: string): Promise<unknown> }) => async (caller: Scope, id: string) => {
      await this.vpcs.ensure(caller);
      return Boolean(await table.get(caller, id));
    };
    const v = store.vpc;
    this.taggables = [
      ...this.groups.taggables,
      { prefix: 'vpc', resourceType: 'vpc', visible: stored(v.vpcs), notFound: vpcNotFound },
      { prefix: 'subnet', resourceType: 'subnet', visible: stored(v.subnets), notFound: subnetNotFound },
      { prefix: 'igw', resourceType: 'internet-gateway', visible: stored(v.internetGateways), notFound: gatewayNotFound },
      { prefix: 'rtb', resourceType: 'route-table', visible: stored(v.routeTables), notFound: routeTableNotFound },
      { prefix: 'acl', resourceType: 'network-acl', visible: stored(v.networkAcls), notFound: aclNotFound },
      { prefix: 'dopt', resourceType: 'dhcp-options', visible: stored(v.dhcpOptions), notFound: dhcpNotFound },
      { prefix: 'eni', resourceType: 'network-interface', visible: async (caller, id) => (await this.liveInstances(caller)).some((i) => i.eni_id === id), notFound: eniNotFound },
    ];
  }

  /** DeleteSecurityGroup: not while an instance or another group uses it. */
  deleteGroup(caller: Scope, ref: GroupRef, checkpoint: () => void): Promise<string> {
    return this.groups.delete(caller, ref, (id) => this.store.instances.usingGroup(caller, id), checkpoint);
  }

  /** A subnet of the caller's, as a launch sees it (InvalidSubnetID.Malformed / NotFound otherwise). */
  subnet(caller: Scope, subnetId: string): Promise<SubnetInfo> {
    return this.subnets.forLaunch(caller, subnetId);
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
