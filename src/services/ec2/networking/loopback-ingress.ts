// Which TCP ports of a running instance are reachable at its public address. Clients of Imago
// are on the host, so their packets come from loopback: a port is open when an ingress rule of
// one of the instance's security groups allows TCP on it from a CIDR holding 127.0.0.1 (e.g.
// 0.0.0.0/0, 127.0.0.0/8). A rule naming 10.0.0.0/8, a prefix list or another group admits no
// host client, as it would admit none from that address on AWS. Only TCP is forwarded.
//
// Each open port costs the VM one listening socket, so an instance forwards at most
// MAX_FORWARDS ports: every port of narrow rules first (lowest first), then, for rules
// opening wide ranges (all traffic, 0-65535, 1024-65535 …), the well-known service ports inside
// them.
import type { SecurityGroupRuleRow } from '../../../store/repos/security-groups.js';
import { contains, ipToInt, parseCidr } from './ipv4.js';

export const MAX_FORWARDS = 32;
/** a rule opening more ports than this is "wide" */
const NARROW = 16;
const WELL_KNOWN = [22, 80, 443, 3389, 8080, 8443, 8000, 3000, 5000, 5432, 3306, 6379, 9090, 9000, 25, 53];
const LOOPBACK = ipToInt('127.0.0.1')!;

function admitsHost(rule: Pick<SecurityGroupRuleRow, 'cidr_ipv4'>): boolean {
  const cidr = rule.cidr_ipv4 ? parseCidr(rule.cidr_ipv4) : undefined;
  return cidr !== undefined && contains(cidr, LOOPBACK);
}

/** The ports to forward for an instance's ingress rules (any order in, ascending out). */
export function forwardedPorts(rules: readonly Pick<SecurityGroupRuleRow, 'is_egress' | 'ip_protocol' | 'from_port' | 'to_port' | 'cidr_ipv4'>[]): number[] {
  const narrow = new Set<number>();
  const wide: [number, number][] = [];
  for (const r of rules) {
    if (r.is_egress || !admitsHost(r)) continue;
    const all = r.ip_protocol === '-1' || r.ip_protocol === 'all';
    if (!all && r.ip_protocol !== 'tcp' && r.ip_protocol !== '6') continue;
    const from = all || r.from_port === null || r.from_port < 0 ? 1 : Math.max(1, r.from_port);
    const to = all || r.to_port === null || r.to_port < 0 ? 65535 : Math.min(65535, r.to_port);
    if (to < from) continue;
    if (to - from + 1 <= NARROW) for (let p = from; p <= to; p++) narrow.add(p);
    else wide.push([from, to]);
  }
  const ports = [...narrow].sort((a, b) => a - b).slice(0, MAX_FORWARDS);
  for (const p of WELL_KNOWN) {
    if (ports.length >= MAX_FORWARDS) break;
    if (!ports.includes(p) && wide.some(([from, to]) => p >= from && p <= to)) ports.push(p);
  }
  return ports.sort((a, b) => a - b);
}
