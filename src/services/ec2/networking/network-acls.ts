// Network ACLs: each VPC's default ACL (every subnet is associated with it when created),
// custom ACLs that start denying everything (the `*` rules, 32767 and 32768 for IPv6), numbered
// entries per direction (1-32766), and ReplaceNetworkAclAssociation moving a subnet between the
// ACLs of its VPC. The default ACL cannot be deleted, nor an ACL a subnet uses.
import type { IcmpTypeCode, NetworkAcl, PortRange } from '../../../api/ec2/types.js';
import type { Scope } from '../../../store/scope.js';
import type { Store } from '../../../store/store.js';
import type { Row } from '../../../store/repos/vpc-family.js';
import { ec2Error, invalidParameterCombination, invalidParameterValue } from '../ec2-errors.js';
import { isId, newId } from '../resource-ids.js';
import { parseCidr } from './ipv4.js';
import { parseCidr6 } from './ipv6.js';
import { bool01, describePage, type DescribeRequest } from './network-describe.js';
import { ACL_FILTERS } from './network-filters.js';
import { aclNotFound, assertId, dependencyViolation } from './vpc-errors.js';
import { aclEntries } from './vpc-rows.js';
import type { VpcService } from './vpc-service.js';
import { aclView } from './vpc-views.js';

export interface AclEntrySpec {
  ruleNumber: number;
  protocol: string;
  ruleAction: string;
  egress: boolean;
  cidrBlock?: string;
  ipv6CidrBlock?: string;
  icmpTypeCode?: IcmpTypeCode;
  portRange?: PortRange;
}

const PROTOCOLS: Record<string, string> = { all: '-1', tcp: '6', udp: '17', icmp: '1', icmpv6: '58' };

export class NetworkAclService {
  constructor(
    private readonly store: Store,
    private readonly vpcs: VpcService,
  ) {}

  async get(caller: Scope, id: string): Promise<Row<'network_acls'>> {
    assertId('acl', id);
    await this.vpcs.ensure(caller);
    const row = await this.store.vpc.networkAcls.get(caller, id);
    if (!row) throw aclNotFound(id);
    return row;
  }

  async views(caller: Scope, rows: Row<'network_acls'>[]): Promise<NetworkAcl[]> {
    const ids = rows.map((r) => r.network_acl_id);
    const [entries, associations, tags] = await Promise.all([this.store.vpc.aclEntries.of(ids), this.store.vpc.aclAssociations.where(caller, 'network_acl_id', ids), this.store.tags.forResources(caller, ids)]);
    return rows.map((r) => aclView(r, entries.filter((e) => e.network_acl_id === r.network_acl_id), associations.filter((a) => a.network_acl_id === r.network_acl_id), tags.get(r.network_acl_id)));
  }

  async describe(caller: Scope, req: DescribeRequest): Promise<{ items: NetworkAcl[]; nextToken?: string }> {
    await this.vpcs.ensure(caller);
    return describePage(caller, req, {
      table: this.store.vpc.networkAcls,
      idOf: (r) => r.network_acl_id,
      sql: { 'network-acl-id': { column: 'network_acl_id' }, 'vpc-id': { column: 'vpc_id' }, default: { column: 'is_default', value: bool01 }, 'owner-id': { column: 'account_id' } },
      filters: ACL_FILTERS,
      notFound: aclNotFound,
      assertId: (id) => assertId('acl', id),
      views: (rows) => this.views(caller, rows),
    });
  }

  async create(caller: Scope, vpcId: string, tags: { key: string; value: string }[], checkpoint: () => void): Promise<NetworkAcl> {
    await this.vpcs.get(caller, vpcId);
    const ipv6 = (await this.vpcs.cidrBlocks(vpcId)).some((b) => b.ipv6);
    checkpoint();
    const row: Row<'network_acls'> = { network_acl_id: newId('acl'), account_id: caller.accountId, region: caller.region, vpc_id: vpcId, is_default: 0, created_at: new Date().toISOString() };
    await this.store.transaction(async (tx) => {
      await tx.vpc.networkAcls.insert([row]);
      await tx.vpc.aclEntries.insert(aclEntries(row.network_acl_id, ipv6, false));
      await tx.tags.put(caller, tags.map((t) => ({ resourceId: row.network_acl_id, resourceType: 'network-acl', ...t })));
    });
    return (await this.views(caller, [row]))[0];
  }

  async delete(caller: Scope, aclId: string, checkpoint: () => void): Promise<void> {
    const acl = await this.get(caller, aclId);
    if (acl.is_default) throw invalidParameterValue(`cannot delete default network ACL ${aclId}`);
    const associations = await this.store.vpc.aclAssociations.where(caller, 'network_acl_id', [aclId]);
    if (associations.length) throw dependencyViolation(`The network ACL '${aclId}' has dependencies and cannot be deleted.`);
    checkpoint();
    await this.store.transaction(async (tx) => {
      await tx.vpc.aclEntries.deleteOf([aclId]);
      await tx.vpc.networkAcls.delete(caller, [aclId]);
      await tx.tags.deleteResource(aclId);
    });
  }

  private entryRow(aclId: string, e: AclEntrySpec): Row<'network_acl_entries'> {
    if (!Number.isInteger(e.ruleNumber) || e.ruleNumber < 1 || e.ruleNumber > 32766) throw invalidParameterValue(`Value (${e.ruleNumber}) for parameter ruleNumber is invalid. Rule number must be between 1 and 32766.`);
    const protocol = PROTOCOLS[e.protocol.toLowerCase()] ?? e.protocol;
    if (!/^(-1|\d{1,3})$/.test(protocol) || Number(protocol) > 255) throw invalidParameterValue(`Value (${e.protocol}) for parameter protocol is invalid.`);
    if (!['allow', 'deny'].includes(e.ruleAction)) throw invalidParameterValue(`Value (${e.ruleAction}) for parameter ruleAction is invalid.`);
    if (Boolean(e.cidrBlock) === Boolean(e.ipv6CidrBlock)) throw invalidParameterCombination('Exactly one of cidrBlock and ipv6CidrBlock must be specified.');
    if (e.cidrBlock && !parseCidr(e.cidrBlock)) throw invalidParameterValue(`Value (${e.cidrBlock}) for parameter cidrBlock is invalid. This is not a valid CIDR block.`);
    if (e.ipv6CidrBlock && !parseCidr6(e.ipv6CidrBlock)) throw invalidParameterValue(`Value (${e.ipv6CidrBlock}) for parameter ipv6CidrBlock is invalid. This is not a valid IPv6 CIDR block.`);
    const ports = protocol === '6' || protocol === '17';
    if (ports && (e.portRange?.From === undefined || e.portRange?.To === undefined)) throw ec2Error('MissingParameter', 'The request must contain the parameter portRange');
    if ((protocol === '1' || protocol === '58') && e.icmpTypeCode?.Type === undefined) throw ec2Error('MissingParameter', 'The request must contain the parameter icmpTypeCode');
    return {
      network_acl_id: aclId,
      egress: e.egress ? 1 : 0,
      rule_number: e.ruleNumber,
      protocol,
      rule_action: e.ruleAction,
      cidr_block: e.cidrBlock ?? null,
      ipv6_cidr_block: e.ipv6CidrBlock ?? null,
      icmp_type: protocol === '1' || protocol === '58' ? (e.icmpTypeCode?.Type ?? null) : null,
      icmp_code: protocol === '1' || protocol === '58' ? (e.icmpTypeCode?.Code ?? null) : null,
      port_from: ports ? e.portRange!.From! : null,
      port_to: ports ? e.portRange!.To! : null,
    };
  }

  private async entry(aclId: string, egress: boolean, ruleNumber: number): Promise<Row<'network_acl_entries'> | undefined> {
    return (await this.store.vpc.aclEntries.of([aclId])).find((x) => x.egress === (egress ? 1 : 0) && x.rule_number === ruleNumber);
  }

  async createEntry(caller: Scope, aclId: string, e: AclEntrySpec, checkpoint: () => void): Promise<void> {
    await this.get(caller, aclId);
    const row = this.entryRow(aclId, e);
    if (await this.entry(aclId, e.egress, e.ruleNumber)) throw ec2Error('NetworkAclEntryAlreadyExists', `The network acl entry identified by ${e.ruleNumber} already exists.`);
    checkpoint();
    await this.store.vpc.aclEntries.insert([row]);
  }

  async replaceEntry(caller: Scope, aclId: string, e: AclEntrySpec, checkpoint: () => void): Promise<void> {
    await this.get(caller, aclId);
    const row = this.entryRow(aclId, e);
    if (!(await this.entry(aclId, e.egress, e.ruleNumber))) throw ec2Error('InvalidNetworkAclEntry.NotFound', `The specified rule does not exist in this network acl.`);
    checkpoint();
    await this.store.transaction(async (tx) => {
      await tx.vpc.aclEntries.delete({ network_acl_id: aclId, egress: row.egress, rule_number: row.rule_number });
      await tx.vpc.aclEntries.insert([row]);
    });
  }

  async deleteEntry(caller: Scope, aclId: string, egress: boolean, ruleNumber: number, checkpoint: () => void): Promise<void> {
    await this.get(caller, aclId);
    if (ruleNumber > 32766 || !(await this.entry(aclId, egress, ruleNumber))) throw ec2Error('InvalidNetworkAclEntry.NotFound', `The specified rule does not exist in this network acl.`);
    checkpoint();
    await this.store.vpc.aclEntries.delete({ network_acl_id: aclId, egress: egress ? 1 : 0, rule_number: ruleNumber });
  }

  /** ReplaceNetworkAclAssociation: the subnet moves to another ACL of its VPC, under a new association id. */
  async replaceAssociation(caller: Scope, associationId: string, aclId: string, checkpoint: () => void): Promise<string> {
    if (!isId('aclassoc', associationId)) throw ec2Error('InvalidAssociationID.NotFound', `The association ID '${associationId}' does not exist`);
    const association = await this.store.vpc.aclAssociations.get(caller, associationId);
    if (!association) throw ec2Error('InvalidAssociationID.NotFound', `The association ID '${associationId}' does not exist`);
    const acl = await this.get(caller, aclId);
    const subnet = await this.store.vpc.subnets.get(caller, association.subnet_id);
    if (subnet && subnet.vpc_id !== acl.vpc_id) throw invalidParameterValue(`Network ACL ${aclId} and subnet ${association.subnet_id} belong to different networks`);
    checkpoint();
    const replacement = { ...association, association_id: newId('aclassoc'), network_acl_id: aclId };
    await this.store.transaction(async (tx) => {
      await tx.vpc.aclAssociations.delete(caller, [associationId]);
      await tx.vpc.aclAssociations.insert([replacement]);
    });
    return replacement.association_id;
  }
}
