// Route tables: every table has a `local` route for each of its VPC's blocks (neither created,
// replaced nor deleted by hand); routes to an internet gateway attached to the VPC, a network
// interface or instance of the VPC, or a NAT gateway / peering connection (taken by id, shown
// `blackhole` unless the gateway is pending or available, the connection active); explicit associations with subnets or gateways
// (one a subnet), and the VPC's main association, which ReplaceRouteTableAssociation moves.
// Subnets without an explicit association use the main table.
import type { RouteTable } from '../../../api/ec2/types.js';
import type { Scope } from '../../../store/scope.js';
import type { Store } from '../../../store/store.js';
import type { Row } from '../../../store/repos/vpc-family.js';
import { ec2Error, invalidParameterCombination, invalidParameterValue } from '../ec2-errors.js';
import { isId, newId } from '../resource-ids.js';
import { intToIp, parseCidr } from './ipv4.js';
import { parseCidr6 } from './ipv6.js';
import { describePage, type DescribeRequest } from './network-describe.js';
import { ROUTE_TABLE_FILTERS } from './network-filters.js';
import { assertId, dependencyViolation, gatewayNotFound, routeTableNotFound, rtAssociationNotFound, subnetNotFound } from './vpc-errors.js';
import { localRoute } from './vpc-rows.js';
import type { VpcService } from './vpc-service.js';
import { routeTableView, routeView } from './vpc-views.js';

export interface RouteSpec {
  destinationCidrBlock?: string;
  destinationIpv6CidrBlock?: string;
  destinationPrefixListId?: string;
  gatewayId?: string;
  natGatewayId?: string;
  networkInterfaceId?: string;
  vpcPeeringConnectionId?: string;
  instanceId?: string;
  egressOnlyInternetGatewayId?: string;
  transitGatewayId?: string;
}

const TARGETS: [keyof RouteSpec, string, string][] = [
  ['gatewayId', 'gateway', 'igw'],
  ['natGatewayId', 'nat-gateway', 'nat'],
  ['networkInterfaceId', 'network-interface', 'eni'],
  ['vpcPeeringConnectionId', 'vpc-peering-connection', 'pcx'],
  ['instanceId', 'instance', 'i'],
  ['egressOnlyInternetGatewayId', 'egress-only-gateway', 'eigw'],
  ['transitGatewayId', 'transit-gateway', 'tgw'],
];

export class RouteTableService {
  constructor(
    private readonly store: Store,
    private readonly vpcs: VpcService,
  ) {}

  async get(caller: Scope, id: string): Promise<Row<'route_tables'>> {
    assertId('rtb', id);
    await this.vpcs.ensure(caller);
    const row = await this.store.vpc.routeTables.get(caller, id);
    if (!row) throw routeTableNotFound(id);
    return row;
  }

  async views(caller: Scope, rows: Row<'route_tables'>[]): Promise<RouteTable[]> {
    const ids = rows.map((r) => r.route_table_id);
    const [routes, associations, tags] = await Promise.all([this.store.vpc.routes.of(ids), this.store.vpc.routeAssociations.where(caller, 'route_table_id', ids), this.store.tags.forResources(caller, ids)]);
    const state = await this.targetStates(caller, routes);
    return rows.map((r) =>
      routeTableView(
        r,
        routes.filter((x) => x.route_table_id === r.route_table_id).map((x) => routeView(x, caller, state)),
        associations.filter((a) => a.route_table_id === r.route_table_id),
        tags.get(r.route_table_id),
      ),
    );
  }

  /** A route is `blackhole` when its gateway is detached or gone, its instance terminated, its NAT gateway or peering not up, or its target unknown here. */
  private async targetStates(caller: Scope, routes: Row<'routes'>[]): Promise<(r: Row<'routes'>) => 'active' | 'blackhole'> {
    const gatewayIds = routes.filter((r) => r.target_type === 'gateway' && r.target_id.startsWith('igw-')).map((r) => r.target_id);
    const gateways = new Map((await this.store.vpc.internetGateways.list(caller, { ids: [...new Set(gatewayIds)] })).map((g) => [g.gateway_id, g.vpc_id]));
    const instanceIds = routes.filter((r) => r.target_type === 'instance').map((r) => r.target_id);
    const live = new Set((await this.store.instances.getMany([...new Set(instanceIds)])).filter((i) => i.state !== 'terminated').map((i) => i.instance_id));
    const natIds = routes.filter((r) => r.target_type === 'nat-gateway').map((r) => r.target_id);
    const nats = new Set((await this.store.vpc.natGateways.list(caller, { ids: [...new Set(natIds)] })).filter((n) => n.state === 'pending' && !n.failure_code).map((n) => n.nat_gateway_id));
    const pcxIds = routes.filter((r) => r.target_type === 'vpc-peering-connection').map((r) => r.target_id);
    const peerings = new Set((pcxIds.length ? await this.store.vpc.peerings(caller, [...new Set(pcxIds)]) : []).filter((p) => p.status === 'active').map((p) => p.pcx_id));
    return (r) => {
      if (r.target_type === 'local') return 'active';
      if (r.target_type === 'nat-gateway') return nats.has(r.target_id) ? 'active' : 'blackhole';
      if (r.target_type === 'vpc-peering-connection') return peerings.has(r.target_id) ? 'active' : 'blackhole';
      if (r.target_type === 'gateway') return r.target_id.startsWith('igw-') && !gateways.get(r.target_id) ? 'blackhole' : 'active';
      if (r.target_type === 'instance') return live.has(r.target_id) ? 'active' : 'blackhole';
      if (r.target_type === 'network-interface') return 'active';
      return 'blackhole';
    };
  }

  async describe(caller: Scope, req: DescribeRequest): Promise<{ items: RouteTable[]; nextToken?: string }> {
    await this.vpcs.ensure(caller);
    return describePage(caller, req, {
      table: this.store.vpc.routeTables,
      idOf: (r) => r.route_table_id,
      sql: { 'route-table-id': { column: 'route_table_id' }, 'vpc-id': { column: 'vpc_id' }, 'owner-id': { column: 'account_id' } },
      filters: ROUTE_TABLE_FILTERS,
      notFound: routeTableNotFound,
      assertId: (id) => assertId('rtb', id),
      views: (rows) => this.views(caller, rows),
    });
  }

  async create(caller: Scope, vpcId: string, tags: { key: string; value: string }[], checkpoint: () => void): Promise<RouteTable> {
    await this.vpcs.get(caller, vpcId);
    const blocks = await this.vpcs.cidrBlocks(vpcId);
    checkpoint();
    const now = new Date().toISOString();
    const row: Row<'route_tables'> = { route_table_id: newId('rtb'), account_id: caller.accountId, region: caller.region, vpc_id: vpcId, created_at: now };
    await this.store.transaction(async (tx) => {
      await tx.vpc.routeTables.insert([row]);
      await tx.vpc.routes.insert(blocks.map((b) => localRoute(row.route_table_id, b.cidr_block, now)));
      await tx.tags.put(caller, tags.map((t) => ({ resourceId: row.route_table_id, resourceType: 'route-table', ...t })));
    });
    return (await this.views(caller, [row]))[0];
  }

  async delete(caller: Scope, routeTableId: string, checkpoint: () => void): Promise<void> {
    await this.get(caller, routeTableId);
    const associations = await this.store.vpc.routeAssociations.where(caller, 'route_table_id', [routeTableId]);
    if (associations.length) throw dependencyViolation(`The routeTable '${routeTableId}' has dependencies and cannot be deleted.`);
    checkpoint();
    await this.store.transaction(async (tx) => {
      await tx.vpc.routes.deleteOf([routeTableId]);
      await tx.vpc.routeTables.delete(caller, [routeTableId]);
      await tx.tags.deleteResource(routeTableId);
    });
  }

  /** The destination and target of a route request, checked against the table's VPC. */
  private async routeRow(caller: Scope, table: Row<'route_tables'>, spec: RouteSpec, origin: string): Promise<Row<'routes'>> {
    const destinations = [spec.destinationCidrBlock, spec.destinationIpv6CidrBlock, spec.destinationPrefixListId].filter((d) => d);
    if (destinations.length !== 1) throw invalidParameterCombination('Exactly one of destinationCidrBlock, destinationIpv6CidrBlock and destinationPrefixListId must be specified.');
    let destination: string;
    let destinationType: string;
    if (spec.destinationCidrBlock) {
      const c = parseCidr(spec.destinationCidrBlock);
      if (!c) throw invalidParameterValue(`Value (${spec.destinationCidrBlock}) for parameter destinationCidrBlock is invalid. This is not a valid CIDR block.`);
      destination = `${intToIp(c.base)}/${c.bits}`;
      destinationType = 'ipv4';
    } else if (spec.destinationIpv6CidrBlock) {
      if (!parseCidr6(spec.destinationIpv6CidrBlock)) throw invalidParameterValue(`Value (${spec.destinationIpv6CidrBlock}) for parameter destinationIpv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.`);
      destination = spec.destinationIpv6CidrBlock;
      destinationType = 'ipv6';
    } else {
      destination = spec.destinationPrefixListId!;
      destinationType = 'prefix-list';
    }
    const targets = TARGETS.filter(([member]) => spec[member]);
    if (targets.length !== 1) throw invalidParameterCombination('The request must contain exactly one of gatewayId, natGatewayId, networkInterfaceId, vpcPeeringConnectionId, instanceId, egressOnlyInternetGatewayId or transitGatewayId');
    const [[member, type, prefix]] = targets;
    const id = spec[member]!;
    const row: Row<'routes'> = { route_table_id: table.route_table_id, destination, destination_type: destinationType, target_type: type, target_id: id, origin, created_at: new Date().toISOString() };
    if (type === 'gateway' && id === 'local') return { ...row, target_type: 'local' };
    if (!new RegExp(`^${prefix}-[0-9a-f]{8,17}$`).test(id) && !(type === 'gateway' && /^vgw-[0-9a-f]{8,17}$/.test(id))) {
      throw invalidParameterValue(`Value (${id}) for parameter ${member} is invalid.`);
    }
    const differentNetworks = () => invalidParameterValue(`route table ${table.route_table_id} and network gateway ${id} belong to different networks`);
    if (type === 'gateway' && id.startsWith('igw-')) {
      const gateway = await this.store.vpc.internetGateways.get(caller, id);
      if (!gateway) throw gatewayNotFound(id);
      if (gateway.vpc_id !== table.vpc_id) throw differentNetworks();
    }
    if (type === 'instance' || type === 'network-interface') {
      const instance = type === 'instance' ? (await this.store.instances.getMany([id]))[0] : await this.instanceOfEni(caller, id);
      if (!instance || instance.account_id !== caller.accountId || instance.region !== caller.region || instance.state === 'terminated') {
        throw type === 'instance' ? ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`) : ec2Error('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${id}' does not exist`);
      }
      if (instance.vpc_id !== table.vpc_id) throw differentNetworks();
    }
    return row;
  }

  private async instanceOfEni(caller: Scope, eniId: string) {
    const rows = await this.store.instances.list(caller, { states: ['pending', 'running', 'stopping', 'stopped', 'shutting-down'], terminatedAfter: new Date().toISOString() });
    return rows.find((r) => r.eni_id === eniId);
  }

  private async routeOf(table: Row<'route_tables'>, spec: RouteSpec): Promise<Row<'routes'> | undefined> {
    const destination = spec.destinationCidrBlock ? normalizeV4(spec.destinationCidrBlock) : (spec.destinationIpv6CidrBlock ?? spec.destinationPrefixListId);
    return (await this.store.vpc.routes.of([table.route_table_id])).find((r) => r.destination === destination);
  }

  async createRoute(caller: Scope, routeTableId: string, spec: RouteSpec, checkpoint: () => void): Promise<void> {
    const table = await this.get(caller, routeTableId);
    const row = await this.routeRow(caller, table, spec, 'CreateRoute');
    if (await this.routeOf(table, spec)) throw ec2Error('RouteAlreadyExists', `The route identified by ${row.destination} already exists.`);
    if (row.target_type === 'local') throw invalidParameterValue(`Value (local) for parameter gatewayId is invalid. A local route can not be created.`);
    checkpoint();
    await this.store.vpc.routes.insert([row]);
  }

  async replaceRoute(caller: Scope, routeTableId: string, spec: RouteSpec, checkpoint: () => void): Promise<void> {
    const table = await this.get(caller, routeTableId);
    const row = await this.routeRow(caller, table, spec, 'CreateRoute');
    const existing = await this.routeOf(table, spec);
    if (!existing) throw ec2Error('InvalidRoute.NotFound', `no route with destination-cidr-block ${row.destination} in route table ${routeTableId}`);
    if (existing.target_type === 'local' && row.target_type !== 'local') {
      const blocks = await this.vpcs.cidrBlocks(table.vpc_id);
      if (blocks.some((b) => b.cidr_block === existing.destination)) throw invalidParameterValue(`cannot replace local route ${existing.destination} in route table ${routeTableId}`);
    }
    checkpoint();
    await this.store.vpc.routes.update({ route_table_id: routeTableId, destination: existing.destination }, { target_type: row.target_type, target_id: row.target_id });
  }

  async deleteRoute(caller: Scope, routeTableId: string, spec: Pick<RouteSpec, 'destinationCidrBlock' | 'destinationIpv6CidrBlock' | 'destinationPrefixListId'>, checkpoint: () => void): Promise<void> {
    const table = await this.get(caller, routeTableId);
    const existing = await this.routeOf(table, spec);
    const named = spec.destinationCidrBlock ?? spec.destinationIpv6CidrBlock ?? spec.destinationPrefixListId;
    if (!named) throw ec2Error('MissingParameter', 'The request must contain the parameter destinationCidrBlock or destinationIpv6CidrBlock or destinationPrefixListId');
    if (!existing) throw ec2Error('InvalidRoute.NotFound', `no route with destination-cidr-block ${named} in route table ${routeTableId}`);
    if (existing.target_type === 'local') throw invalidParameterValue(`cannot remove local route ${existing.destination} in route table ${routeTableId}`);
    checkpoint();
    await this.store.vpc.routes.delete({ route_table_id: routeTableId, destination: existing.destination });
  }

  async associate(caller: Scope, routeTableId: string, target: { subnetId?: string; gatewayId?: string }, checkpoint: () => void): Promise<Row<'route_table_associations'>> {
    const table = await this.get(caller, routeTableId);
    if (Boolean(target.subnetId) === Boolean(target.gatewayId)) throw invalidParameterCombination('Exactly one of subnetId and gatewayId must be specified.');
    if (target.subnetId) {
      assertId('subnet', target.subnetId);
      const subnet = await this.store.vpc.subnets.get(caller, target.subnetId);
      if (!subnet) throw subnetNotFound(target.subnetId);
      if (subnet.vpc_id !== table.vpc_id) throw invalidParameterValue(`Route table ${routeTableId} and subnet ${target.subnetId} belong to different networks`);
    } else {
      assertId('igw', target.gatewayId!);
      const gateway = await this.store.vpc.internetGateways.get(caller, target.gatewayId!);
      if (!gateway) throw gatewayNotFound(target.gatewayId!);
      if (gateway.vpc_id !== table.vpc_id) throw invalidParameterValue(`route table ${routeTableId} and network gateway ${target.gatewayId} belong to different networks`);
    }
    const column = target.subnetId ? 'subnet_id' : 'gateway_id';
    const [existing] = await this.store.vpc.routeAssociations.where(caller, column, [target.subnetId ?? target.gatewayId!]);
    if (existing) throw ec2Error('Resource.AlreadyAssociated', `the specified association for route table ${routeTableId} conflicts with an existing association`);
    checkpoint();
    const row: Row<'route_table_associations'> = { association_id: newId('rtbassoc'), account_id: caller.accountId, region: caller.region, route_table_id: routeTableId, vpc_id: table.vpc_id, subnet_id: target.subnetId ?? null, gateway_id: target.gatewayId ?? null, main: 0 };
    await this.store.vpc.routeAssociations.insert([row]);
    return row;
  }

  private async association(caller: Scope, associationId: string): Promise<Row<'route_table_associations'>> {
    if (!isId('rtbassoc', associationId)) throw ec2Error('InvalidAssociationID.NotFound', `The association ID '${associationId}' does not exist`);
    const row = await this.store.vpc.routeAssociations.get(caller, associationId);
    if (!row) throw rtAssociationNotFound(associationId);
    return row;
  }

  async disassociate(caller: Scope, associationId: string, checkpoint: () => void): Promise<void> {
    const row = await this.association(caller, associationId);
    if (row.main) throw invalidParameterValue(`cannot disassociate the main route table association ${associationId}`);
    checkpoint();
    await this.store.vpc.routeAssociations.delete(caller, [associationId]);
  }

  /** ReplaceRouteTableAssociation: a new association id; the main one moves the VPC's main table. */
  async replaceAssociation(caller: Scope, associationId: string, routeTableId: string, checkpoint: () => void): Promise<string> {
    const row = await this.association(caller, associationId);
    const table = await this.get(caller, routeTableId);
    if (table.vpc_id !== row.vpc_id) throw invalidParameterValue(`Route table ${routeTableId} and association ${associationId} belong to different networks`);
    checkpoint();
    const replacement = { ...row, association_id: newId('rtbassoc'), route_table_id: routeTableId };
    await this.store.transaction(async (tx) => {
      await tx.vpc.routeAssociations.delete(caller, [associationId]);
      await tx.vpc.routeAssociations.insert([replacement]);
    });
    return replacement.association_id;
  }
}

const normalizeV4 = (text: string) => {
  const c = parseCidr(text);
  return c ? `${intToIp(c.base)}/${c.bits}` : text;
};
