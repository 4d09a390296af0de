// Security groups. Enforced where packets exist: the ingress rules decide which ports of a
// running VM are forwarded from its public address (loopback-ingress.ts), and rule changes
// reach running instances at once (onRulesChanged). Every VPC has a `default`
// group that cannot be deleted, allowing all traffic from itself and all outbound traffic; it
// is written with its VPC (vpc-rows.ts). New groups start with the allow-all egress rule, as on AWS.
import type { Filter, IpPermission, SecurityGroup, SecurityGroupRule, Tag } from '../../../api/ec2/types.js';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { SecurityGroupRow, SecurityGroupRuleRow } from '../../../store/repos/security-groups.js';
import { ec2Error, invalidParameterValue, missingParameter } from '../ec2-errors.js';
import { compileFilters } from '../filters.js';
import { isId, newId } from '../resource-ids.js';
import type { Taggable } from '../tags/taggable.js';
import type { VpcService } from './vpc-service.js';
import { describeRule, permissionsOut, ruleOut, sameRule, specsFromPermissions, type Peer, type RuleSpec } from './sg-permissions.js';

export const groupNotFound = (id: string) => ec2Error('InvalidGroup.NotFound', `The security group '${id}' does not exist`);
const groupNameNotFound = (name: string, vpcId: string) => ec2Error('InvalidGroup.NotFound', `The security group '${name}' does not exist in default VPC '${vpcId}'`);
const noDefaultVpc = () => ec2Error('VPCIdNotSpecified', 'No default VPC for this user');

export function assertGroupId(id: string): void {
  if (!isId('sg', id)) throw ec2Error('InvalidGroupId.Malformed', `Invalid id: "${id}" (expecting "sg-...")`);
}

const ALL_EGRESS: RuleSpec = { ip_protocol: '-1', from_port: null, to_port: null, cidr_ipv4: '0.0.0.0/0', cidr_ipv6: null, prefix_list_id: null, referenced_group_id: null, referenced_account_id: null, description: null };

/** A group reference: GroupId, or GroupName in the default VPC. */
export interface GroupRef {
  groupId?: string;
  groupName?: string;
}

/** Told after rules change, with the groups whose rules did (so running VMs re-apply them). */
export type RulesChanged = (caller: Scope, groupIds: string[]) => Promise<void>;

export class SecurityGroupService {
  readonly taggables: Taggable[];
  private readonly rulesChanged: RulesChanged[] = [];

  constructor(
    private readonly store: Store,
    private readonly vpcs: VpcService,
  ) {
    this.taggables = [
      {
        prefix: 'sg',
        resourceType: 'security-group',
        visible: async (caller, id) => Boolean(await this.find(caller, id)),
        notFound: groupNotFound,
      },
      {
        prefix: 'sgr',
        resourceType: 'security-group-rule',
        visible: async (caller, id) => (await store.securityGroups.rules(caller)).some((r) => r.rule_id === id),
        notFound: (id) => ec2Error('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${id}' does not exist`),
      },
    ];
  }

  private rule(caller: Scope, groupId: string, egress: boolean, spec: RuleSpec, ruleId = newId('sgr'), position = 0): SecurityGroupRuleRow {
    return { ...spec, rule_id: ruleId, group_id: groupId, account_id: caller.accountId, region: caller.region, is_egress: egress ? 1 : 0, created_at: new Date().toISOString(), position };
  }

  onRulesChanged(listener: RulesChanged): void {
    this.rulesChanged.push(listener);
  }

  /** Instances' groups changed outside the rules (an interface's groups): their users re-apply them. */
  async notifyUsers(caller: Scope, groupIds: string[]): Promise<void> {
    for (const listener of this.rulesChanged) await listener(caller, groupIds);
  }

  private async changed(caller: Scope, groupId: string): Promise<void> {
    for (const listener of this.rulesChanged) await listener(caller, [groupId]);
  }

  /** Writes the account's default network here (and so the default VPC's `default` group) the first time anything needs it. */
  ensureDefault(caller: Scope): Promise<void> {
    return this.vpcs.ensure(caller);
  }

  /** The `default` group of a VPC. */
  async defaultOf(caller: Scope, vpcId: string): Promise<string> {
    await this.ensureDefault(caller);
    const row = await this.store.securityGroups.byName(caller, vpcId, 'default');
    if (!row) throw groupNameNotFound('default', vpcId);
    return row.group_id;
  }

  private async find(caller: Scope, groupId: string): Promise<SecurityGroupRow | undefined> {
    await this.ensureDefault(caller);
    const row = await this.store.securityGroups.get(groupId);
    return row && row.account_id === caller.accountId && row.region === caller.region ? row : undefined;
  }

  async get(caller: Scope, groupId: string): Promise<SecurityGroupRow> {
    assertGroupId(groupId);
    const row = await this.find(caller, groupId);
    if (!row) throw groupNotFound(groupId);
    return row;
  }

  /** GroupId, or GroupName in the default VPC (or the given one: names are per VPC). */
  async resolve(caller: Scope, ref: GroupRef, inVpc?: string): Promise<SecurityGroupRow> {
    if (ref.groupId !== undefined) return this.get(caller, ref.groupId);
    if (ref.groupName === undefined) throw missingParameter('GroupId');
    const vpcId = inVpc ?? (await this.vpcs.defaultVpcId(caller));
    if (!vpcId) throw noDefaultVpc();
    const row = await this.store.securityGroups.byName(caller, vpcId, ref.groupName);
    if (!row) throw groupNameNotFound(ref.groupName, vpcId);
    return row;
  }

  async create(caller: Scope, req: { name: string; description: string; vpcId?: string; tags: { key: string; value: string }[] }, checkpoint: () => void): Promise<SecurityGroupRow> {
    // an empty VpcId is no VpcId: Packer sends `VpcId=` when its template names no VPC, and AWS
    // creates the group in the default VPC
    const vpcId = req.vpcId || (await this.vpcs.defaultVpcId(caller));
    if (!vpcId) throw noDefaultVpc();
    await this.vpcs.get(caller, vpcId);
    if (req.name.length === 0 || req.name.length > 255) throw invalidParameterValue('Group name must be between 1 and 255 characters long.');
    if (req.name.toLowerCase().startsWith('sg-')) throw invalidParameterValue('Group names may not be in the format sg-*.');
    if (req.name === 'default') throw invalidParameterValue('Cannot use reserved security group name: default');
    if (req.description.length > 255) throw invalidParameterValue('Group description must be at most 255 characters long.');
    if (!/^[a-zA-Z0-9. _\-:/()#,@[\]+=&;{}!$*]*$/.test(req.description)) {
      throw invalidParameterValue(`Value (${req.description}) for parameter GroupDescription is invalid. Character sets beyond ASCII are not supported.`);
    }
    await this.ensureDefault(caller);
    const taken = await this.store.securityGroups.byName(caller, vpcId, req.name);
    if (taken) throw ec2Error('InvalidGroup.Duplicate', `The security group '${req.name}' already exists for VPC '${vpcId}'`);
    checkpoint();
    const groupId = newId('sg');
    const row: SecurityGroupRow = { group_id: groupId, account_id: caller.accountId, region: caller.region, vpc_id: vpcId, group_name: req.name, description: req.description, created_at: new Date().toISOString() };
    await this.store.transaction(async (tx) => {
      if (!(await tx.securityGroups.insert(row, [this.rule(caller, groupId, true, ALL_EGRESS)]))) {
        throw ec2Error('InvalidGroup.Duplicate', `The security group '${req.name}' already exists for VPC '${vpcId}'`);
      }
      await tx.tags.put(caller, req.tags.map((t) => ({ resourceId: groupId, resourceType: 'security-group', ...t })));
    });
    return row;
  }

  /** DeleteSecurityGroup: not the default group, not while instances or other groups' rules use it. */
  async delete(caller: Scope, ref: GroupRef, inUse: (groupId: string) => Promise<string | undefined>, checkpoint: () => void): Promise<string> {
    const group = await this.resolve(caller, ref);
    if (group.group_name === 'default') {
      throw ec2Error('CannotDelete', `the specified group: "${group.group_id}" name: "default" cannot be deleted by a user`);
    }
    const user = (await inUse(group.group_id)) ?? (await this.store.securityGroups.referencing(group.group_id))[0]?.group_id;
    if (user) throw ec2Error('DependencyViolation', `resource ${group.group_id} has a dependent object`);
    checkpoint();
    await this.store.transaction(async (tx) => {
      await tx.securityGroups.delete(group.group_id);
      await tx.tags.deleteResource(group.group_id);
    });
    return group.group_id;
  }

  private peer(caller: Scope) {
    return async (pair: { GroupId?: string; GroupName?: string; UserId?: string }): Promise<Peer> => {
      if (pair.UserId !== undefined && pair.UserId !== caller.accountId) {
        // another account's group: AWS takes the reference as given
        if (!pair.GroupId) throw invalidParameterValue('A group in another account must be named by GroupId.');
        assertGroupId(pair.GroupId);
        return { groupId: pair.GroupId, accountId: pair.UserId };
      }
      const g = await this.resolve(caller, { groupId: pair.GroupId, groupName: pair.GroupName });
      return { groupId: g.group_id, accountId: g.account_id };
    };
  }

  /** Authorize*: every requested rule must be new (InvalidPermission.Duplicate otherwise). */
  async authorize(caller: Scope, group: SecurityGroupRow, egress: boolean, perms: readonly IpPermission[], tags: { key: string; value: string }[], checkpoint: () => void): Promise<SecurityGroupRuleRow[]> {
    if (perms.length === 0) throw missingParameter('IpPermissions');
    const specs = await specsFromPermissions(perms, this.peer(caller));
    const existing = (await this.store.securityGroups.rules(caller, [group.group_id])).filter((r) => Boolean(r.is_egress) === egress);
    for (const [i, s] of specs.entries()) {
      if (existing.some((r) => sameRule(r, s)) || specs.slice(0, i).some((o) => sameRule(o, s))) {
        throw ec2Error('InvalidPermission.Duplicate', `the specified rule "${describeRule(s)}" already exists`);
      }
    }
    checkpoint();
    const rows = specs.map((s, i) => this.rule(caller, group.group_id, egress, s, newId('sgr'), i));
    await this.store.transaction(async (tx) => {
      await tx.securityGroups.addRules(rows);
      await tx.tags.put(caller, rows.flatMap((r) => tags.map((t) => ({ resourceId: r.rule_id, resourceType: 'security-group-rule', ...t }))));
    });
    await this.changed(caller, group.group_id);
    return rows;
  }

  /**
   * Revoke*: by rule ids (each must exist in the group), or by permissions — rules that match
   * nothing come back as unknown, as AWS answers in a VPC.
   */
  async revoke(caller: Scope, group: SecurityGroupRow, egress: boolean, req: { perms?: readonly IpPermission[]; ruleIds?: readonly string[] }, checkpoint: () => void): Promise<{ revoked: SecurityGroupRuleRow[]; unknown: IpPermission[] }> {
    const existing = (await this.store.securityGroups.rules(caller, [group.group_id])).filter((r) => Boolean(r.is_egress) === egress);
    let revoked: SecurityGroupRuleRow[];
    const unknown: IpPermission[] = [];
    if (req.ruleIds?.length) {
      revoked = req.ruleIds.map((id) => {
        const r = existing.find((e) => e.rule_id === id);
        if (!r) throw ec2Error('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${id}' does not exist`);
        return r;
      });
    } else {
      if (!req.perms?.length) throw missingParameter('IpPermissions');
      revoked = [];
      for (const perm of req.perms) {
        const specs = await specsFromPermissions([perm], this.peer(caller));
        const matches = specs.map((s) => existing.find((r) => sameRule(r, s)));
        if (matches.some((m) => !m)) unknown.push(perm);
        for (const m of matches) if (m && !revoked.includes(m)) revoked.push(m);
      }
    }
    checkpoint();
    await this.store.transaction(async (tx) => {
      await tx.securityGroups.deleteRules(revoked.map((r) => r.rule_id));
      for (const r of revoked) await tx.tags.deleteResource(r.rule_id);
    });
    if (revoked.length) await this.changed(caller, group.group_id);
    return { revoked, unknown };
  }

  async describe(caller: Scope, req: { ids?: string[]; names?: string[]; filters?: Filter[] }): Promise<SecurityGroup[]> {
    await this.ensureDefault(caller);
    let groups = await this.store.securityGroups.list(caller);
    if (req.ids?.length || req.names?.length) {
      const wanted = new Set<string>();
      for (const id of req.ids ?? []) wanted.add((await this.get(caller, id)).group_id);
      for (const name of req.names ?? []) wanted.add((await this.resolve(caller, { groupName: name })).group_id);
      groups = groups.filter((g) => wanted.has(g.group_id));
    }
    const rules = await this.store.securityGroups.rules(caller, groups.map((g) => g.group_id));
    const tags = await this.store.tags.forResources(caller, groups.map((g) => g.group_id));
    const out = groups.map((g) => groupOut(g, rules.filter((r) => r.group_id === g.group_id), tags.get(g.group_id)));
    return out.filter(compileFilters(req.filters, GROUP_FILTERS));
  }

  async describeRules(caller: Scope, req: { ids?: string[]; filters?: Filter[] }): Promise<SecurityGroupRule[]> {
    await this.ensureDefault(caller);
    let rules = await this.store.securityGroups.rules(caller);
    if (req.ids?.length) {
      const byId = new Map(rules.map((r) => [r.rule_id, r]));
      rules = req.ids.map((id) => {
        const r = byId.get(id);
        if (!r) throw ec2Error('InvalidSecurityGroupRuleId.NotFound', `The security group rule ID '${id}' does not exist`);
        return r;
      });
    }
    const tags = await this.store.tags.forResources(caller, rules.map((r) => r.rule_id));
    const out = rules.map((r) => ruleOut(r, tags.get(r.rule_id)));
    return out.filter(
      compileFilters(req.filters, {
        fields: { 'group-id': (r: SecurityGroupRule) => r.GroupId, 'security-group-rule-id': (r) => r.SecurityGroupRuleId },
        tags: (r) => r.Tags,
      }),
    );
  }

  /** Group ids and names of a list of ids (instances' groupSet). */
  async names(caller: Scope, ids: readonly string[]): Promise<Map<string, string>> {
    const rows = await this.store.securityGroups.list(caller);
    return new Map(rows.filter((r) => ids.includes(r.group_id)).map((r) => [r.group_id, r.group_name]));
  }
}

export function groupOut(g: SecurityGroupRow, rules: SecurityGroupRuleRow[], tags: Tag[] = []): SecurityGroup {
  return {
    GroupId: g.group_id,
    GroupName: g.group_name,
    Description: g.description,
    OwnerId: g.account_id,
    VpcId: g.vpc_id,
    IpPermissions: permissionsOut(rules.filter((r) => !r.is_egress)),
    IpPermissionsEgress: permissionsOut(rules.filter((r) => r.is_egress)),
    Tags: tags,
    SecurityGroupArn: `arn:aws:ec2:${g.region}:${g.account_id}:security-group/${g.group_id}`,
  };
}

const each = <T>(list: IpPermission[] | undefined, pick: (p: IpPermission) => T[]) => (list ?? []).flatMap(pick);

function permissionFilters(prefix: string, perms: (g: SecurityGroup) => IpPermission[] | undefined) {
  return {
    [`${prefix}.cidr`]: (g: SecurityGroup) => each(perms(g), (p) => (p.IpRanges ?? []).map((r) => r.CidrIp)),
    [`${prefix}.from-port`]: (g: SecurityGroup) => each(perms(g), (p) => [p.FromPort]),
    [`${prefix}.to-port`]: (g: SecurityGroup) => each(perms(g), (p) => [p.ToPort]),
    [`${prefix}.group-id`]: (g: SecurityGroup) => each(perms(g), (p) => (p.UserIdGroupPairs ?? []).map((u) => u.GroupId)),
    [`${prefix}.group-name`]: (g: SecurityGroup) => each(perms(g), (p) => (p.UserIdGroupPairs ?? []).map((u) => u.GroupName)),
    [`${prefix}.ipv6-cidr`]: (g: SecurityGroup) => each(perms(g), (p) => (p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)),
    [`${prefix}.prefix-list-id`]: (g: SecurityGroup) => each(perms(g), (p) => (p.PrefixListIds ?? []).map((r) => r.PrefixListId)),
    [`${prefix}.protocol`]: (g: SecurityGroup) => each(perms(g), (p) => [p.IpProtocol]),
    [`${prefix}.user-id`]: (g: SecurityGroup) => each(perms(g), (p) => (p.UserIdGroupPairs ?? []).map((u) => u.UserId)),
  };
}

const GROUP_FILTERS = {
  fields: {
    description: (g: SecurityGroup) => g.Description,
    'group-id': (g: SecurityGroup) => g.GroupId,
    'group-name': (g: SecurityGroup) => g.GroupName,
    'owner-id': (g: SecurityGroup) => g.OwnerId,
    'vpc-id': (g: SecurityGroup) => g.VpcId,
    ...permissionFilters('ip-permission', (g) => g.IpPermissions),
    ...permissionFilters('egress.ip-permission', (g) => g.IpPermissionsEgress),
  },
  tags: (g: SecurityGroup) => g.Tags,
};
