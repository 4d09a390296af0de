// The encoded authorization message of an UnauthorizedOperation answer, which STS
// DecodeAuthorizationMessage turns back into its JSON: AES-256-GCM under a key derived from the
// master key (so any node decodes what another encoded, after restarts too), base64url.
// Like page tokens, the composition root keys the process once (`keyAuthorizationMessages`);
// until then (unit tests) a random key is used.
import { randomBytes } from 'node:crypto';
import { deriveKey, seal, unseal } from '../services/kms/key-wrap.js';

const AAD = Buffer.from('imago authorization message v1');

let key: Buffer = randomBytes(32);

export function keyAuthorizationMessages(masterKey: Buffer): void {
  key = deriveKey(masterKey, 'imago authorization message v1');
}

/** `message`: the decoded JSON (AWS's form: allowed, explicitDeny, matchedStatements, failures, context), as text or a value. */
export function encodeAuthorizationMessage(message: string | object): string {
  const text = typeof message === 'string' ? message : JSON.stringify(message);
  return seal(key, Buffer.from(text, 'utf8'), AAD).toString('base64url');
}

/** The JSON text, or undefined when the message is not one of ours (or was altered). */
export function decodeAuthorizationMessage(encoded: string): string | undefined {
  if (!/^[A-Za-z0-9_-]+$/.test(encoded)) return undefined;
  return unseal(key, Buffer.from(encoded, 'base64url'), AAD)?.toString('utf8');
}
