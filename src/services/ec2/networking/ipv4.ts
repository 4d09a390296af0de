// IPv4 addresses and CIDR blocks as numbers.
export function ipToInt(ip: string): number | undefined {
  const parts = ip.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) return undefined;
  return parts.reduce((n, p) => n * 256 + Number(p), 0);
}

export function intToIp(n: number): string {
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export interface Cidr {
  base: number;
  bits: number;
  size: number;
}

export function parseCidr(text: string): Cidr | undefined {
  const m = /^([\d.]+)\/(\d{1,2})$/.exec(text);
  if (!m || Number(m[2]) > 32) return undefined;
  const ip = ipToInt(m[1]);
  if (ip === undefined) return undefined;
  const bits = Number(m[2]);
  const size = 2 ** (32 - bits);
  return { base: ip - (ip % size), bits, size };
}

export const contains = (c: Cidr, ip: number) => ip >= c.base && ip < c.base + c.size;
