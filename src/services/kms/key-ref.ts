// KMS key identifiers: key id, key ARN, alias name (`alias/x`), alias ARN. An identifier names
// an account and region explicitly (ARNs) or implicitly (the caller's); resolving it to a key is
// the key-access module's job, this one only parses and prints.
import type { Scope } from '../../store/scope.js';
import { invalidArn, invalidKeyId } from './kms-errors.js';

export type KeyRef =
  | { kind: 'key'; accountId: string; region: string; keyId: string; byArn: boolean }
  | { kind: 'alias'; accountId: string; region: string; aliasName: string; byArn: boolean };

const KEY_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ARN = /^arn:aws:kms:([a-z0-9-]+):(\d{12}):(key|alias)\/(.+)$/;

export const isKeyId = (s: string) => KEY_ID.test(s);

export const keyArn = (scope: Scope, keyId: string) => `arn:aws:kms:${scope.region}:${scope.accountId}:key/${keyId}`;
export const aliasArn = (scope: Scope, aliasName: string) => `arn:aws:kms:${scope.region}:${scope.accountId}:${aliasName}`;

/**
 * Parses any of the four identifier forms. A key ARN or alias ARN for another region is
 * NotFoundException `Invalid arn <region>` (what AWS answers); anything unparsable is
 * `Invalid keyId <ref>` (or `Invalid arn` for a malformed ARN).
 */
export function parseKeyRef(caller: Scope, ref: string): KeyRef {
  if (ref.startsWith('arn:')) {
    const m = ARN.exec(ref);
    if (!m) throw invalidArn('');
    const [, region, accountId, type, rest] = m;
    if (region !== caller.region) throw invalidArn(region);
    if (type === 'alias') return { kind: 'alias', accountId, region, aliasName: `alias/${rest}`, byArn: true };
    if (!KEY_ID.test(rest)) throw invalidArn('');
    return { kind: 'key', accountId, region, keyId: rest, byArn: true };
  }
  if (ref.startsWith('alias/')) return { kind: 'alias', accountId: caller.accountId, region: caller.region, aliasName: ref, byArn: false };
  if (KEY_ID.test(ref)) return { kind: 'key', accountId: caller.accountId, region: caller.region, keyId: ref, byArn: false };
  throw invalidKeyId(ref);
}

/** For operations that take only a key id or key ARN (aliases are not valid there). */
export function parseKeyOnlyRef(caller: Scope, ref: string): Extract<KeyRef, { kind: 'key' }> {
  const parsed = parseKeyRef(caller, ref);
  if (parsed.kind !== 'key') throw invalidKeyId(ref);
  return parsed;
}
