// Where RunInstances puts an instance on the network: the subnet (given, of an interface, or a
// default subnet AWS may choose the zone of), its security groups and addresses. Two shapes:
//  - one new interface (the top-level SubnetId/SecurityGroupIds/PrivateIpAddress, or one
//    NetworkInterfaces entry at device index 0 with no more than those): the instance row is
//    the interface (network-interfaces.ts), nothing else is written — the common, fast path;
//  - anything more (several entries, an existing NetworkInterfaceId, a Description, secondary
//    addresses, DeleteOnTermination=false): PlannedInterfaces, which the launch turns into
//    interface rows, addresses and attachments in its own transaction (launch-interfaces.ts).
// AWS's rules: NetworkInterfaces exclude the instance-level subnet, groups and address; each
// entry has a device index, unique, one of them 0; every interface is in the instance's zone;
// AssociatePublicIpAddress only with one interface, a new one; an existing interface (the
// caller's, available) only when launching one instance; explicit addresses likewise.
import type { InstanceNetworkInterfaceSpecification, RunInstancesRequest } from '../../../api/ec2/types.js';
import type { Row } from '../../../store/repos/vpc-family.js';
import type { Scope } from '../../../store/scope.js';
import { ec2Error, invalidParameterCombination, invalidParameterValue } from '../ec2-errors.js';
import { contains, ipToInt, parseCidr } from '../networking/ipv4.js';
import { usableRange, type SubnetInfo } from '../networking/default-network.js';
import type { NetworkService } from '../networking/network-service.js';

export interface PlannedInterface {
  deviceIndex: number;
  /** an existing interface of the caller's, available, attached at launch */
  existing?: Row<'network_interfaces'>;
  /** its subnet; none: the instance's (an entry without SubnetId) */
  subnet?: SubnetInfo;
  groupIds: string[];
  description: string;
  deleteOnTermination: boolean;
  /** the primary address asked for, else the subnet's lowest free one */
  privateIp?: string;
  secondaryIps: string[];
  secondaryCount: number;
}

export interface NetworkPlan {
  /** where to launch, in order of preference (one unless AWS may choose the zone) */
  subnets: SubnetInfo[];
  /** the subnets' VPC's primary block */
  vpcCidr: string;
  /** the primary interface's security groups: id -> name */
  groups: Map<string, string>;
  privateIp?: number;
  associatePublicIp: boolean;
  /** every interface, device index 0 first, when the launch is more than one new interface */
  interfaces?: PlannedInterface[];
}

const MULTIPLE_PUBLIC = 'The associatePublicIPAddress parameter cannot be specified when launching with multiple network interfaces.';
const SINGLE_INSTANCE_ADDRESS = 'A private IP address can be specified only when launching a single instance (MaxCount=1).';
const zoneMismatch = () => invalidParameterCombination('You may not attach a network interface to an instance if they are not in the same availability zone');

/** Whether an entry needs rows of its own (anything the instance row alone cannot say). */
function needsRows(n: InstanceNetworkInterfaceSpecification): boolean {
  return Boolean(
    n.NetworkInterfaceId || n.Description || n.SecondaryPrivateIpAddressCount || n.DeleteOnTermination === false || n.PrivateIpAddresses?.some((p) => !p.Primary) || (n.PrivateIpAddresses?.length ?? 0) > 1,
  );
}

function checkInstanceLevel(req: RunInstancesRequest): void {
  if (req.SubnetId) throw invalidParameterCombination('Network interfaces and an instance-level subnet ID may not be specified on the same request');
  if (req.SecurityGroupIds?.length || req.SecurityGroups?.length) {
    throw invalidParameterCombination('Network interfaces and an instance-level security groups may not be specified on the same request');
  }
  if (req.PrivateIpAddress) throw invalidParameterCombination('Network interfaces and an instance-level private IP address should not be specified on the same request');
}

export async function planNetwork(network: NetworkService, caller: Scope, req: RunInstancesRequest): Promise<NetworkPlan> {
  const list = req.NetworkInterfaces ?? [];
  if (list.length) checkInstanceLevel(req);
  if (list.length > 1 || list.some(needsRows)) return planInterfaces(network, caller, req, list);
  const one = list[0];
  if (one && (one.DeviceIndex ?? 0) !== 0) throw invalidParameterValue('The network interface at device index 0 must be specified.');
  // empty strings are absent values: Packer sends `SubnetId=` when its template names no subnet,
  // and AWS then chooses a default subnet
  const nic = one
    ? { subnetId: one.SubnetId || undefined, groupIds: one.Groups, privateIp: one.PrivateIpAddress || one.PrivateIpAddresses?.[0]?.PrivateIpAddress || undefined, associatePublicIp: one.AssociatePublicIpAddress }
    : { subnetId: req.SubnetId || undefined, groupIds: req.SecurityGroupIds, privateIp: req.PrivateIpAddress || undefined, associatePublicIp: undefined };
  const zone = req.Placement?.AvailabilityZone || req.Placement?.AvailabilityZoneId || undefined;
  let subnets: SubnetInfo[];
  if (nic.subnetId !== undefined) {
    const subnet = await network.subnet(caller, nic.subnetId);
    checkPlacement(zone, subnet);
    subnets = [subnet];
  } else {
    subnets = zone !== undefined ? [await network.subnets.inZone(caller, zone)] : await network.subnets.inTurn(caller);
  }
  const subnet = subnets[0];
  const named = await groupsIn(network, caller, subnet, nic.groupIds ?? []);
  for (const name of req.SecurityGroups ?? []) named.set((await network.groups.resolve(caller, { groupName: name }, subnet.vpcId)).group_id, name);
  if (named.size === 0) named.set(await network.groups.defaultOf(caller, subnet.vpcId), 'default');
  let privateIp: number | undefined;
  if (nic.privateIp !== undefined) {
    if (req.MaxCount > 1) throw invalidParameterCombination(SINGLE_INSTANCE_ADDRESS);
    privateIp = addressIn(subnet, nic.privateIp);
    subnets = [subnet];
  }
  // the subnet's MapPublicIpOnLaunch unless the interface says (default subnets map where there is a public network)
  const vpcCidr = (await network.vpcs.get(caller, subnet.vpcId)).cidr_block;
  return { subnets, groups: named, privateIp, vpcCidr, associatePublicIp: nic.associatePublicIp ?? subnet.mapPublicIp };
}

function checkPlacement(zone: string | undefined, subnet: SubnetInfo): void {
  if (zone !== undefined && zone !== subnet.zone.name && zone !== subnet.zone.id) {
    throw invalidParameterValue(`Value (${zone}) for parameter availabilityZone is invalid. Subnet '${subnet.subnetId}' is in Availability Zone '${subnet.zone.name}'`);
  }
}

/** A usable address of the subnet (whether it is free is the launch's to find out). */
function addressIn(subnet: SubnetInfo, ip: string): number {
  const n = ipToInt(ip);
  const range = usableRange(subnet.cidr);
  if (n === undefined || !contains(parseCidr(subnet.cidrBlock)!, n) || n < range.first || n > range.last) {
    throw invalidParameterValue(`Address ${ip} does not fall within the subnet's address range`);
  }
  return n;
}

/** Security groups by id, each of the subnet's VPC: id -> name. */
async function groupsIn(network: NetworkService, caller: Scope, subnet: SubnetInfo, ids: readonly string[]): Promise<Map<string, string>> {
  const named = new Map<string, string>();
  for (const id of ids) {
    const g = await network.groups.get(caller, id);
    // a launch's groups belong to its subnet's VPC
    if (g.vpc_id !== subnet.vpcId) throw ec2Error('InvalidParameter', `Security group ${g.group_id} and subnet ${subnet.subnetId} belong to different networks.`);
    named.set(g.group_id, g.group_name);
  }
  return named;
}

/** An entry's addresses: the primary one (PrivateIpAddress or the Primary entry) and the secondaries. */
function addressesOf(n: InstanceNetworkInterfaceSpecification): { privateIp?: string; secondaryIps: string[]; secondaryCount: number } {
  const listed = n.PrivateIpAddresses ?? [];
  const primaries = listed.filter((p) => p.Primary);
  if (primaries.length > 1) throw invalidParameterValue('Only one primary private IP address may be specified.');
  const primary = n.PrivateIpAddress || primaries[0]?.PrivateIpAddress || undefined;
  if (n.PrivateIpAddress && primaries[0] && primaries[0].PrivateIpAddress !== n.PrivateIpAddress) {
    throw invalidParameterCombination('The primary private IP address in privateIpAddress and privateIpAddresses must match.');
  }
  const secondaryIps = listed.filter((p) => !p.Primary && p.PrivateIpAddress && p.PrivateIpAddress !== primary).map((p) => p.PrivateIpAddress!);
  const secondaryCount = n.SecondaryPrivateIpAddressCount ?? 0;
  if (!Number.isInteger(secondaryCount) || secondaryCount < 0) throw invalidParameterValue(`Value (${secondaryCount}) for parameter secondaryPrivateIpAddressCount is invalid.`);
  if (secondaryCount && secondaryIps.length) throw invalidParameterCombination('You may specify secondaryPrivateIpAddressCount or specific secondary private IP addresses, but not both.');
  return { privateIp: primary, secondaryIps, secondaryCount };
}

async function planInterfaces(network: NetworkService, caller: Scope, req: RunInstancesRequest, list: InstanceNetworkInterfaceSpecification[]): Promise<NetworkPlan> {
  const indexes = new Set<number>();
  for (const n of list) {
    if (n.DeviceIndex === undefined) throw invalidParameterValue('Each network interface requires a device index.');
    if (!Number.isInteger(n.DeviceIndex) || n.DeviceIndex < 0) throw invalidParameterValue(`Value (${n.DeviceIndex}) for parameter deviceIndex is invalid.`);
    if (indexes.has(n.DeviceIndex)) throw invalidParameterValue('Each network interface requires a unique device index.');
    indexes.add(n.DeviceIndex);
  }
  if (!indexes.has(0)) throw invalidParameterValue('The network interface at device index 0 must be specified.');
  const sorted = [...list].sort((a, b) => a.DeviceIndex! - b.DeviceIndex!);
  if (list.length > 1 && list.some((n) => n.AssociatePublicIpAddress !== undefined)) throw invalidParameterCombination(MULTIPLE_PUBLIC);
  const planned: PlannedInterface[] = [];
  for (const n of sorted) {
    if (n.NetworkInterfaceId) {
      if (n.SubnetId || n.Groups?.length || n.PrivateIpAddress || n.PrivateIpAddresses?.length || n.SecondaryPrivateIpAddressCount || n.Description) {
        throw invalidParameterCombination('A network interface ID may not be specified together with a subnet, security groups, private IP addresses or a description of that interface.');
      }
      if (n.AssociatePublicIpAddress !== undefined) throw invalidParameterCombination('The associatePublicIPAddress parameter can only be specified for a new network interface.');
      if (req.MaxCount > 1) throw invalidParameterCombination('An existing network interface can be attached only when launching a single instance (MaxCount=1).');
      const existing = await network.interfaces.forLaunch(caller, n.NetworkInterfaceId);
      planned.push({ deviceIndex: n.DeviceIndex!, existing, groupIds: JSON.parse(existing.groups) as string[], description: existing.description, deleteOnTermination: n.DeleteOnTermination ?? false, secondaryIps: [], secondaryCount: 0 });
      continue;
    }
    const addresses = addressesOf(n);
    if ((addresses.privateIp || addresses.secondaryIps.length) && req.MaxCount > 1) throw invalidParameterCombination(SINGLE_INSTANCE_ADDRESS);
    if (n.Description !== undefined && n.Description.length > 255) throw invalidParameterValue('Description must be at most 255 characters long.');
    planned.push({
      deviceIndex: n.DeviceIndex!,
      subnet: n.SubnetId ? await network.subnet(caller, n.SubnetId) : undefined,
      groupIds: n.Groups ?? [],
      description: n.Description ?? '',
      deleteOnTermination: n.DeleteOnTermination ?? true,
      ...addresses,
    });
  }
  if (new Set(planned.map((p) => p.existing?.eni_id).filter(Boolean)).size !== planned.filter((p) => p.existing).length) {
    throw invalidParameterValue('Each network interface may be specified only once.');
  }
  // every interface in one zone: the instance's
  const zoneOf = (p: PlannedInterface) => p.existing?.availability_zone ?? p.subnet?.zone.name;
  const zones = new Set(planned.map(zoneOf).filter((z): z is string => z !== undefined));
  if (zones.size > 1) throw zoneMismatch();
  const placement = req.Placement?.AvailabilityZone || req.Placement?.AvailabilityZoneId || undefined;
  const [primary] = planned;
  let subnets: SubnetInfo[];
  if (primary.existing || primary.subnet) {
    const subnet = primary.subnet ?? (await network.subnet(caller, primary.existing!.subnet_id));
    checkPlacement(placement, subnet);
    subnets = [subnet];
  } else {
    const [zone] = zones;
    const wanted = zone ?? placement;
    subnets = wanted !== undefined ? [await network.subnets.inZone(caller, wanted)] : await network.subnets.inTurn(caller);
    checkPlacement(placement, subnets[0]);
  }
  // explicit addresses of interfaces without a subnet of their own: the first choice only
  if (planned.some((p) => !p.subnet && !p.existing && (p.privateIp || p.secondaryIps.length))) subnets = [subnets[0]];
  const home = subnets[0];
  for (const p of planned) {
    if (p.existing) continue;
    const subnet = p.subnet ?? home;
    if (p.privateIp) addressIn(subnet, p.privateIp);
    for (const ip of p.secondaryIps) addressIn(subnet, ip);
    const named = await groupsIn(network, caller, subnet, [...new Set(p.groupIds)]);
    p.groupIds = named.size ? [...named.keys()] : [await network.groups.defaultOf(caller, subnet.vpcId)];
  }
  const groups = await network.groups.names(caller, primary.groupIds);
  const vpcCidr = (await network.vpcs.get(caller, primary.existing?.vpc_id ?? home.vpcId)).cidr_block;
  // AWS gives no public address to an instance launched with several interfaces, nor to an existing one
  const associatePublicIp = planned.length > 1 || primary.existing ? false : (sorted[0].AssociatePublicIpAddress ?? home.mapPublicIp);
  return { subnets, vpcCidr, groups: new Map(primary.groupIds.map((id) => [id, groups.get(id) ?? ''])), associatePublicIp, interfaces: planned };
}
