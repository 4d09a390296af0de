// The network EC2 clients build around instances: VPCs and their default network
// (vpc-service.ts), subnets, internet gateways, route tables, network ACLs, DHCP options sets,
// security groups (stored), and network interfaces (network-interfaces.ts: each live instance's
// primary one derived from the instance, and interfaces of their own). Records only: packets
// reach an instance only through the host forwards its driver makes for its security groups.
import type { NetworkInterface } from '../../../api/ec2/types.js';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { Taggable } from '../tags/taggable.js';
import type { SubnetInfo } from './default-network.js';
import { DhcpOptionsService } from './dhcp-options.js';
import { InternetGatewayService } from './internet-gateways.js';
import { NetworkAclService } from './network-acls.js';
import { RouteTableService } from './route-tables.js';
import { SecurityGroupService, type GroupRef } from './security-groups.js';
import { SubnetService } from './subnet-service.js';
import { NetworkInterfaceService } from './network-interfaces.js';
import { NatGatewayService } from './nat-gateways.js';
import { PeeringService } from './peering.js';
import { aclNotFound, dhcpNotFound, gatewayNotFound, routeTableNotFound, subnetNotFound, vpcNotFound } from './vpc-errors.js';
import { VpcService } from './vpc-service.js';

export class NetworkService {
  readonly vpcs: VpcService;
  readonly subnets: SubnetService;
  readonly gateways: InternetGatewayService;
  readonly routeTables: RouteTableService;
  readonly acls: NetworkAclService;
  readonly dhcp: DhcpOptionsService;
  readonly groups: SecurityGroupService;
  readonly interfaces: NetworkInterfaceService;
  readonly nats: NatGatewayService;
  readonly peerings: PeeringService;
  readonly taggables: Taggable[];

  /**
   * @param mapsPublicIp whether default subnets give instances public addresses (AWS's do;
   *   Imago's only where the compute driver has a public network to give them)
   * @param settleMs how long NAT gateways stay pending (and deleting)
   */
  constructor(
    private readonly store: Store,
    readonly mapsPublicIp = false,
    settleMs = 0,
  ) {
    this.vpcs = new VpcService(store, mapsPublicIp);
    this.subnets = new SubnetService(store, this.vpcs);
    this.gateways = new InternetGatewayService(store, this.vpcs);
    this.routeTables = new RouteTableService(store, this.vpcs);
    this.acls = new NetworkAclService(store, this.vpcs);
    this.dhcp = new DhcpOptionsService(store, this.vpcs);
    this.groups = new SecurityGroupService(store, this.vpcs);
    this.interfaces = new NetworkInterfaceService(store, this.subnets, this.groups);
    this.nats = new NatGatewayService(store, this.subnets, this.interfaces, settleMs);
    this.peerings = new PeeringService(store, this.vpcs);
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
      this.interfaces.taggable,
      this.nats.taggable,
      this.peerings.taggable,
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

  /** DescribeNetworkInterfaces: instances' primary interfaces and interfaces of their own. */
  networkInterfaces(caller: Scope, ids: readonly string[] | undefined): Promise<NetworkInterface[]> {
    return this.interfaces.describe(caller, ids);
  }
}
