// Who is calling: verifies SigV4 against the secret of the access key — a credentials-file
// profile (an account root), an IAM user's key from the database, or STS session credentials
// (X-Amz-Security-Token) — or, in dev mode (loopback only), trusts any other well-formed
// signature and derives the account root from the access key id.
import type { Principal } from '../config/credentials.js';
import { findRegion } from '../config/regions.js';
import type { CredentialLookup } from '../iam/credential-resolver.js';
import { rootIdentity } from '../iam/identities.js';
import type { CallerIdentity } from '../iam/principal.js';
import { SigV4Failure, checkTime, verifySignature, type ParsedSignature, type SigV4Request } from '../protocol/sigv4.js';

export interface Caller {
  accountId: string;
  accessKeyId: string;
  region: string;
  service: string;
  /** may call the operator endpoints */
  admin: boolean;
  identity: CallerIdentity;
}

/**
 * Dev mode: a 12-digit key id is its account, any other key `defaultAccount`; with `compat:
 * 'moto'` (moto's server mode) every key is `defaultAccount` unless the request names another
 * account in moto's `x-moto-account-id` header.
 */
export type AuthMode = { kind: 'verify'; principals: Map<string, Principal> } | { kind: 'dev'; defaultAccount: string; compat?: 'moto' };

const INVALID_TOKEN = 'The security token included in the request is invalid.';
/** the access key ids IAM issues (AKIA + 16): only those are looked up in the database */
const IAM_KEY = /^AKIA[A-Z2-7]{16}$/;

export class Authenticator {
  constructor(
    readonly mode: AuthMode,
    /** IAM users' keys and STS sessions; without it only the credentials file (or dev mode) */
    private readonly credentials?: CredentialLookup,
  ) {}

  get verifying(): boolean {
    return this.mode.kind === 'verify';
  }

  async authenticate(req: SigV4Request, sig: ParsedSignature, nowMs: number): Promise<Caller> {
    const { accessKeyId, region, service } = sig.credential;
    if (!findRegion(region)) {
      throw new SigV4Failure('bad-region', `Credential should be scoped to a valid region, not '${region}'.`);
    }
    const verified = (secret: string, identity: CallerIdentity, admin = false): Caller => {
      checkTime(sig, nowMs);
      // only the EBS direct APIs sign their (block) payloads as UNSIGNED-PAYLOAD
      verifySignature(req, sig, secret, service === 'ebs');
      return { accountId: identity.accountId, accessKeyId, region, service, admin, identity };
    };

    const token = securityToken(req);
    if (token !== undefined && this.credentials) {
      const session = this.credentials.session(accessKeyId, token, nowMs);
      if (session === 'expired') throw new SigV4Failure('expired-token', 'The security token included in the request is expired');
      if (session !== 'invalid') return verified(session.secret, session.identity);
      // dev mode ignores tokens that are not ours, as it ignores signatures
      if (this.mode.kind === 'verify') throw new SigV4Failure('unknown-key', INVALID_TOKEN);
    }
    if (this.mode.kind === 'verify') {
      const principal = this.mode.principals.get(accessKeyId);
      if (principal) return verified(principal.secretAccessKey, rootIdentity(principal.accountId, accessKeyId, principal.admin), principal.admin);
    }
    if (this.credentials && IAM_KEY.test(accessKeyId)) {
      const key = await this.credentials.accessKey(accessKeyId);
      if (key === 'inactive') throw new SigV4Failure('unknown-key', INVALID_TOKEN);
      if (key) {
        const caller = verified(key.secret, key.identity);
        this.credentials.noteUse(accessKeyId, service, region, nowMs);
        return caller;
      }
    }
    if (this.mode.kind === 'dev') {
      const accountId = this.mode.compat === 'moto' ? (motoAccountHeader(req) ?? this.mode.defaultAccount) : /^\d{12}$/.test(accessKeyId) ? accessKeyId : this.mode.defaultAccount;
      return { accountId, accessKeyId, region, service, admin: true, identity: rootIdentity(accountId, accessKeyId, true) };
    }
    throw new SigV4Failure('unknown-key', INVALID_TOKEN);
  }
}

/** moto's `x-moto-account-id` header, when it names an account (12 digits). */
function motoAccountHeader(req: SigV4Request): string | undefined {
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    if (name.length === 17 && name.toLowerCase() === 'x-moto-account-id' && /^\d{12}$/.test(req.rawHeaders[i + 1])) return req.rawHeaders[i + 1];
  }
  return undefined;
}

/** X-Amz-Security-Token, from the headers or (presigned) the query. */
function securityToken(req: SigV4Request): string | undefined {
  for (let i = 0; i < req.rawHeaders.length; i += 2) {
    const name = req.rawHeaders[i];
    if (name.length === 20 && name.toLowerCase() === 'x-amz-security-token') return req.rawHeaders[i + 1];
  }
  if (!req.rawQuery.includes('X-Amz-Security-Token=')) return undefined;
  for (const pair of req.rawQuery.split('&')) {
    if (pair.startsWith('X-Amz-Security-Token=')) {
      try {
        return decodeURIComponent(pair.slice('X-Amz-Security-Token='.length));
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}
