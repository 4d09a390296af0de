// From an access key id to who is calling and the secret its signature must be made with, for
// the keys that live in the database (IAM users') and for STS session credentials (whose token
// carries the session: session-tokens.ts). Resolved IAM keys are cached for IAM_CACHE_TTL_MS
// (this node's IAM writes drop them at once; a key deactivated or deleted on another node is
// refused there within the TTL), so authentication costs no database read on a hit.
import type { IamRepos } from '../store/repos/iam.js';
import type { AccessKeySecrets } from './access-key-secrets.js';
import { IamCache, type IamChanges } from './iam-changes.js';
import { tagMap, userIdentity } from './identities.js';
import type { KeyUsage } from './key-usage.js';
import type { CallerIdentity } from './principal.js';
import type { OpenedSession, SessionTokens } from './session-tokens.js';

export interface ResolvedKey {
  identity: CallerIdentity;
  secret: string;
}

/** What the authenticator asks of the identity layer (gateway/auth.ts). */
export interface CredentialLookup {
  /** an IAM user's long-term key: undefined when unknown */
  accessKey(accessKeyId: string): Promise<ResolvedKey | 'inactive' | undefined>;
  /** STS session credentials */
  session(accessKeyId: string, token: string, nowMs: number): OpenedSession;
  /** a request authenticated with this IAM key (GetAccessKeyLastUsed) */
  noteUse(accessKeyId: string, service: string, region: string, nowMs: number): void;
}

type Cached = ResolvedKey | 'inactive' | 'unknown';

export class CredentialResolver implements CredentialLookup {
  private readonly cache: IamCache<Cached>;
  /** which account each cached key is in (generations are per account) */
  private readonly accounts = new Map<string, string>();

  constructor(
    private readonly deps: { iam: () => IamRepos; secrets: AccessKeySecrets; sessions: SessionTokens; usage: KeyUsage; changes: IamChanges; now?: () => number },
  ) {
    this.cache = new IamCache(deps.changes);
  }

  async accessKey(accessKeyId: string): Promise<ResolvedKey | 'inactive' | undefined> {
    const now = (this.deps.now ?? Date.now)();
    const account = this.accounts.get(accessKeyId) ?? '';
    let v = this.cache.get(account, accessKeyId, now);
    if (!v) {
      const { accountId, value } = await this.load(accessKeyId);
      v = value;
      this.accounts.set(accessKeyId, accountId);
      this.cache.set(accountId, accessKeyId, v, now);
    }
    return v === 'unknown' ? undefined : v;
  }

  session(accessKeyId: string, token: string, nowMs: number): OpenedSession {
    return this.deps.sessions.open(accessKeyId, token, nowMs);
  }

  noteUse(accessKeyId: string, service: string, region: string, nowMs: number): void {
    this.deps.usage.note(accessKeyId, service, region, nowMs);
  }

  private async load(accessKeyId: string): Promise<{ accountId: string; value: Cached }> {
    const iam = this.deps.iam();
    const key = await iam.accessKeys.get(accessKeyId);
    if (!key) return { accountId: '', value: 'unknown' };
    if (key.status !== 'Active') return { accountId: key.account_id, value: 'inactive' };
    const user = await iam.users.get(key.account_id, key.user_key);
    if (!user) return { accountId: key.account_id, value: 'unknown' };
    const identity = userIdentity({ accountId: user.account_id, name: user.name, path: user.path, id: user.id, tags: tagMap(user.tags) }, accessKeyId);
    return { accountId: key.account_id, value: { identity, secret: this.deps.secrets.open(accessKeyId, key.secret) } };
  }
}
