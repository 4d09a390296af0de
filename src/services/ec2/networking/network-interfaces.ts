// Network interfaces: an instance's primary interface is a view of its row (eni-… from launch,
// device 0, the instance's address and groups), given a row of its own (instance_primary) only
// once something of its own is set — a description, the source/dest check, secondary
// addresses. CreateNetworkInterface's interfaces are rows: created `available` in a subnet
// (the lowest free address, or the one asked for; the VPC's default group unless groups of that
// VPC are named), attached at a device index ≥ 1 of an instance in the same zone (`in-use`),
// detached by attachment id, deleted only while available (InvalidNetworkInterface.InUse).
// Every address an interface holds besides an instance's primary one is a row of
// network_interface_addresses, so subnets count them and launches skip them. RunInstances
// makes and attaches interfaces too (instances/launch-interfaces.ts); an instance's
// termination deletes those marked delete-on-termination and detaches the others (a primary
// one attached at launch then becomes a row like any other).
import { randomBytes } from 'node:crypto';
import type { NetworkInterface } from '../../../api/ec2/types.js';
import { findZone } from '../../../config/regions.js';
import { isUniqueViolation } from '../../../store/dialects/dialect.js';
import type { InstanceRow } from '../../../store/repos/instances.js';
import type { Row } from '../../../store/repos/vpc-family.js';
import type { Scope } from '../../../store/scope.js';
import type { Store } from '../../../store/store.js';
import { ec2Error, invalidParameterValue } from '../ec2-errors.js';
import { derivedId, isId, newId } from '../resource-ids.js';
import type { Taggable } from '../tags/taggable.js';
import { privateDnsName, usableRange } from './default-network.js';
import { contains, intToIp, ipToInt, parseCidr } from './ipv4.js';
import type { SecurityGroupService } from './security-groups.js';
import type { SubnetService } from './subnet-service.js';

export const eniNotFound = (id: string) => ec2Error('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${id}' does not exist`);
export const interfaceInUse = (id: string) => ec2Error('InvalidNetworkInterface.InUse', `Interface: [${id}] in use.`);
const attachmentNotFound = (id: string) => ec2Error('InvalidAttachmentID.NotFound', `The attachment ID '${id}' does not exist`);
const addressInUse = (ip: string) => ec2Error('InvalidIPAddress.InUse', `Address ${ip} is in use.`);
const mac = () => `0e:${randomBytes(5).toString('hex').match(/../g)!.join(':')}`;
const LIVE = ['pending', 'running', 'stopping', 'stopped', 'shutting-down'];

type Tags = { key: string; value: string }[];

/** An interface as the operations see it: a row, or an instance's primary one (a row once it has one). */
interface Resolved {
  row?: Row<'network_interfaces'>;
  instance?: InstanceRow;
  eniId: string;
  subnetId: string;
  privateIp: string;
  /** a NAT gateway's requester-managed interface */
  nat?: boolean;
}

export interface CreateInterface {
  subnetId: string;
  description?: string;
  privateIp?: string;
  groupIds?: string[];
  secondaryIps?: string[];
  secondaryCount?: number;
  tags: Tags;
}

export class NetworkInterfaceService {
  readonly taggable: Taggable;

  constructor(
    private readonly store: Store,
    private readonly subnets: SubnetService,
    private readonly groups: SecurityGroupService,
  ) {
    this.taggable = { prefix: 'eni', resourceType: 'network-interface', visible: async (caller, id) => Boolean(await this.find(caller, id)), notFound: eniNotFound };
  }

  private liveInstances(caller: Scope, ids?: string[]): Promise<InstanceRow[]> {
    return this.store.instances.list(caller, { ids, states: LIVE, terminatedAfter: new Date().toISOString() });
  }

  private async find(caller: Scope, id: string): Promise<Resolved | undefined> {
    if (!isId('eni', id)) return undefined;
    const row = await this.store.vpc.networkInterfaces.get(caller, id);
    if (row && !row.instance_primary) return { row, eniId: id, subnetId: row.subnet_id, privateIp: row.private_ip };
    const instance = (await this.liveInstances(caller)).find((i) => i.eni_id === id);
    if (instance) return { row, instance, eniId: id, subnetId: instance.subnet_id, privateIp: instance.private_ip };
    const [nat] = await this.store.vpc.natGateways.where(caller, 'eni_id', [id]);
    return nat && nat.state === 'pending' && !nat.failure_code ? { eniId: id, subnetId: nat.subnet_id, privateIp: nat.private_ip, nat: true } : undefined;
  }

  private async get(caller: Scope, id: string): Promise<Resolved> {
    if (!isId('eni', id)) throw ec2Error('InvalidNetworkInterfaceID.Malformed', `Invalid id: "${id}" (expecting "eni-...")`);
    const found = await this.find(caller, id);
    if (!found) throw eniNotFound(id);
    // a NAT gateway's interface is the gateway's to change
    if (found.nat) throw interfaceInUse(id);
    return found;
  }

  /** An interface RunInstances may attach: the caller's own, available (not an instance's, not a NAT gateway's). */
  async forLaunch(caller: Scope, eniId: string): Promise<Row<'network_interfaces'>> {
    const found = await this.get(caller, eniId);
    if (!found.row || found.instance || found.row.instance_id) throw interfaceInUse(eniId);
    return found.row;
  }

  // ---- describe -------------------------------------------------------------------------

  async describe(caller: Scope, ids: readonly string[] | undefined): Promise<NetworkInterface[]> {
    for (const id of ids ?? []) if (!isId('eni', id)) throw ec2Error('InvalidNetworkInterfaceID.Malformed', `Invalid id: "${id}" (expecting "eni-...")`);
    const [instances, rows, eips, natRows] = await Promise.all([
      this.liveInstances(caller),
      this.store.vpc.networkInterfaces.list(caller, { ids: ids?.length ? ids : undefined }),
      this.store.vpc.elasticIps.list(caller),
      this.store.vpc.natGateways.list(caller),
    ]);
    // NAT gateways' requester-managed interfaces, while the gateway is up
    const nats = natRows.filter((n) => n.state === 'pending' && !n.failure_code && (!ids?.length || ids.includes(n.eni_id)));
    const natZones = new Map((await this.store.vpc.subnets.list(caller, { ids: [...new Set(nats.map((n) => n.subnet_id))] })).map((z) => [z.subnet_id, z.availability_zone]));
    const own = new Map(rows.map((r) => [r.eni_id, r]));
    let primaries = instances;
    if (ids?.length) primaries = instances.filter((i) => ids.includes(i.eni_id));
    const standalone = rows.filter((r) => !r.instance_primary);
    const all = [...primaries.map((i) => i.eni_id), ...standalone.map((r) => r.eni_id), ...nats.map((n) => n.eni_id)];
    if (ids?.length) {
      const have = new Set(all);
      const missing = ids.find((id) => !have.has(id));
      if (missing) throw eniNotFound(missing);
    }
    const groupIds = [...new Set([...primaries.flatMap((i) => JSON.parse(i.security_groups) as string[]), ...standalone.flatMap((r) => JSON.parse(r.groups) as string[])])];
    const [names, tags, addresses] = await Promise.all([this.groups.names(caller, groupIds), this.store.tags.forResources(caller, all), this.store.vpc.interfaceAddresses.of(all)]);
    const secondaries = new Map<string, string[]>();
    for (const a of addresses) if (!a.is_primary) secondaries.set(a.eni_id, [...(secondaries.get(a.eni_id) ?? []), a.private_ip]);
    const eipOf = new Map(eips.filter((e) => e.eni_id).map((e) => [e.eni_id!, e]));
    const view = (v: { eniId: string; subnetId: string; vpcId: string; zone: string; mac: string; ip: string; groups: string[]; description: string; sdc: boolean; attachment?: NetworkInterface['Attachment']; nat?: boolean }): NetworkInterface => {
      const eip = eipOf.get(v.eniId);
      const association = eip ? { PublicIp: eip.public_ip, AllocationId: eip.allocation_id, AssociationId: eip.association_id ?? undefined, IpOwnerId: caller.accountId, PublicDnsName: '' } : undefined;
      return {
        NetworkInterfaceId: v.eniId,
        SubnetId: v.subnetId,
        VpcId: v.vpcId,
        AvailabilityZone: v.zone,
        AvailabilityZoneId: findZone(v.zone)?.zone.id,
        Description: v.description,
        OwnerId: caller.accountId,
        RequesterManaged: Boolean(v.nat),
        Status: v.attachment || v.nat ? 'in-use' : 'available',
        MacAddress: v.mac,
        PrivateIpAddress: v.ip,
        PrivateDnsName: privateDnsName(caller.region, v.ip),
        SourceDestCheck: v.sdc,
        // AWS answers nat_gateway (the model's enum says natGateway; the filter's documented value is nat_gateway)
        InterfaceType: v.nat ? ('nat_gateway' as NetworkInterface['InterfaceType']) : 'interface',
        Groups: v.groups.map((GroupId) => ({ GroupId, GroupName: names.get(GroupId) })),
        Attachment: v.attachment,
        Association: association,
        PrivateIpAddresses: [
          { Primary: true, PrivateIpAddress: v.ip, PrivateDnsName: privateDnsName(caller.region, v.ip), Association: association },
          ...(secondaries.get(v.eniId) ?? []).map((ip) => ({ Primary: false, PrivateIpAddress: ip, PrivateDnsName: privateDnsName(caller.region, ip) })),
        ],
        Ipv6Addresses: [],
        TagSet: tags.get(v.eniId) ?? [],
      };
    };
    const attachment = (a: { id: string; index: number; instanceId: string; time: string; dot: boolean }): NetworkInterface['Attachment'] => ({
      AttachmentId: a.id,
      DeviceIndex: a.index,
      NetworkCardIndex: 0,
      InstanceId: a.instanceId,
      InstanceOwnerId: caller.accountId,
      Status: 'attached',
      AttachTime: new Date(a.time),
      DeleteOnTermination: a.dot,
    });
    return [
      ...primaries.map((i) => {
        const r = own.get(i.eni_id);
        return view({
          eniId: i.eni_id,
          subnetId: i.subnet_id,
          vpcId: i.vpc_id,
          zone: i.availability_zone,
          mac: i.mac_address,
          ip: i.private_ip,
          groups: JSON.parse(i.security_groups) as string[],
          description: r?.description ?? '',
          // the instance's attribute (ModifyInstanceAttribute and this interface's change it alike)
          sdc: (JSON.parse(i.spec) as { sourceDestCheck?: boolean }).sourceDestCheck ?? true,
          attachment: attachment({ id: r?.attachment_id ?? derivedId('eni-attach', caller, i.eni_id), index: 0, instanceId: i.instance_id, time: r?.attach_time ?? i.launch_time, dot: r ? r.delete_on_termination === 1 : true }),
        });
      }),
      ...standalone.map((r) =>
        view({
          eniId: r.eni_id,
          subnetId: r.subnet_id,
          vpcId: r.vpc_id,
          zone: r.availability_zone,
          mac: r.mac_address,
          ip: r.private_ip,
          groups: JSON.parse(r.groups) as string[],
          description: r.description,
          sdc: r.source_dest_check === 1,
          attachment: r.instance_id ? attachment({ id: r.attachment_id!, index: r.device_index!, instanceId: r.instance_id, time: r.attach_time!, dot: r.delete_on_termination === 1 }) : undefined,
        }),
      ),
      ...nats.map((n) =>
        view({
          eniId: n.eni_id,
          subnetId: n.subnet_id,
          vpcId: n.vpc_id,
          zone: natZones.get(n.subnet_id) ?? '',
          // stable: made from the interface's id
          mac: `0e:${n.eni_id.slice(4, 14).match(/../g)!.join(':')}`,
          ip: n.private_ip,
          groups: [],
          description: `Interface for NAT Gateway ${n.nat_gateway_id}`,
          sdc: false,
          nat: true,
        }),
      ),
    ];
  }

  // ---- addresses ------------------------------------------------------------------------

  /** `count` free addresses of the subnet (lowest first), after the ones asked for (checked). */
  freeAddresses(subnetId: string, cidrBlock: string, asked: string[], count: number): Promise<string[]> {
    return this.pick(subnetId, cidrBlock, asked, count);
  }

  private async pick(subnetId: string, cidrBlock: string, asked: string[], count: number): Promise<string[]> {
    const cidr = parseCidr(cidrBlock)!;
    const range = usableRange(cidr);
    const used = await this.store.vpc.usedAddresses(subnetId);
    for (const ip of asked) {
      const n = ipToInt(ip);
      if (n === undefined || !contains(cidr, n)) throw invalidParameterValue(`Address ${ip} does not fall within the subnet's address range`);
      if (n < range.first || n > range.last) throw invalidParameterValue(`The address ${ip} is reserved.`);
      if (used.has(ip)) throw addressInUse(ip);
      used.add(ip);
    }
    const out = [...asked];
    for (let n = range.first; n <= range.last && out.length < asked.length + count; n++) {
      const ip = intToIp(n);
      if (!used.has(ip)) out.push(ip);
    }
    if (out.length < asked.length + count) throw ec2Error('InsufficientFreeAddressesInSubnet', `There are not enough free addresses in subnet '${subnetId}' to satisfy the requested number of addresses.`);
    return out;
  }

  // ---- create / delete ------------------------------------------------------------------

  async create(caller: Scope, req: CreateInterface, checkpoint: () => void): Promise<NetworkInterface> {
    const subnet = await this.subnets.get(caller, req.subnetId);
    const groupIds = req.groupIds?.length ? [...new Set(req.groupIds)] : [await this.groups.defaultOf(caller, subnet.vpc_id)];
    for (const id of groupIds) {
      const g = await this.groups.get(caller, id);
      if (g.vpc_id !== subnet.vpc_id) throw ec2Error('InvalidParameter', `Security group ${id} and subnet ${subnet.subnet_id} belong to different networks.`);
    }
    if (req.description !== undefined && req.description.length > 255) throw invalidParameterValue('Description must be at most 255 characters long.');
    if (req.secondaryCount !== undefined && req.secondaryIps?.length) throw ec2Error('InvalidParameterCombination', 'You may specify secondaryPrivateIpAddressCount or specific secondary private IP addresses, but not both.');
    checkpoint();
    const eniId = newId('eni');
    const asked = [...(req.privateIp ? [req.privateIp] : []), ...(req.secondaryIps ?? [])];
    const row: Row<'network_interfaces'> = {
      eni_id: eniId,
      account_id: caller.accountId,
      region: caller.region,
      subnet_id: subnet.subnet_id,
      vpc_id: subnet.vpc_id,
      availability_zone: subnet.availability_zone,
      private_ip: '',
      mac_address: mac(),
      description: req.description ?? '',
      source_dest_check: 1,
      groups: JSON.stringify(groupIds),
      instance_primary: 0,
      instance_id: null,
      device_index: null,
      attachment_id: null,
      attach_time: null,
      delete_on_termination: 0,
      created_at: new Date().toISOString(),
    };
    await this.withAddresses(async () => {
      // asked-for addresses first, then the lowest free ones; the primary is the one asked for, else the first free one
      const picked = await this.pick(subnet.subnet_id, subnet.cidr_block, asked, (req.privateIp ? 0 : 1) + (req.secondaryCount ?? 0));
      const ips = req.privateIp ? picked : [picked[asked.length], ...picked.slice(0, asked.length), ...picked.slice(asked.length + 1)];
      row.private_ip = ips[0];
      await this.store.transaction(async (tx) => {
        await tx.vpc.networkInterfaces.insert([row]);
        await tx.vpc.interfaceAddresses.insert(ips.map((ip, i) => ({ eni_id: eniId, subnet_id: subnet.subnet_id, private_ip: ip, is_primary: i === 0 ? 1 : 0 })));
        await tx.tags.put(caller, req.tags.map((t) => ({ resourceId: eniId, resourceType: 'network-interface', ...t })));
      });
    });
    return (await this.describe(caller, [eniId]))[0];
  }

  /** Retries a write that lost a race for an address to another writer. */
  private async withAddresses(write: () => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await write();
      } catch (e) {
        if (!isUniqueViolation(e) || attempt >= 3) throw e;
      }
    }
  }

  async delete(caller: Scope, eniId: string, checkpoint: () => void): Promise<void> {
    const found = await this.get(caller, eniId);
    if (found.instance || found.row?.instance_id) throw interfaceInUse(eniId);
    checkpoint();
    const addresses = await this.store.vpc.elasticIps.where(caller, 'eni_id', [eniId]);
    await this.store.transaction(async (tx) => {
      // its Elastic IP stays allocated
      for (const a of addresses) await tx.vpc.elasticIps.update(caller, a.allocation_id, { association_id: null, eni_id: null, private_ip: null, instance_id: null });
      await tx.vpc.interfaceAddresses.deleteOf([eniId]);
      await tx.vpc.networkInterfaces.delete(caller, [eniId]);
      await tx.tags.deleteResource(eniId);
    });
  }

  // ---- attach / detach ------------------------------------------------------------------

  async attach(caller: Scope, req: { eniId: string; instanceId: string; deviceIndex: number; networkCardIndex?: number }, checkpoint: () => void): Promise<string> {
    const found = await this.get(caller, req.eniId);
    if (!found.row || found.instance) throw interfaceInUse(req.eniId);
    if (found.row.instance_id) throw interfaceInUse(req.eniId);
    const [instance] = await this.liveInstances(caller, [req.instanceId]);
    if (!instance) throw ec2Error('InvalidInstanceID.NotFound', `The instance ID '${req.instanceId}' does not exist`);
    if (instance.state !== 'running' && instance.state !== 'stopped') throw ec2Error('IncorrectInstanceState', `The instance '${instance.instance_id}' is not in a valid state for this operation.`);
    if (instance.availability_zone !== found.row.availability_zone) throw ec2Error('InvalidParameterCombination', 'You may not attach a network interface to an instance if they are not in the same availability zone');
    if (req.networkCardIndex) throw invalidParameterValue(`Network card index ${req.networkCardIndex} is not valid for instance type ${instance.instance_type}.`);
    const taken = req.deviceIndex === 0 || (await this.store.vpc.networkInterfaces.where(caller, 'instance_id', [instance.instance_id])).some((r) => r.device_index === req.deviceIndex);
    if (taken) throw invalidParameterValue(`Instance '${instance.instance_id}' already has an interface attached at device index '${req.deviceIndex}'.`);
    checkpoint();
    const attachmentId = newId('eni-attach');
    try {
      await this.store.vpc.networkInterfaces.update(caller, req.eniId, { instance_id: instance.instance_id, device_index: req.deviceIndex, attachment_id: attachmentId, attach_time: new Date().toISOString(), delete_on_termination: 0 });
    } catch (e) {
      if (isUniqueViolation(e)) throw invalidParameterValue(`Instance '${instance.instance_id}' already has an interface attached at device index '${req.deviceIndex}'.`);
      throw e;
    }
    return attachmentId;
  }

  async detach(caller: Scope, attachmentId: string, checkpoint: () => void): Promise<void> {
    const [row] = await this.store.vpc.networkInterfaces.where(caller, 'attachment_id', [attachmentId]);
    if (!row || row.instance_primary) {
      const primary = row ?? (await this.liveInstances(caller)).find((i) => derivedId('eni-attach', caller, i.eni_id) === attachmentId);
      if (primary) throw ec2Error('OperationNotPermitted', 'The network interface at device index 0 cannot be detached.');
      throw attachmentNotFound(attachmentId);
    }
    checkpoint();
    await this.store.vpc.networkInterfaces.update(caller, row.eni_id, { instance_id: null, device_index: null, attachment_id: null, attach_time: null });
  }

  // ---- attributes -----------------------------------------------------------------------

  /** The interface's own row (an instance's primary one gets its row here). */
  private async own(caller: Scope, found: Resolved): Promise<Row<'network_interfaces'>> {
    if (found.row) return found.row;
    const i = found.instance!;
    const row: Row<'network_interfaces'> = {
      eni_id: i.eni_id,
      account_id: caller.accountId,
      region: caller.region,
      subnet_id: i.subnet_id,
      vpc_id: i.vpc_id,
      availability_zone: i.availability_zone,
      private_ip: i.private_ip,
      mac_address: i.mac_address,
      description: '',
      source_dest_check: 1,
      groups: i.security_groups,
      instance_primary: 1,
      instance_id: i.instance_id,
      device_index: 0,
      attachment_id: derivedId('eni-attach', caller, i.eni_id),
      attach_time: i.launch_time,
      delete_on_termination: 1,
      created_at: new Date().toISOString(),
    };
    await this.store.vpc.networkInterfaces.insert([row], { ignoreExisting: true });
    return row;
  }

  async modify(caller: Scope, eniId: string, changes: { description?: string; sourceDestCheck?: boolean; groupIds?: string[]; deleteOnTermination?: { attachmentId?: string; value?: boolean } }, checkpoint: () => void): Promise<void> {
    const found = await this.get(caller, eniId);
    const given = [changes.description, changes.sourceDestCheck, changes.groupIds, changes.deleteOnTermination].filter((v) => v !== undefined);
    if (given.length !== 1) throw ec2Error('InvalidParameterCombination', 'Fields for multiple attribute types specified: specify exactly one attribute to modify.');
    if (changes.groupIds) {
      const vpcId = found.row?.vpc_id ?? found.instance!.vpc_id;
      for (const id of changes.groupIds) {
        const g = await this.groups.get(caller, id);
        if (g.vpc_id !== vpcId) throw ec2Error('InvalidParameter', `Security group ${id} and interface ${eniId} belong to different networks.`);
      }
    }
    // an instance's primary interface's attachment: its row's, else the one derived from its id
    const attachmentId = found.instance ? (found.row?.attachment_id ?? derivedId('eni-attach', caller, eniId)) : found.row?.instance_id ? found.row.attachment_id : undefined;
    if (changes.deleteOnTermination && (!attachmentId || changes.deleteOnTermination.attachmentId !== attachmentId)) {
      throw attachmentNotFound(changes.deleteOnTermination.attachmentId ?? '');
    }
    checkpoint();
    if (changes.groupIds) {
      const groups = JSON.stringify([...new Set(changes.groupIds)]);
      if (found.instance) {
        // the instance's groups are its primary interface's
        await this.store.instances.update(found.instance.instance_id, { security_groups: groups });
        await this.groups.notifyUsers(caller, changes.groupIds);
        return;
      }
      await this.store.vpc.networkInterfaces.update(caller, eniId, { groups });
      return;
    }
    if (changes.sourceDestCheck !== undefined && found.instance) {
      const spec = JSON.parse(found.instance.spec) as Record<string, unknown>;
      await this.store.instances.update(found.instance.instance_id, { spec: JSON.stringify({ ...spec, sourceDestCheck: changes.sourceDestCheck }) });
      return;
    }
    const row = await this.own(caller, found);
    if (changes.description !== undefined) await this.store.vpc.networkInterfaces.update(caller, row.eni_id, { description: changes.description });
    if (changes.sourceDestCheck !== undefined) await this.store.vpc.networkInterfaces.update(caller, row.eni_id, { source_dest_check: changes.sourceDestCheck ? 1 : 0 });
    if (changes.deleteOnTermination) await this.store.vpc.networkInterfaces.update(caller, row.eni_id, { delete_on_termination: changes.deleteOnTermination.value ? 1 : 0 });
  }

  async assign(caller: Scope, eniId: string, req: { ips?: string[]; count?: number }, checkpoint: () => void): Promise<string[]> {
    const found = await this.get(caller, eniId);
    if (!req.ips?.length && !req.count) throw ec2Error('MissingParameter', 'Either secondaryPrivateIpAddressCount or privateIpAddresses must be specified');
    if (req.ips?.length && req.count) throw ec2Error('InvalidParameterCombination', 'You may specify secondaryPrivateIpAddressCount or specific secondary private IP addresses, but not both.');
    const subnet = await this.subnets.get(caller, found.subnetId);
    checkpoint();
    let ips: string[] = [];
    await this.withAddresses(async () => {
      ips = await this.pick(subnet.subnet_id, subnet.cidr_block, req.ips ?? [], req.count ?? 0);
      await this.own(caller, found);
      await this.store.vpc.interfaceAddresses.insert(ips.map((ip) => ({ eni_id: eniId, subnet_id: subnet.subnet_id, private_ip: ip, is_primary: 0 })));
    });
    return ips;
  }

  async unassign(caller: Scope, eniId: string, ips: string[], checkpoint: () => void): Promise<void> {
    const found = await this.get(caller, eniId);
    const held = new Set((await this.store.vpc.interfaceAddresses.of([eniId])).filter((a) => !a.is_primary).map((a) => a.private_ip));
    const missing = ips.find((ip) => !held.has(ip));
    if (missing || ips.includes(found.privateIp)) throw invalidParameterValue(`Some of the specified addresses are not assigned to interface ${eniId}`);
    checkpoint();
    await this.store.transaction(async (tx) => {
      for (const ip of ips) await tx.vpc.interfaceAddresses.delete({ eni_id: eniId, private_ip: ip });
    });
  }
}
