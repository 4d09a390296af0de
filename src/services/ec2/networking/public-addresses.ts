// Public IPv4 addresses of running instances, from a loopback pool (`--public-address-pool`,
// default 127.100.0.0/16): the host reaches them without any network set-up (all of 127/8 is
// local on Linux), and nothing outside the host can. An instance holds its address while it
// runs, loses it when it stops (as on AWS without an Elastic IP) and gets the lowest free one
// when it starts again.
import { contains, intToIp, ipToInt, parseCidr, type Cidr } from './ipv4.js';

export const DEFAULT_PUBLIC_POOL = '127.100.0.0/16';

const LOOPBACK = parseCidr('127.0.0.0/8')!;

export class PublicAddressPool {
  private readonly cidr: Cidr;

  constructor(readonly text: string = DEFAULT_PUBLIC_POOL) {
    const cidr = parseCidr(text);
    if (!cidr || cidr.bits < 8 || !contains(LOOPBACK, cidr.base) || cidr.size < 4) {
      throw new Error(`the public address pool must be a CIDR block inside 127.0.0.0/8 with at least 4 addresses, got ${text}`);
    }
    this.cidr = cidr;
  }

  /** The lowest address not in `used` (the pool's first and last addresses are never handed out). */
  pick(used: ReadonlySet<string>): string | undefined {
    for (let n = this.cidr.base + 1; n < this.cidr.base + this.cidr.size - 1; n++) {
      // x.x.x.0 and x.x.x.255 look like network and broadcast addresses to people: skip them
      if ((n & 255) === 0 || (n & 255) === 255) continue;
      const ip = intToIp(n);
      if (!used.has(ip)) return ip;
    }
    return undefined;
  }

  has(ip: string): boolean {
    const n = ipToInt(ip);
    return n !== undefined && contains(this.cidr, n);
  }
}

/** EC2's public DNS name: ec2-a-b-c-d.compute-1.amazonaws.com in us-east-1, else ….<region>.compute.amazonaws.com. */
export function publicDnsName(region: string, ip: string): string {
  const host = `ec2-${ip.replaceAll('.', '-')}`;
  return region === 'us-east-1' ? `${host}.compute-1.amazonaws.com` : `${host}.${region}.compute.amazonaws.com`;
}
