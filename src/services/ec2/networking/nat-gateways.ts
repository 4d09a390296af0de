// NAT gateways (records: nothing is translated). CreateNatGateway takes an address of its subnet
// (held under its requester-managed interface's id, so the subnet counts it and refuses deletion)
// and, when public, an Elastic IP that is not associated elsewhere (the address is then
// associated with the gateway's interface, so ReleaseAddress refuses it). States settle after the
// service's settle time, as other pending states do:
//
//   pending --> available          (a public gateway in a VPC without an internet gateway: failed,
//   deleting --> deleted            Gateway.NotAttached, as AWS reports it)
//
// DeleteNatGateway frees the address and the Elastic IP at once; deleted gateways stay listed
// for an hour. Routes to a gateway are active while it is pending or available.
import type { NatGateway } from '../../../api/ec2/types.js';
import type { Row } from '../../../store/repos/vpc-family.js';
import type { Scope } from '../../../store/scope.js';
import type { Store } from '../../../store/store.js';
import { findZone } from '../../../config/regions.js';
import type { FilterSpec } from '../filters.js';
import { ec2Error } from '../ec2-errors.js';
import { isId, newId } from '../resource-ids.js';
import type { Taggable } from '../tags/taggable.js';
import { allocationNotFound } from './elastic-ips.js';
import { describePage, type DescribeRequest } from './network-describe.js';
import type { NetworkInterfaceService } from './network-interfaces.js';
import type { SubnetService } from './subnet-service.js';

export const natNotFound = (id: string) => ec2Error('NatGatewayNotFound', `NAT gateway ${id} was not found`);
const DELETED_VISIBLE_MS = 3600_000;

const NAT_FILTERS: FilterSpec<NatGateway> = {
  fields: {
    'nat-gateway-id': (n) => n.NatGatewayId,
    state: (n) => n.State,
    'subnet-id': (n) => n.SubnetId,
    'vpc-id': (n) => n.VpcId,
  },
  tags: (n) => n.Tags,
};

export class NatGatewayService {
  readonly taggable: Taggable;

  constructor(
    private readonly store: Store,
    private readonly subnets: SubnetService,
    private readonly interfaces: NetworkInterfaceService,
    private readonly settleMs: number,
  ) {
    this.taggable = { prefix: 'nat', resourceType: 'natgateway', visible: async (caller, id) => Boolean(isId('nat', id) && (await this.store.vpc.natGateways.get(caller, id))), notFound: natNotFound };
  }

  /** The state a client sees now. */
  stateOf(row: Row<'nat_gateways'>, now = Date.now()): NatGateway['State'] {
    const settled = (at: string) => now - Date.parse(at) >= this.settleMs;
    if (row.state === 'pending') return settled(row.created_at) ? (row.failure_code ? 'failed' : 'available') : 'pending';
    if (row.state === 'deleting') return settled(row.deleted_at!) ? 'deleted' : 'deleting';
    return row.state as NatGateway['State'];
  }

  private async views(caller: Scope, rows: Row<'nat_gateways'>[]): Promise<NatGateway[]> {
    const tags = await this.store.tags.forResources(caller, rows.map((r) => r.nat_gateway_id));
    const zones = new Map((await this.store.vpc.subnets.list(caller, { ids: [...new Set(rows.map((r) => r.subnet_id))] })).map((s) => [s.subnet_id, s.availability_zone]));
    const now = Date.now();
    return rows.map((r) => {
      const state = this.stateOf(r, now);
      const zone = zones.get(r.subnet_id);
      const gone = state === 'deleted' || state === 'deleting' || state === 'failed';
      return {
        NatGatewayId: r.nat_gateway_id,
        VpcId: r.vpc_id,
        SubnetId: r.subnet_id,
        State: state,
        ConnectivityType: r.connectivity_type as NatGateway['ConnectivityType'],
        CreateTime: new Date(r.created_at),
        DeleteTime: r.deleted_at ? new Date(r.deleted_at) : undefined,
        FailureCode: state === 'failed' ? (r.failure_code ?? undefined) : undefined,
        FailureMessage: state === 'failed' ? (r.failure_message ?? undefined) : undefined,
        NatGatewayAddresses: [
          {
            AllocationId: r.allocation_id ?? undefined,
            PublicIp: gone ? undefined : (r.public_ip ?? undefined),
            NetworkInterfaceId: r.eni_id,
            PrivateIp: r.private_ip,
            IsPrimary: true,
            Status: gone ? 'disassociating' : state === 'pending' ? 'associating' : 'succeeded',
            AvailabilityZone: zone,
            AvailabilityZoneId: zone ? findZone(zone)?.zone.id : undefined,
          },
        ],
        Tags: tags.get(r.nat_gateway_id) ?? [],
      };
    });
  }

  async describe(caller: Scope, req: DescribeRequest): Promise<{ items: NatGateway[]; nextToken?: string }> {
    const since = Date.now() - DELETED_VISIBLE_MS;
    const page = await describePage(caller, req, {
      table: this.store.vpc.natGateways,
      idOf: (r) => r.nat_gateway_id,
      sql: { 'nat-gateway-id': { column: 'nat_gateway_id' }, 'subnet-id': { column: 'subnet_id' }, 'vpc-id': { column: 'vpc_id' } },
      filters: NAT_FILTERS,
      notFound: natNotFound,
      assertId: (id) => {
        if (!isId('nat', id)) throw ec2Error('NatGatewayMalformed', `The NAT gateway ID '${id}' is malformed`);
      },
      views: (rows) => this.views(caller, rows.filter((r) => !r.deleted_at || Date.parse(r.deleted_at) > since)),
    });
    return page;
  }

  async create(caller: Scope, req: { subnetId?: string; allocationId?: string; connectivityType?: string; privateIp?: string; tags: { key: string; value: string }[] }, checkpoint: () => void): Promise<NatGateway> {
    if (!req.subnetId) throw ec2Error('MissingParameter', 'The request must contain the parameter SubnetId');
    const connectivity = req.connectivityType ?? 'public';
    if (connectivity !== 'public' && connectivity !== 'private') throw ec2Error('InvalidParameterValue', `Value (${connectivity}) for parameter connectivityType is invalid.`);
    const subnet = await this.subnets.get(caller, req.subnetId);
    let eip: Row<'elastic_ips'> | undefined;
    if (connectivity === 'public') {
      if (!req.allocationId) throw ec2Error('MissingParameter', 'The request must contain the parameter AllocationId');
      eip = isId('eipalloc', req.allocationId) ? await this.store.vpc.elasticIps.get(caller, req.allocationId) : undefined;
      if (!eip) throw allocationNotFound(req.allocationId);
      if (eip.association_id) throw ec2Error('Resource.AlreadyAssociated', `Elastic IP address [${req.allocationId}] is already associated`);
    } else if (req.allocationId) {
      throw ec2Error('InvalidParameterCombination', 'An Elastic IP address cannot be specified for a private NAT gateway.');
    }
    const [gateway] = await this.store.vpc.internetGateways.where(caller, 'vpc_id', [subnet.vpc_id]);
    checkpoint();
    const ip = (await this.interfaces.freeAddresses(subnet.subnet_id, subnet.cidr_block, req.privateIp ? [req.privateIp] : [], req.privateIp ? 0 : 1))[0];
    const row: Row<'nat_gateways'> = {
      nat_gateway_id: newId('nat'),
      account_id: caller.accountId,
      region: caller.region,
      vpc_id: subnet.vpc_id,
      subnet_id: subnet.subnet_id,
      connectivity_type: connectivity,
      allocation_id: eip?.allocation_id ?? null,
      public_ip: eip?.public_ip ?? null,
      eni_id: newId('eni'),
      private_ip: ip,
      state: 'pending',
      failure_code: eip && !gateway ? 'Gateway.NotAttached' : null,
      failure_message: eip && !gateway ? `Network ${subnet.vpc_id} has no Internet gateway attached` : null,
      created_at: new Date().toISOString(),
      deleted_at: null,
    };
    await this.store.transaction(async (tx) => {
      await tx.vpc.natGateways.insert([row]);
      await tx.vpc.interfaceAddresses.insert([{ eni_id: row.eni_id, subnet_id: row.subnet_id, private_ip: ip, is_primary: 1 }]);
      if (eip && gateway) await tx.vpc.elasticIps.update(caller, eip.allocation_id, { association_id: newId('eipassoc'), eni_id: row.eni_id, private_ip: ip, instance_id: null });
      await tx.tags.put(caller, req.tags.map((t) => ({ resourceId: row.nat_gateway_id, resourceType: 'natgateway', ...t })));
    });
    return (await this.views(caller, [row]))[0];
  }

  async delete(caller: Scope, id: string, checkpoint: () => void): Promise<string> {
    if (!isId('nat', id)) throw ec2Error('NatGatewayMalformed', `The NAT gateway ID '${id}' is malformed`);
    const row = await this.store.vpc.natGateways.get(caller, id);
    if (!row || this.stateOf(row) === 'deleted') throw natNotFound(id);
    checkpoint();
    if (row.state === 'deleting') return id;
    await this.store.transaction(async (tx) => {
      await tx.vpc.natGateways.update(caller, id, { state: 'deleting', deleted_at: new Date().toISOString() });
      await tx.vpc.interfaceAddresses.deleteOf([row.eni_id]);
      if (row.allocation_id) {
        const [eip] = await tx.vpc.elasticIps.list(caller, { ids: [row.allocation_id] });
        if (eip?.eni_id === row.eni_id) await tx.vpc.elasticIps.update(caller, row.allocation_id, { association_id: null, eni_id: null, private_ip: null, instance_id: null });
      }
    });
    return id;
  }

  /** Route targets: a gateway's route is active while it is pending or available. */
  async active(caller: Scope, ids: string[]): Promise<Set<string>> {
    const rows = await this.store.vpc.natGateways.list(caller, { ids });
    const now = Date.now();
    return new Set(rows.filter((r) => ['pending', 'available'].includes(this.stateOf(r, now)!)).map((r) => r.nat_gateway_id));
  }

  /** A NAT gateway not yet deleted in the subnet (DeleteSubnet's dependency). */
  async inSubnet(caller: Scope, subnetId: string): Promise<boolean> {
    return (await this.store.vpc.natGateways.where(caller, 'subnet_id', [subnetId])).some((r) => this.stateOf(r) !== 'deleted' && this.stateOf(r) !== 'failed');
  }
}
