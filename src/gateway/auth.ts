// Who is calling: verifies SigV4 against the credentials file, or — in dev mode, on loopback
// only — trusts any well-formed signature and derives the account from the access key id.
import type { Principal } from '../config/credentials.js';
import { findRegion } from '../config/regions.js';
import { SigV4Failure, checkTime, verifySignature, type ParsedSignature, type SigV4Request } from '../protocol/sigv4.js';

export interface Caller {
  accountId: string;
  accessKeyId: string;
  region: string;
  service: string;
  /** may call the operator endpoints */
  admin: boolean;
}

export type AuthMode = { kind: 'verify'; principals: Map<string, Principal> } | { kind: 'dev'; defaultAccount: string };

export class Authenticator {
  constructor(readonly mode: AuthMode) {}

  get verifying(): boolean {
    return this.mode.kind === 'verify';
  }

  authenticate(req: SigV4Request, sig: ParsedSignature, nowMs: number): Caller {
    const { accessKeyId, region, service } = sig.credential;
    if (!findRegion(region)) {
      throw new SigV4Failure('bad-region', `Credential should be scoped to a valid region, not '${region}'.`);
    }
    if (this.mode.kind === 'dev') {
      const accountId = /^\d{12}$/.test(accessKeyId) ? accessKeyId : this.mode.defaultAccount;
      return { accountId, accessKeyId, region, service, admin: true };
    }
    const principal = this.mode.principals.get(accessKeyId);
    if (!principal) throw new SigV4Failure('unknown-key', 'The security token included in the request is invalid.');
    checkTime(sig, nowMs);
    // only the EBS direct APIs sign their (block) payloads as UNSIGNED-PAYLOAD
    verifySignature(req, sig, principal.secretAccessKey, service === 'ebs');
    return { accountId: principal.accountId, accessKeyId, region, service, admin: principal.admin };
  }
}
