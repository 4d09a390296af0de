// Security group rules: IpPermission structures in (one rule per source: a CIDR, an IPv6 CIDR,
// a prefix list or a peer group), rule rows out as IpPermissions (grouped by protocol and port
// range, as DescribeSecurityGroups shows them) and as SecurityGroupRules.
import type { IpPermission, SecurityGroupRule, Tag } from '../../../api/ec2/types.js';
import type { SecurityGroupRuleRow } from '../../../store/repos/security-groups.js';
import { invalidParameterValue } from '../ec2-errors.js';
import { parseCidr } from './ipv4.js';

export type RuleSpec = Pick<
  SecurityGroupRuleRow,
  'ip_protocol' | 'from_port' | 'to_port' | 'cidr_ipv4' | 'cidr_ipv6' | 'prefix_list_id' | 'referenced_group_id' | 'referenced_account_id' | 'description'
>;

const NAMES: Record<string, string> = { '6': 'tcp', '17': 'udp', '1': 'icmp', '58': 'icmpv6', all: '-1' };

/** `tcp`, `udp`, `icmp`, `icmpv6`, `-1` (all) or another protocol number (0-255). */
export function normalizeProtocol(value: string | undefined): string {
  const p = (value ?? '').toLowerCase();
  const named = NAMES[p] ?? p;
  if (['tcp', 'udp', 'icmp', 'icmpv6', '-1'].includes(named)) return named;
  if (/^\d{1,3}$/.test(named) && Number(named) <= 255) return String(Number(named));
  throw invalidParameterValue(`Invalid value '${value ?? ''}' for IP protocol. Unknown protocol.`);
}

function ports(protocol: string, from: number | undefined, to: number | undefined): { from_port: number | null; to_port: number | null } {
  if (protocol === 'tcp' || protocol === 'udp') {
    if (from === undefined || to === undefined) throw invalidParameterValue("Invalid value 'Must specify both from and to ports with TCP/UDP.' for portRange.");
    if (from < 0 || to > 65535 || from > to) throw invalidParameterValue(`Invalid value '${from}-${to}' for portRange. Ports must be in 0..65535 with from <= to.`);
    return { from_port: from, to_port: to };
  }
  if (protocol === 'icmp' || protocol === 'icmpv6') {
    // type and code; -1 means all
    const type = from ?? -1;
    const code = to ?? -1;
    if (type < -1 || type > 255 || code < -1 || code > 255) throw invalidParameterValue(`Invalid value '${type}' for ICMP type or '${code}' for code.`);
    return { from_port: type, to_port: code };
  }
  return { from_port: null, to_port: null }; // all traffic, or a protocol without ports
}

export interface Peer {
  groupId: string;
  accountId: string;
}

/**
 * The rules an IpPermissions list asks for. `peer` resolves a UserIdGroupPair to a group
 * (throwing that group's NotFound).
 */
export async function specsFromPermissions(perms: readonly IpPermission[], peer: (pair: { GroupId?: string; GroupName?: string; UserId?: string }) => Promise<Peer>): Promise<RuleSpec[]> {
  const out: RuleSpec[] = [];
  for (const p of perms) {
    const protocol = normalizeProtocol(p.IpProtocol);
    const base = { ip_protocol: protocol, ...ports(protocol, p.FromPort, p.ToPort), cidr_ipv4: null, cidr_ipv6: null, prefix_list_id: null, referenced_group_id: null, referenced_account_id: null };
    for (const r of p.IpRanges ?? []) {
      const cidr = r.CidrIp ?? '';
      if (!parseCidr(cidr)) throw invalidParameterValue(`CIDR block ${cidr} is malformed`);
      out.push({ ...base, cidr_ipv4: cidr, description: r.Description ?? null });
    }
    for (const r of p.Ipv6Ranges ?? []) {
      const cidr = r.CidrIpv6 ?? '';
      if (!/^[0-9a-fA-F:]+\/\d{1,3}$/.test(cidr)) throw invalidParameterValue(`CIDR block ${cidr} is malformed`);
      out.push({ ...base, cidr_ipv6: cidr.toLowerCase(), description: r.Description ?? null });
    }
    for (const r of p.PrefixListIds ?? []) {
      if (!/^pl-[0-9a-f]{8,17}$/.test(r.PrefixListId ?? '')) throw invalidParameterValue(`The prefix list ID '${r.PrefixListId ?? ''}' is malformed`);
      out.push({ ...base, prefix_list_id: r.PrefixListId!, description: r.Description ?? null });
    }
    for (const pair of p.UserIdGroupPairs ?? []) {
      const g = await peer(pair);
      out.push({ ...base, referenced_group_id: g.groupId, referenced_account_id: g.accountId, description: pair.Description ?? null });
    }
  }
  return out;
}

/** The legacy single-rule parameters (CidrIp, IpProtocol, FromPort, ToPort, SourceSecurityGroup*) as one IpPermission. */
export function legacyPermission(req: { CidrIp?: string; IpProtocol?: string; FromPort?: number; ToPort?: number; SourceSecurityGroupName?: string; SourceSecurityGroupOwnerId?: string }): IpPermission | undefined {
  if (req.CidrIp === undefined && req.IpProtocol === undefined && req.SourceSecurityGroupName === undefined) return undefined;
  return {
    IpProtocol: req.IpProtocol ?? '-1',
    FromPort: req.FromPort,
    ToPort: req.ToPort,
    IpRanges: req.CidrIp !== undefined ? [{ CidrIp: req.CidrIp }] : undefined,
    UserIdGroupPairs: req.SourceSecurityGroupName !== undefined ? [{ GroupName: req.SourceSecurityGroupName, UserId: req.SourceSecurityGroupOwnerId }] : undefined,
  };
}

/** Whether two rules allow the same traffic (descriptions aside). */
export function sameRule(a: RuleSpec, b: RuleSpec): boolean {
  return (
    a.ip_protocol === b.ip_protocol &&
    a.from_port === b.from_port &&
    a.to_port === b.to_port &&
    a.cidr_ipv4 === b.cidr_ipv4 &&
    a.cidr_ipv6 === b.cidr_ipv6 &&
    a.prefix_list_id === b.prefix_list_id &&
    a.referenced_group_id === b.referenced_group_id
  );
}

/** AWS's wording of a rule in InvalidPermission.Duplicate. */
export function describeRule(r: RuleSpec): string {
  const peer = r.cidr_ipv4 ?? r.cidr_ipv6 ?? r.prefix_list_id ?? r.referenced_group_id;
  const protocol = r.ip_protocol === '-1' ? 'ALL' : r.ip_protocol.toUpperCase();
  const range = r.from_port === null ? '' : `, from port: ${r.from_port}, to port: ${r.to_port}`;
  return `peer: ${peer}, ${protocol}${range}, ALLOW`;
}

/** Rules as DescribeSecurityGroups' IpPermissions: one entry per protocol and port range. */
export function permissionsOut(rows: readonly SecurityGroupRuleRow[]): IpPermission[] {
  const groups = new Map<string, IpPermission>();
  for (const r of rows) {
    const key = `${r.ip_protocol}|${r.from_port}|${r.to_port}`;
    let p = groups.get(key);
    if (!p) {
      p = { IpProtocol: r.ip_protocol, FromPort: r.from_port ?? undefined, ToPort: r.to_port ?? undefined, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] };
      groups.set(key, p);
    }
    const description = r.description ?? undefined;
    if (r.cidr_ipv4) p.IpRanges!.push({ CidrIp: r.cidr_ipv4, Description: description });
    if (r.cidr_ipv6) p.Ipv6Ranges!.push({ CidrIpv6: r.cidr_ipv6, Description: description });
    if (r.prefix_list_id) p.PrefixListIds!.push({ PrefixListId: r.prefix_list_id, Description: description });
    if (r.referenced_group_id) p.UserIdGroupPairs!.push({ GroupId: r.referenced_group_id, UserId: r.referenced_account_id ?? undefined, Description: description });
  }
  return [...groups.values()];
}

export function ruleOut(r: SecurityGroupRuleRow, tags: Tag[] = []): SecurityGroupRule {
  return {
    SecurityGroupRuleId: r.rule_id,
    GroupId: r.group_id,
    GroupOwnerId: r.account_id,
    IsEgress: Boolean(r.is_egress),
    IpProtocol: r.ip_protocol,
    FromPort: r.from_port ?? -1,
    ToPort: r.to_port ?? -1,
    CidrIpv4: r.cidr_ipv4 ?? undefined,
    CidrIpv6: r.cidr_ipv6 ?? undefined,
    PrefixListId: r.prefix_list_id ?? undefined,
    ReferencedGroupInfo: r.referenced_group_id ? { GroupId: r.referenced_group_id, UserId: r.referenced_account_id ?? undefined } : undefined,
    Description: r.description ?? undefined,
    Tags: tags,
    SecurityGroupRuleArn: `arn:aws:ec2:${r.region}:${r.account_id}:security-group-rule/${r.rule_id}`,
  };
}
