// DHCP options sets: created from key/values (AWS's five keys), associated with VPCs by
// AssociateDhcpOptions (`default` = none), deleted only when no VPC uses them.
import type { DhcpOptions } from '../../../api/ec2/types.js';
import type { Scope } from '../../../store/scope.js';
import type { Store } from '../../../store/store.js';
import type { Row } from '../../../store/repos/vpc-family.js';
import { invalidParameterValue, missingParameter } from '../ec2-errors.js';
import { newId } from '../resource-ids.js';
import { describePage, type DescribeRequest } from './network-describe.js';
import { DHCP_FILTERS } from './network-filters.js';
import { assertId, dependencyViolation, dhcpNotFound } from './vpc-errors.js';
import type { VpcService } from './vpc-service.js';
import { dhcpView } from './vpc-views.js';

const KEYS = ['domain-name', 'domain-name-servers', 'ntp-servers', 'netbios-name-servers', 'netbios-node-type', 'ipv6-address-preferred-lease-time'];

export class DhcpOptionsService {
  constructor(
    private readonly store: Store,
    private readonly vpcs: VpcService,
  ) {}

  async get(caller: Scope, id: string): Promise<Row<'dhcp_options'>> {
    assertId('dopt', id);
    await this.vpcs.ensure(caller);
    const row = await this.store.vpc.dhcpOptions.get(caller, id);
    if (!row) throw dhcpNotFound(id);
    return row;
  }

  async views(caller: Scope, rows: Row<'dhcp_options'>[]): Promise<DhcpOptions[]> {
    const tags = await this.store.tags.forResources(caller, rows.map((r) => r.dhcp_options_id));
    return rows.map((r) => dhcpView(r, tags.get(r.dhcp_options_id)));
  }

  async describe(caller: Scope, req: DescribeRequest): Promise<{ items: DhcpOptions[]; nextToken?: string }> {
    await this.vpcs.ensure(caller);
    return describePage(caller, req, {
      table: this.store.vpc.dhcpOptions,
      idOf: (r) => r.dhcp_options_id,
      sql: { 'dhcp-options-id': { column: 'dhcp_options_id' }, 'owner-id': { column: 'account_id' } },
      filters: DHCP_FILTERS,
      notFound: dhcpNotFound,
      assertId: (id) => assertId('dopt', id),
      views: (rows) => this.views(caller, rows),
    });
  }

  async create(caller: Scope, configurations: { key?: string; values?: string[] }[], tags: { key: string; value: string }[], checkpoint: () => void): Promise<DhcpOptions> {
    if (configurations.length === 0) throw missingParameter('DhcpConfiguration');
    const seen = new Set<string>();
    const out: { key: string; values: string[] }[] = [];
    for (const c of configurations) {
      if (!c.key || !KEYS.includes(c.key)) throw invalidParameterValue(`Value (${c.key ?? ''}) for parameter name is invalid. Unrecognized DHCP option name`);
      if (seen.has(c.key)) throw invalidParameterValue(`Value (${c.key}) for parameter name is invalid. Duplicate DHCP option name`);
      seen.add(c.key);
      if (!c.values?.length) throw invalidParameterValue(`Value for parameter ${c.key} is invalid. No values specified`);
      if (c.key === 'netbios-node-type' && !['1', '2', '4', '8'].includes(c.values[0])) throw invalidParameterValue(`Value (${c.values[0]}) for parameter value is invalid. Invalid netbios-node-type`);
      out.push({ key: c.key, values: c.values });
    }
    await this.vpcs.ensure(caller);
    checkpoint();
    const row: Row<'dhcp_options'> = { dhcp_options_id: newId('dopt'), account_id: caller.accountId, region: caller.region, configurations: JSON.stringify(out), created_at: new Date().toISOString() };
    await this.store.transaction(async (tx) => {
      await tx.vpc.dhcpOptions.insert([row]);
      await tx.tags.put(caller, tags.map((t) => ({ resourceId: row.dhcp_options_id, resourceType: 'dhcp-options', ...t })));
    });
    return (await this.views(caller, [row]))[0];
  }

  /** AssociateDhcpOptions: a set, or `default` for none. */
  async associate(caller: Scope, dhcpOptionsId: string, vpcId: string, checkpoint: () => void): Promise<void> {
    await this.vpcs.get(caller, vpcId);
    if (dhcpOptionsId !== 'default') await this.get(caller, dhcpOptionsId);
    checkpoint();
    await this.store.vpc.vpcs.update(caller, vpcId, { dhcp_options_id: dhcpOptionsId });
  }

  async delete(caller: Scope, dhcpOptionsId: string, checkpoint: () => void): Promise<void> {
    await this.get(caller, dhcpOptionsId);
    const [user] = await this.store.vpc.vpcs.where(caller, 'dhcp_options_id', [dhcpOptionsId]);
    if (user) throw dependencyViolation(`The dhcpOptions '${dhcpOptionsId}' has dependencies and cannot be deleted.`);
    checkpoint();
    await this.store.transaction(async (tx) => {
      await tx.vpc.dhcpOptions.delete(caller, [dhcpOptionsId]);
      await tx.tags.deleteResource(dhcpOptionsId);
    });
  }
}
