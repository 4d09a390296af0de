// IPv4 and IPv6 addresses and CIDR ranges for IpAddress / NotIpAddress. An address is kept as
// 16-bit groups (2 for IPv4, 8 for IPv6); a value without a prefix length is a single address
// (/32, /128). An IPv4-mapped IPv6 address (::ffff:203.0.113.5) counts as its IPv4 address.

export interface IpAddr {
  groups: number[];
}

export interface Cidr {
  groups: number[];
  prefix: number;
}

const OCTET = /^\d{1,3}$/;
const HEX_GROUP = /^[0-9a-fA-F]{1,4}$/;

function parseV4(s: string): number[] | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  const b: number[] = [];
  for (const p of parts) {
    if (!OCTET.test(p)) return undefined;
    const n = Number(p);
    if (n > 255) return undefined;
    b.push(n);
  }
  return [(b[0] << 8) | b[1], (b[2] << 8) | b[3]];
}

function parseV6(s: string): number[] | undefined {
  let tail: number[] = [];
  const lastColon = s.lastIndexOf(':');
  if (s.includes('.', lastColon)) {
    const v4 = parseV4(s.slice(lastColon + 1));
    if (!v4) return undefined;
    tail = v4;
    s = s.slice(0, lastColon + 1) + '0:0';
  }
  const halves = s.split('::');
  if (halves.length > 2) return undefined;
  const hex = (part: string) => (part === '' ? [] : part.split(':'));
  const head = hex(halves[0]);
  const rest = halves.length === 2 ? hex(halves[1]) : [];
  const fill = 8 - head.length - rest.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return undefined;
  const groups: number[] = [];
  for (const g of [...head, ...Array<string>(halves.length === 2 ? fill : 0).fill('0'), ...rest]) {
    if (!HEX_GROUP.test(g)) return undefined;
    groups.push(parseInt(g, 16));
  }
  if (tail.length) groups.splice(6, 2, ...tail);
  return groups;
}

export function parseIp(s: string): IpAddr | undefined {
  const v4 = parseV4(s);
  if (v4) return { groups: v4 };
  const v6 = s.includes(':') ? parseV6(s) : undefined;
  if (!v6) return undefined;
  const mapped = v6[0] === 0 && v6[1] === 0 && v6[2] === 0 && v6[3] === 0 && v6[4] === 0 && v6[5] === 0xffff;
  return { groups: mapped ? v6.slice(6) : v6 };
}

export function parseCidr(s: string): Cidr | undefined {
  const slash = s.indexOf('/');
  const ip = parseIp(slash === -1 ? s : s.slice(0, slash));
  if (!ip) return undefined;
  const bits = ip.groups.length * 16;
  if (slash === -1) return { groups: ip.groups, prefix: bits };
  const p = s.slice(slash + 1);
  if (!OCTET.test(p) || Number(p) > bits) return undefined;
  return { groups: ip.groups, prefix: Number(p) };
}

export function cidrContains(cidr: Cidr, ip: IpAddr): boolean {
  if (cidr.groups.length !== ip.groups.length) return false;
  let left = cidr.prefix;
  for (let k = 0; left > 0; k++, left -= 16) {
    const mask = left >= 16 ? 0xffff : (0xffff << (16 - left)) & 0xffff;
    if ((cidr.groups[k] & mask) !== (ip.groups[k] & mask)) return false;
  }
  return true;
}
