// IPv6 CIDR blocks as bigints (enough for containment and overlap of /56 and /64 blocks).
export interface Cidr6 {
  base: bigint;
  bits: number;
}

export function parseCidr6(text: string): Cidr6 | undefined {
  const m = /^([0-9a-fA-F:]+)\/(\d{1,3})$/.exec(text);
  if (!m || Number(m[2]) > 128) return undefined;
  const [head, tail, extra] = m[1].split('::');
  if (extra !== undefined) return undefined;
  const h = head ? head.split(':') : [];
  const t = tail !== undefined ? (tail ? tail.split(':') : []) : [];
  if (tail === undefined && h.length !== 8) return undefined;
  const groups = [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  if (groups.length !== 8 || groups.some((g) => !/^[0-9a-fA-F]{1,4}$/.test(g))) return undefined;
  const value = groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
  const bits = Number(m[2]);
  const mask = bits === 0 ? 0n : ((1n << BigInt(bits)) - 1n) << BigInt(128 - bits);
  return { base: value & mask, bits };
}

const size = (c: Cidr6) => 1n << BigInt(128 - c.bits);
export const contains6 = (outer: Cidr6, inner: Cidr6) => inner.bits >= outer.bits && inner.base >= outer.base && inner.base + size(inner) <= outer.base + size(outer);
export const overlaps6 = (a: Cidr6, b: Cidr6) => a.base < b.base + size(b) && b.base < a.base + size(a);
