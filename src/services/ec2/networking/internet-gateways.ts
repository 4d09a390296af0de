// Internet gateways: created detached, attached to one VPC at a time (a VPC takes one:
// Resource.AlreadyAssociated), detached only from the VPC they are on (Gateway.NotAttached) and
// while no Elastic IP is mapped in it (DependencyViolation), deleted only when detached.
import type { InternetGateway } from '../../../api/ec2/types.js';
import type { Scope } from '../../../store/scope.js';
import type { Store } from '../../../store/store.js';
import type { Row } from '../../../store/repos/vpc-family.js';
import { isUniqueViolation } from '../../../store/dialects/dialect.js';
import { ec2Error } from '../ec2-errors.js';
import { newId } from '../resource-ids.js';
import { describePage, type DescribeRequest } from './network-describe.js';
import { GATEWAY_FILTERS } from './network-filters.js';
import { assertId, dependencyViolation, gatewayNotFound } from './vpc-errors.js';
import type { VpcService } from './vpc-service.js';
import { gatewayView } from './vpc-views.js';

export class InternetGatewayService {
  constructor(
    private readonly store: Store,
    private readonly vpcs: VpcService,
  ) {}

  async get(caller: Scope, id: string): Promise<Row<'internet_gateways'>> {
    assertId('igw', id);
    await this.vpcs.ensure(caller);
    const row = await this.store.vpc.internetGateways.get(caller, id);
    if (!row) throw gatewayNotFound(id);
    return row;
  }

  async views(caller: Scope, rows: Row<'internet_gateways'>[]): Promise<InternetGateway[]> {
    const tags = await this.store.tags.forResources(caller, rows.map((r) => r.gateway_id));
    return rows.map((r) => gatewayView(r, tags.get(r.gateway_id)));
  }

  async describe(caller: Scope, req: DescribeRequest): Promise<{ items: InternetGateway[]; nextToken?: string }> {
    await this.vpcs.ensure(caller);
    return describePage(caller, req, {
      table: this.store.vpc.internetGateways,
      idOf: (r) => r.gateway_id,
      sql: { 'internet-gateway-id': { column: 'gateway_id' }, 'attachment.vpc-id': { column: 'vpc_id' }, 'owner-id': { column: 'account_id' } },
      filters: GATEWAY_FILTERS,
      notFound: gatewayNotFound,
      assertId: (id) => assertId('igw', id),
      views: (rows) => this.views(caller, rows),
    });
  }

  async create(caller: Scope, tags: { key: string; value: string }[], checkpoint: () => void): Promise<InternetGateway> {
    await this.vpcs.ensure(caller);
    checkpoint();
    const row: Row<'internet_gateways'> = { gateway_id: newId('igw'), account_id: caller.accountId, region: caller.region, vpc_id: null, created_at: new Date().toISOString() };
    await this.store.transaction(async (tx) => {
      await tx.vpc.internetGateways.insert([row]);
      await tx.tags.put(caller, tags.map((t) => ({ resourceId: row.gateway_id, resourceType: 'internet-gateway', ...t })));
    });
    return (await this.views(caller, [row]))[0];
  }

  async attach(caller: Scope, gatewayId: string, vpcId: string, checkpoint: () => void): Promise<void> {
    const gateway = await this.get(caller, gatewayId);
    await this.vpcs.get(caller, vpcId);
    if (gateway.vpc_id) throw ec2Error('Resource.AlreadyAssociated', `resource ${gatewayId} is already attached to network ${gateway.vpc_id}`);
    const [other] = await this.store.vpc.internetGateways.where(caller, 'vpc_id', [vpcId]);
    if (other) throw ec2Error('Resource.AlreadyAssociated', `resource ${vpcId} is already attached to network ${other.gateway_id}`);
    checkpoint();
    try {
      await this.store.vpc.internetGateways.update(caller, gatewayId, { vpc_id: vpcId });
    } catch (e) {
      if (isUniqueViolation(e)) throw ec2Error('Resource.AlreadyAssociated', `resource ${vpcId} already has an internet gateway attached`);
      throw e;
    }
  }

  async detach(caller: Scope, gatewayId: string, vpcId: string, checkpoint: () => void): Promise<void> {
    const gateway = await this.get(caller, gatewayId);
    await this.vpcs.get(caller, vpcId);
    if (gateway.vpc_id !== vpcId) throw ec2Error('Gateway.NotAttached', `resource ${gatewayId} is not attached to network ${vpcId}`);
    if (await this.mappedAddresses(caller, vpcId)) {
      throw dependencyViolation(`Network ${vpcId} has some mapped public address(es). Please unmap those public address(es) before detaching the gateway.`);
    }
    checkpoint();
    await this.store.vpc.internetGateways.update(caller, gatewayId, { vpc_id: null });
  }

  /** Whether an Elastic IP is associated with an instance or NAT gateway of the VPC (DetachInternetGateway refuses then). */
  private async mappedAddresses(caller: Scope, vpcId: string): Promise<boolean> {
    const mapped = (await this.store.vpc.elasticIps.list(caller)).filter((e) => e.association_id);
    if (mapped.length === 0) return false;
    const instances = await this.store.instances.getMany(mapped.flatMap((e) => (e.instance_id ? [e.instance_id] : [])));
    const natInterfaces = new Set((await this.store.vpc.natGateways.where(caller, 'vpc_id', [vpcId])).map((n) => n.eni_id));
    return instances.some((i) => i.vpc_id === vpcId) || mapped.some((e) => e.eni_id && natInterfaces.has(e.eni_id));
  }

  async delete(caller: Scope, gatewayId: string, checkpoint: () => void): Promise<void> {
    const gateway = await this.get(caller, gatewayId);
    if (gateway.vpc_id) throw dependencyViolation(`The internetGateway '${gatewayId}' has dependencies and cannot be deleted.`);
    checkpoint();
    await this.store.transaction(async (tx) => {
      await tx.vpc.internetGateways.delete(caller, [gatewayId]);
      await tx.tags.deleteResource(gatewayId);
    });
  }
}
