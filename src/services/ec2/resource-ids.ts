// AWS-style resource ids: a prefix and 17 lower-case hex digits (`ami-0123456789abcdef0`).
import { hash, randomBytes } from 'node:crypto';
import type { Scope } from '../../store/scope.js';

export type IdPrefix = 'ami' | 'snap' | 'vol' | 'i' | 'r' | 'lt' | 'key' | 'vpc' | 'subnet' | 'sg' | 'sgr' | 'igw' | 'rtb' | 'acl' | 'dopt' | 'eni' | 'eni-attach' | 'vpc-cidr-assoc' | 'import-ami' | 'import-snap' | 'export-ami' | 'replacevol' | 'iip-assoc' | 'rtbassoc' | 'aclassoc' | 'subnet-cidr-assoc' | 'nat' | 'eipalloc' | 'eipassoc' | 'pcx';

// random bytes drawn from a pool: one small randomBytes call costs ~10 µs, and a launch of
// 1000 instances needs thousands of ids
let pool = Buffer.alloc(0);
let offset = 0;

export function newId(prefix: IdPrefix): string {
  if (offset + 9 > pool.length) {
    pool = randomBytes(4608);
    offset = 0;
  }
  // 17 hex digits = 68 bits; the first nibble carries 4 of them
  const hex = pool.toString('hex', offset, offset + 9).slice(0, 17);
  offset += 9;
  return `${prefix}-${hex}`;
}

/** A stable id derived from a name (for per-account defaults such as the default VPC). */
export function derivedId(prefix: IdPrefix, scope: Scope, name: string): string {
  // crypto.hash: one call, no Hash object (a DescribeInstances derives one per instance)
  const hex = hash('sha256', `${scope.accountId}/${scope.region}/${name}`, 'hex').slice(0, 17);
  return `${prefix}-${hex}`;
}

export function isId(prefix: IdPrefix, id: string): boolean {
  return new RegExp(`^${prefix}-([0-9a-f]{8}|[0-9a-f]{17})$`).test(id);
}
