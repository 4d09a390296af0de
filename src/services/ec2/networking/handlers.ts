// EC2 networking operations: security groups and their rules, and instances' network interfaces
// (the VPC family's are in vpc-handlers.ts).
import type { Filter, Operations, SecurityGroupRule } from '../../../api/ec2/types.js';
import type { HandlerMap, RequestContext } from '../../../protocol/dispatch.js';
import type { SecurityGroupRuleRow } from '../../../store/repos/security-groups.js';
import { dryRunCheckpoint } from '../dry-run.js';
import { compileFilters, type FilterSpec } from '../filters.js';
import { paginate, type PageRequest } from '../pagination.js';
import { tagsFromSpecs } from '../tags/tag-rules.js';
import type { NetworkService } from './network-service.js';
import { NETWORK_INTERFACE_FILTERS } from './network-filters.js';
import { legacyPermission, ruleOut } from './sg-permissions.js';

function page<T>(ctx: RequestContext, input: PageRequest & { Filters?: Filter[] }, items: T[], spec: FilterSpec<T> | undefined, keyOf: (item: T) => string, ids?: { name: string; list?: string[]; refuseWithMax?: boolean }) {
  const matching = (spec ? items.filter(compileFilters(input.Filters, spec)) : items).sort((a, b) => (keyOf(a) < keyOf(b) ? -1 : keyOf(a) > keyOf(b) ? 1 : 0));
  return paginate(matching, keyOf, input, {
    binding: [ctx.accountId, ctx.region, ctx.operation, input.Filters ?? [], ids?.list ?? []],
    idsParameter: ids?.name,
    hasIds: Boolean(ids?.refuseWithMax && ids.list?.length),
  });
}

export function networkHandlers(network: NetworkService): HandlerMap<Operations> {
  const groups = network.groups;
  const checkpoint = (ctx: RequestContext) => () => dryRunCheckpoint(ctx);
  const rulesOut = (rows: SecurityGroupRuleRow[], tags: { key: string; value: string }[]): SecurityGroupRule[] =>
    rows.map((r) => ruleOut(r, tags.map((t) => ({ Key: t.key, Value: t.value }))));
  const revokedOut = (rows: SecurityGroupRuleRow[]) =>
    rows.map((r) => {
      const { ReferencedGroupInfo, Tags: _tags, SecurityGroupRuleArn: _arn, GroupOwnerId: _owner, ...rest } = ruleOut(r);
      return { ...rest, ReferencedGroupId: ReferencedGroupInfo?.GroupId };
    });

  return {
    async DescribeSecurityGroups(ctx, input) {
      const all = await groups.describe(ctx, { ids: input.GroupIds, names: input.GroupNames, filters: input.Filters });
      const { page: SecurityGroups, nextToken } = page(ctx, input, all, undefined, (g) => g.GroupId!, { name: 'groupIds', list: input.GroupIds });
      return { SecurityGroups, NextToken: nextToken };
    },

    async DescribeSecurityGroupRules(ctx, input) {
      const all = await groups.describeRules(ctx, { ids: input.SecurityGroupRuleIds, filters: input.Filters });
      const { page: SecurityGroupRules, nextToken } = page(ctx, input, all, undefined, (r) => r.SecurityGroupRuleId!);
      return { SecurityGroupRules, NextToken: nextToken };
    },

    async CreateSecurityGroup(ctx, input) {
      const tags = tagsFromSpecs(input.TagSpecifications, ['security-group']).get('security-group') ?? [];
      const g = await groups.create(ctx, { name: input.GroupName, description: input.Description, vpcId: input.VpcId, tags }, checkpoint(ctx));
      return { GroupId: g.group_id, Tags: tags.map((t) => ({ Key: t.key, Value: t.value })), SecurityGroupArn: `arn:aws:ec2:${ctx.region}:${ctx.accountId}:security-group/${g.group_id}` };
    },

    async DeleteSecurityGroup(ctx, input) {
      const GroupId = await network.deleteGroup(ctx, { groupId: input.GroupId, groupName: input.GroupName }, checkpoint(ctx));
      return { Return: true, GroupId };
    },

    async AuthorizeSecurityGroupIngress(ctx, input) {
      const tags = tagsFromSpecs(input.TagSpecifications, ['security-group-rule']).get('security-group-rule') ?? [];
      const group = await groups.resolve(ctx, { groupId: input.GroupId, groupName: input.GroupName });
      const perms = input.IpPermissions?.length ? input.IpPermissions : [legacyPermission(input)].filter((p) => p !== undefined);
      const rows = await groups.authorize(ctx, group, false, perms, tags, checkpoint(ctx));
      return { Return: true, SecurityGroupRules: rulesOut(rows, tags) };
    },

    async AuthorizeSecurityGroupEgress(ctx, input) {
      const tags = tagsFromSpecs(input.TagSpecifications, ['security-group-rule']).get('security-group-rule') ?? [];
      const group = await groups.get(ctx, input.GroupId);
      const perms = input.IpPermissions?.length ? input.IpPermissions : [legacyPermission(input)].filter((p) => p !== undefined);
      const rows = await groups.authorize(ctx, group, true, perms, tags, checkpoint(ctx));
      return { Return: true, SecurityGroupRules: rulesOut(rows, tags) };
    },

    async RevokeSecurityGroupIngress(ctx, input) {
      const group = await groups.resolve(ctx, { groupId: input.GroupId, groupName: input.GroupName });
      const perms = input.IpPermissions?.length ? input.IpPermissions : [legacyPermission(input)].filter((p) => p !== undefined);
      const { revoked, unknown } = await groups.revoke(ctx, group, false, { perms, ruleIds: input.SecurityGroupRuleIds }, checkpoint(ctx));
      return { Return: true, UnknownIpPermissions: unknown.length ? unknown : undefined, RevokedSecurityGroupRules: revokedOut(revoked) };
    },

    async RevokeSecurityGroupEgress(ctx, input) {
      const group = await groups.get(ctx, input.GroupId);
      const perms = input.IpPermissions?.length ? input.IpPermissions : [legacyPermission(input)].filter((p) => p !== undefined);
      const { revoked, unknown } = await groups.revoke(ctx, group, true, { perms, ruleIds: input.SecurityGroupRuleIds }, checkpoint(ctx));
      return { Return: true, UnknownIpPermissions: unknown.length ? unknown : undefined, RevokedSecurityGroupRules: revokedOut(revoked) };
    },

    async DescribeNetworkInterfaces(ctx, input) {
      const all = await network.networkInterfaces(ctx, input.NetworkInterfaceIds);
      const { page: NetworkInterfaces, nextToken } = page(ctx, input, all, NETWORK_INTERFACE_FILTERS, (n) => n.NetworkInterfaceId!, {
        name: 'networkInterfaceIds',
        list: input.NetworkInterfaceIds,
        refuseWithMax: true,
      });
      return { NetworkInterfaces, NextToken: nextToken };
    },
  };
}
