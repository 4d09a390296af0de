// STS temporary credentials that need no database: the session token is the session itself,
// sealed (AES-256-GCM, random nonce) under a key derived from the cluster's master key, and the
// secret access key is derived from the access key id with another derived key:
//
//   access key id  ASIA + 16 × [A-Z2-7]
//   secret         base64(HMAC-SHA256(secretKey, access key id))[0..40]
//   session token  base64(seal(tokenKey, JSON {v, identity}, AAD "imago sts session|<access key id>"))
//
// so every node that shares the master key verifies a session without a read, sessions survive
// restarts, and nothing is stored per session. A token is bound to its access key id (the AAD)
// and carries its expiry; an expired one is refused with ExpiredToken by the authenticator.
// Sessions cannot be revoked before they expire (AWS revokes by a deny policy on the role, which
// the enforcement honours since role policies are read at evaluation time).
import { createHmac } from 'node:crypto';
import { deriveKey, seal, unseal } from '../services/kms/key-wrap.js';
import { newAccessKeyId } from './arns.js';
import type { CallerIdentity } from './principal.js';

export interface SessionCredentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken: string;
  /** epoch ms */
  expiration: number;
}

export type OpenedSession = { identity: CallerIdentity; secret: string } | 'expired' | 'invalid';

const aad = (accessKeyId: string) => Buffer.from(`imago sts session|${accessKeyId}`);

export class SessionTokens {
  private readonly tokenKey: Buffer;
  private readonly secretKey: Buffer;

  constructor(masterKey: Buffer) {
    this.tokenKey = deriveKey(masterKey, 'imago sts session token v1');
    this.secretKey = deriveKey(masterKey, 'imago sts session secret v1');
  }

  /** Credentials for `identity` (its accessKeyId is replaced by the new key's; `session.expiresAt` is the expiry). */
  issue(identity: Omit<CallerIdentity, 'accessKeyId'> & { session: NonNullable<CallerIdentity['session']> }): SessionCredentials {
    const accessKeyId = newAccessKeyId(true);
    const body = Buffer.from(JSON.stringify({ v: 1, identity: { ...identity, accessKeyId } }));
    return {
      accessKeyId,
      secretAccessKey: this.secretFor(accessKeyId),
      sessionToken: seal(this.tokenKey, body, aad(accessKeyId)).toString('base64'),
      expiration: identity.session.expiresAt,
    };
  }

  /** The session a token carries for this access key id, if it is ours and not expired at `nowMs`. */
  open(accessKeyId: string, token: string, nowMs: number): OpenedSession {
    const raw = unseal(this.tokenKey, Buffer.from(token, 'base64'), aad(accessKeyId));
    if (!raw) return 'invalid';
    let identity: CallerIdentity;
    try {
      const parsed = JSON.parse(raw.toString('utf8')) as { v?: number; identity?: CallerIdentity };
      if (parsed.v !== 1 || !parsed.identity?.session) return 'invalid';
      identity = parsed.identity;
    } catch {
      return 'invalid';
    }
    if (identity.session!.expiresAt <= nowMs) return 'expired';
    return { identity, secret: this.secretFor(accessKeyId) };
  }

  private secretFor(accessKeyId: string): string {
    return createHmac('sha256', this.secretKey).update(accessKeyId).digest('base64').slice(0, 40);
  }
}
