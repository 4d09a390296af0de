// Grant ids and grant tokens. A grant id is 64 hex characters (as AWS's). A grant token names
// its grant and is MACed with a key derived from the master key, so it cannot be forged from a
// grant id: base64url(0x01 | grant id (32 bytes) | nonce (8) | mac (16)). Every CreateGrant
// returns a fresh token, also when it returns an existing grant by name.
import { randomBytes } from 'node:crypto';
import type { KeyWrapper } from './key-wrap.js';

const VERSION = 0x01;
const GRANT_ID = /^[0-9a-f]{64}$/;

export const newGrantId = () => randomBytes(32).toString('hex');
export const isGrantId = (s: string) => GRANT_ID.test(s);

export function grantToken(wrapper: KeyWrapper, grantId: string): string {
  const body = Buffer.concat([Buffer.from([VERSION]), Buffer.from(grantId, 'hex'), randomBytes(8)]);
  return Buffer.concat([body, wrapper.tokenMac(body)]).toString('base64url');
}

/** The grant id a token names, or undefined if it is not a token we issued. */
export function grantIdOfToken(wrapper: KeyWrapper, token: string): string | undefined {
  const raw = Buffer.from(token, 'base64url');
  if (raw.length !== 57 || raw[0] !== VERSION) return undefined;
  const body = raw.subarray(0, 41);
  return wrapper.tokenMacValid(body, raw.subarray(41)) ? body.subarray(1, 33).toString('hex') : undefined;
}
