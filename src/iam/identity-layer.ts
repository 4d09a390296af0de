// The identity layer as the composition root builds it: one set of keys derived from the master
// key (access key secrets, session tokens, authorization messages), the change generations the
// caches key on, the credential resolver the authenticator uses and policiesFor.
import type { Store } from '../store/store.js';
import { AccessKeySecrets } from './access-key-secrets.js';
import { keyAuthorizationMessages } from './authorization-message.js';
import { CredentialResolver } from './credential-resolver.js';
import { IamChanges } from './iam-changes.js';
import { KeyUsage } from './key-usage.js';
import { PrincipalPolicyResolver } from './principal-policies.js';
import { SessionTokens } from './session-tokens.js';

export interface IdentityLayer {
  changes: IamChanges;
  secrets: AccessKeySecrets;
  sessions: SessionTokens;
  usage: KeyUsage;
  credentials: CredentialResolver;
  /** `policies.policiesFor(identity)`: what enforcement evaluates */
  policies: PrincipalPolicyResolver;
}

export function createIdentity(deps: { store: Store; masterKey: Buffer; now?: () => number; onError?: (e: unknown) => void }): IdentityLayer {
  keyAuthorizationMessages(deps.masterKey);
  const changes = new IamChanges();
  const secrets = new AccessKeySecrets(deps.masterKey);
  const sessions = new SessionTokens(deps.masterKey);
  const usage = new KeyUsage(deps.store.iam.accessKeys, 5_000, deps.onError);
  const iam = () => deps.store.iam;
  return {
    changes,
    secrets,
    sessions,
    usage,
    credentials: new CredentialResolver({ iam, secrets, sessions, usage, changes, now: deps.now }),
    policies: new PrincipalPolicyResolver(iam, changes, deps.now),
  };
}
