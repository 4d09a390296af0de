// IAM and STS ARNs and unique ids, in AWS's forms:
//   arn:aws:iam::<account>:root | user/<path><name> | group/… | role/… | policy/… | instance-profile/…
//   arn:aws:sts::<account>:assumed-role/<role name>/<session name>
//   unique ids: a 4-letter prefix (AIDA user, AGPA group, AROA role, ANPA policy, AIPA instance
//   profile) and 17 characters of [A-Z2-7]; access key ids: AKIA (long-term) / ASIA (session) + 16
import { randomBytes } from 'node:crypto';

export const AWS_MANAGED_ACCOUNT = 'aws';

export type IamEntityKind = 'user' | 'group' | 'role' | 'policy' | 'instance-profile';

export const ID_PREFIX: Record<IamEntityKind, string> = { user: 'AIDA', group: 'AGPA', role: 'AROA', policy: 'ANPA', 'instance-profile': 'AIPA' };

const BASE32 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

export function randomBase32(n: number): string {
  const bytes = randomBytes(n);
  let out = '';
  for (let i = 0; i < n; i++) out += BASE32[bytes[i] & 31];
  return out;
}

export const newUniqueId = (kind: IamEntityKind): string => ID_PREFIX[kind] + randomBase32(17);

export const newAccessKeyId = (session: boolean): string => (session ? 'ASIA' : 'AKIA') + randomBase32(16);

export const rootArn = (accountId: string): string => `arn:aws:iam::${accountId}:root`;

export const iamArn = (accountId: string, kind: IamEntityKind, path: string, name: string): string => `arn:aws:iam::${accountId}:${kind}${path}${name}`;

export const assumedRoleArn = (accountId: string, roleName: string, sessionName: string): string =>
  `arn:aws:sts::${accountId}:assumed-role/${roleName}/${sessionName}`;

export interface ParsedIamArn {
  accountId: string;
  kind: string;
  path: string;
  name: string;
}

/** `arn:aws:iam::<account>:<kind>/<path/><name>`; undefined when it is not one. */
export function parseIamArn(arn: string): ParsedIamArn | undefined {
  const m = /^arn:aws:iam::(\d{12}|aws):([a-z-]+)(\/(?:.*\/)?)([^/]+)$/.exec(arn);
  if (!m) return undefined;
  return { accountId: m[1], kind: m[2], path: m[3], name: m[4] };
}
