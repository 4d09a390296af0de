// Elastic IP addresses: AllocateAddress takes the lowest free address of the host's public
// address pool (public-addresses.ts, loopback only; the same pool instances' public addresses
// come from), so on drivers with a public network the address an instance holds is where it is
// reached. AssociateAddress points it at an instance's primary network interface — the
// instance's public address becomes the Elastic IP (its auto-assigned one goes back to the pool),
// kept while it is stopped, dropped when it terminates — or at an interface of its own (a record
// only; an interface holds one address, deleting it drops it); reassociation is automatic unless
// AllowReassociation=false (Resource.AlreadyAssociated); an instance holds one Elastic IP (a new
// one displaces the old, which stays allocated); the instance's VPC needs an internet gateway
// (Gateway.NotAttached). ReleaseAddress refuses an associated address (InvalidIPAddress.InUse).
// Addresses named by PublicIp that the caller does not hold answer AuthFailure, as AWS's do.
//
//   allocated --Associate--> associated --Disassociate / instance terminated--> allocated
//   allocated --Release--> gone
import type { Address, AddressAttribute } from '../../../api/ec2/types.js';
import type { Scope } from '../../../store/scope.js';
import type { Store } from '../../../store/store.js';
import type { Row } from '../../../store/repos/vpc-family.js';
import type { InstanceRow } from '../../../store/repos/instances.js';
import { isUniqueViolation } from '../../../store/dialects/dialect.js';
import type { FilterSpec } from '../filters.js';
import { ec2Error, invalidParameterCombination } from '../ec2-errors.js';
import { isId, newId } from '../resource-ids.js';
import type { Taggable } from '../tags/taggable.js';
import { describePage, type DescribeRequest } from './network-describe.js';
import type { PublicAddressPool } from './public-addresses.js';
import type { VpcService } from './vpc-service.js';

/** AWS's default quota of Elastic IP addresses per region. */
export const ADDRESS_LIMIT = 5;

export const allocationNotFound = (id: string) => ec2Error('InvalidAllocationID.NotFound', `The allocation ID '${id}' does not exist`);
const associationNotFound = (id: string) => ec2Error('InvalidAssociationID.NotFound', `The association ID '${id}' does not exist`);
const notYours = (ip: string) => ec2Error('AuthFailure', `The address '${ip}' does not belong to you.`);
const addressNotFound = (ip: string) => ec2Error('InvalidAddress.NotFound', `Address '${ip}' not found.`);
const instanceNotFound = (id: string) => ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
const eniNotFound = (id: string) => ec2Error('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${id}' does not exist`);

// AWS answers NotFound, not Malformed, for an allocation id of the wrong form
const assertAllocationId = (id: string) => {
  if (!isId('eipalloc', id)) throw allocationNotFound(id);
};

const ADDRESS_FILTERS: FilterSpec<Address> = {
  fields: {
    'allocation-id': (a) => a.AllocationId,
    'association-id': (a) => a.AssociationId,
    domain: (a) => a.Domain,
    'instance-id': (a) => a.InstanceId,
    'network-border-group': (a) => a.NetworkBorderGroup,
    'network-interface-id': (a) => a.NetworkInterfaceId,
    'network-interface-owner-id': (a) => a.NetworkInterfaceOwnerId,
    'private-ip-address': (a) => a.PrivateIpAddress,
    'public-ip': (a) => a.PublicIp,
    'public-ipv4-pool': (a) => a.PublicIpv4Pool,
  },
  tags: (a) => a.Tags,
};

interface Target {
  eniId: string;
  privateIp: string;
  vpcId: string;
  /** set when the interface is the instance's primary one: its public address is the Elastic IP */
  instance?: InstanceRow;
}

/** Where an address is associated (an instance or a network interface). */
export interface AddressTarget {
  allocationId?: string;
  publicIp?: string;
  instanceId?: string;
  networkInterfaceId?: string;
  privateIpAddress?: string;
  allowReassociation?: boolean;
}

export class ElasticIpService {
  readonly taggable: Taggable;

  /**
   * @param addressesChanged running instances whose public address changed (their driver
   *   re-applies the forwards it makes for them)
   */
  constructor(
    private readonly store: Store,
    private readonly vpcs: VpcService,
    private readonly pool: PublicAddressPool,
    private readonly addressesChanged: (instanceIds: string[]) => Promise<void>,
  ) {
    this.taggable = {
      prefix: 'eipalloc',
      resourceType: 'elastic-ip',
      visible: async (caller, id) => Boolean(await this.store.vpc.elasticIps.get(caller, id)),
      notFound: allocationNotFound,
    };
  }

  private async byAllocation(caller: Scope, id: string): Promise<Row<'elastic_ips'>> {
    assertAllocationId(id);
    const row = await this.store.vpc.elasticIps.get(caller, id);
    if (!row) throw allocationNotFound(id);
    return row;
  }

  private async byPublicIp(caller: Scope, ip: string): Promise<Row<'elastic_ips'>> {
    const [row] = await this.store.vpc.elasticIps.where(caller, 'public_ip', [ip]);
    if (!row) throw notYours(ip);
    return row;
  }

  private find(caller: Scope, ref: { allocationId?: string; publicIp?: string }): Promise<Row<'elastic_ips'>> {
    if (ref.allocationId) return this.byAllocation(caller, ref.allocationId);
    if (ref.publicIp) return this.byPublicIp(caller, ref.publicIp);
    throw ec2Error('MissingParameter', 'Either public IP or allocation id must be specified');
  }

  private view(row: Row<'elastic_ips'>, tags: { Key?: string; Value?: string }[] = []): Address {
    return {
      AllocationId: row.allocation_id,
      PublicIp: row.public_ip,
      Domain: 'vpc',
      PublicIpv4Pool: 'amazon',
      NetworkBorderGroup: row.region,
      AssociationId: row.association_id ?? undefined,
      InstanceId: row.instance_id ?? undefined,
      NetworkInterfaceId: row.eni_id ?? undefined,
      NetworkInterfaceOwnerId: row.eni_id ? row.account_id : undefined,
      PrivateIpAddress: row.private_ip ?? undefined,
      Tags: tags.length ? tags : undefined,
    };
  }

  private async views(caller: Scope, rows: Row<'elastic_ips'>[]): Promise<Address[]> {
    const tags = await this.store.tags.forResources(caller, rows.map((r) => r.allocation_id));
    return rows.map((r) => this.view(r, tags.get(r.allocation_id)));
  }

  async describe(caller: Scope, req: DescribeRequest & { publicIps?: string[] }): Promise<Address[]> {
    const filters = [...(req.filters ?? [])];
    if (req.publicIps?.length) {
      const held = new Set((await this.store.vpc.elasticIps.where(caller, 'public_ip', req.publicIps)).map((r) => r.public_ip));
      const missing = req.publicIps.find((ip) => !held.has(ip));
      if (missing) throw addressNotFound(missing);
      filters.push({ Name: 'public-ip', Values: req.publicIps });
    }
    const { items } = await describePage(caller, { ...req, filters }, {
      table: this.store.vpc.elasticIps,
      idOf: (r) => r.allocation_id,
      sql: {
        'allocation-id': { column: 'allocation_id' },
        'public-ip': { column: 'public_ip' },
        'association-id': { column: 'association_id' },
        'instance-id': { column: 'instance_id' },
        'network-interface-id': { column: 'eni_id' },
        'private-ip-address': { column: 'private_ip' },
      },
      filters: ADDRESS_FILTERS,
      notFound: allocationNotFound,
      assertId: assertAllocationId,
      views: (rows) => this.views(caller, rows),
    });
    return items;
  }

  /** DescribeAddressesAttribute (domain-name): no PTR records are ever set here. */
  async attributes(caller: Scope, req: DescribeRequest): Promise<{ items: AddressAttribute[]; nextToken?: string }> {
    return describePage(caller, req, {
      table: this.store.vpc.elasticIps,
      idOf: (r) => r.allocation_id,
      sql: {},
      filters: { fields: {} },
      notFound: allocationNotFound,
      assertId: assertAllocationId,
      views: async (rows) => rows.map((r) => ({ AllocationId: r.allocation_id, PublicIp: r.public_ip })),
    });
  }

  async allocate(caller: Scope, req: { address?: string; pool?: string; tags: { key: string; value: string }[] }, checkpoint: () => void): Promise<Address> {
    if (req.pool !== undefined && req.pool !== 'amazon') throw ec2Error('InvalidPublicIpv4PoolID.NotFound', `The pool ID '${req.pool}' does not exist`);
    if (req.address !== undefined && !this.pool.has(req.address)) throw addressNotFound(req.address);
    await this.vpcs.ensure(caller);
    checkpoint();
    if ((await this.store.vpc.elasticIps.list(caller)).length >= ADDRESS_LIMIT) throw ec2Error('AddressLimitExceeded', 'The maximum number of addresses has been reached.');
    for (let attempt = 0; ; attempt++) {
      const used = await this.store.instances.publicIps();
      const ip = req.address ?? this.pool.pick(used);
      if (!ip || (req.address && used.has(ip))) throw ec2Error(req.address ? 'InvalidAddress.InUse' : 'AddressLimitExceeded', req.address ? `Address ${ip} is in use.` : 'The maximum number of addresses has been reached.');
      const row: Row<'elastic_ips'> = { allocation_id: newId('eipalloc'), account_id: caller.accountId, region: caller.region, public_ip: ip, association_id: null, instance_id: null, eni_id: null, private_ip: null, created_at: new Date().toISOString() };
      try {
        await this.store.transaction(async (tx) => {
          await tx.vpc.elasticIps.insert([row]);
          await tx.tags.put(caller, req.tags.map((t) => ({ resourceId: row.allocation_id, resourceType: 'elastic-ip', ...t })));
        });
        return (await this.views(caller, [row]))[0];
      } catch (e) {
        // another allocation took the same address first: pick again
        if (!isUniqueViolation(e) || req.address || attempt >= 5) throw e;
      }
    }
  }

  /** The interface an association names: an instance's primary one, or an interface of its own. */
  private async target(caller: Scope, t: AddressTarget): Promise<Target> {
    if (t.instanceId && t.networkInterfaceId) throw invalidParameterCombination('You may specify instance ID or network interface ID, but not both');
    if (!t.instanceId && !t.networkInterfaceId) throw ec2Error('MissingParameter', 'Either instance ID or network interface ID must be specified');
    const live = await this.store.instances.list(caller, {
      ids: t.instanceId ? [t.instanceId] : undefined,
      states: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'],
      terminatedAfter: new Date().toISOString(),
    });
    const row = t.instanceId ? live[0] : live.find((i) => i.eni_id === t.networkInterfaceId);
    let target: Target;
    if (row) {
      if (row.state === 'shutting-down') throw ec2Error('IncorrectInstanceState', `The instance '${row.instance_id}' is not in a valid state for this operation.`);
      target = { eniId: row.eni_id, privateIp: row.private_ip, vpcId: row.vpc_id, instance: row };
    } else {
      const own = t.networkInterfaceId && isId('eni', t.networkInterfaceId) ? await this.store.vpc.networkInterfaces.get(caller, t.networkInterfaceId) : undefined;
      if (!own || own.instance_primary) throw t.instanceId ? instanceNotFound(t.instanceId) : eniNotFound(t.networkInterfaceId!);
      target = { eniId: own.eni_id, privateIp: own.private_ip, vpcId: own.vpc_id };
    }
    if (t.privateIpAddress !== undefined && t.privateIpAddress !== target.privateIp) {
      throw ec2Error('InvalidParameterValue', `The specified private IP address ${t.privateIpAddress} is not assigned to network interface ${target.eniId}`);
    }
    return target;
  }

  /** Whether an association is a NAT gateway's (its until the gateway is deleted). */
  private async heldByNat(caller: Scope, row: Row<'elastic_ips'>): Promise<boolean> {
    return Boolean(row.association_id && !row.instance_id && row.eni_id && (await this.store.vpc.natGateways.where(caller, 'eni_id', [row.eni_id])).length);
  }

  async associate(caller: Scope, t: AddressTarget, checkpoint: () => void): Promise<string> {
    const address = await this.find(caller, t);
    const target = await this.target(caller, t);
    const [gateway] = await this.store.vpc.internetGateways.where(caller, 'vpc_id', [target.vpcId]);
    if (!gateway) throw ec2Error('Gateway.NotAttached', `Network ${target.vpcId} is not attached to any internet gateway`);
    if (address.eni_id === target.eniId && address.association_id) {
      checkpoint();
      return address.association_id; // already there
    }
    const alreadyAssociated = () => ec2Error('Resource.AlreadyAssociated', `resource ${address.allocation_id} is already associated with associate-id ${address.association_id}`);
    if (await this.heldByNat(caller, address)) throw alreadyAssociated();
    if (address.association_id && t.allowReassociation === false) throw alreadyAssociated();
    checkpoint();
    const associationId = newId('eipassoc');
    const instanceId = target.instance?.instance_id;
    const touched = [...(instanceId ? [instanceId] : []), ...(address.instance_id ? [address.instance_id] : [])];
    const displaced = await this.store.vpc.elasticIps.where(caller, 'eni_id', [target.eniId]);
    await this.store.transaction(async (tx) => {
      // the address leaves where it was; the interface's other Elastic IP (if any) stays allocated
      if (address.instance_id) await tx.instances.update(address.instance_id, { public_ip: null });
      for (const d of displaced) await tx.vpc.elasticIps.update(caller, d.allocation_id, { association_id: null, instance_id: null, eni_id: null, private_ip: null });
      if (instanceId) await tx.instances.update(instanceId, { public_ip: null });
      await tx.vpc.elasticIps.update(caller, address.allocation_id, { association_id: associationId, instance_id: instanceId ?? null, eni_id: target.eniId, private_ip: target.privateIp });
      if (instanceId) await tx.instances.update(instanceId, { public_ip: address.public_ip });
    });
    if (touched.length) await this.addressesChanged(touched);
    return associationId;
  }

  async disassociate(caller: Scope, ref: { associationId?: string; publicIp?: string }, checkpoint: () => void): Promise<void> {
    let row: Row<'elastic_ips'> | undefined;
    if (ref.associationId) {
      [row] = await this.store.vpc.elasticIps.where(caller, 'association_id', [ref.associationId]);
      if (!row) throw associationNotFound(ref.associationId);
    } else if (ref.publicIp) {
      row = await this.byPublicIp(caller, ref.publicIp);
    } else {
      throw ec2Error('MissingParameter', 'Either public IP or association id must be specified');
    }
    if (await this.heldByNat(caller, row)) throw ec2Error('AuthFailure', 'You do not have permission to access the specified resource.');
    checkpoint();
    if (!row.association_id) return;
    const instanceId = row.instance_id;
    await this.store.transaction(async (tx) => {
      await tx.vpc.elasticIps.update(caller, row.allocation_id, { association_id: null, instance_id: null, eni_id: null, private_ip: null });
      if (instanceId) await tx.instances.update(instanceId, { public_ip: null });
    });
    if (instanceId) await this.addressesChanged([instanceId]);
  }

  async release(caller: Scope, ref: { allocationId?: string; publicIp?: string }, checkpoint: () => void): Promise<void> {
    const row = await this.find(caller, ref);
    if (row.association_id) throw ec2Error('InvalidIPAddress.InUse', `Address ${row.public_ip} is in use.`);
    checkpoint();
    await this.store.transaction(async (tx) => {
      await tx.vpc.elasticIps.delete(caller, [row.allocation_id]);
      await tx.tags.deleteResource(row.allocation_id);
    });
  }
}
