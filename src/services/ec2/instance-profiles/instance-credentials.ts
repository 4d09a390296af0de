// What the instance metadata service answers under `meta-data/iam/` (EC2 User Guide, "Retrieve
// security credentials from instance metadata"; "Instance metadata categories"):
//
//   iam/                                   info, security-credentials/ (just info: a profile without a role)
//   iam/info                               {Code, LastUpdated, InstanceProfileArn, InstanceProfileId}
//   iam/security-credentials/              the role's name
//   iam/security-credentials/<role>        {Code "Success", LastUpdated, Type "AWS-HMAC", AccessKeyId,
//                                           SecretAccessKey, Token, Expiration}
//   anything else, or no profile           404 (and no `iam/` in meta-data/)
//
// The credentials are an assumed-role session of the instance's profile's role, named after the
// instance (arn:aws:sts::<account>:assumed-role/<role>/<instance id>), minted by SessionTokens:
// nothing is stored, every node sharing the master key accepts them, and they outlive a restart.
// They last 6 hours and are cached per instance (and per IMDS version: EC2 hands IMDSv1 and
// IMDSv2 callers different credentials); a request made when less than 15 minutes remain gets
// fresh ones (AWS makes new credentials available at least 5 minutes before the old expire).
// Everything is read per request, so an association, a replaced profile or a profile's new role
// shows at the next request.
import { roleSessionIdentity, tagMap } from '../../../iam/identities.js';
import type { SessionCredentials, SessionTokens } from '../../../iam/session-tokens.js';
import type { Store } from '../../../store/store.js';
import { specOf } from '../instances/instance-row.js';

export interface InstanceCredentialsDeps {
  store: Pick<Store, 'instances' | 'iam'>;
  sessions: SessionTokens;
  now?: () => number;
  /** how long credentials last (default 6 h) */
  durationMs?: number;
  /** renewed when less than this remains (default 15 min) */
  renewBeforeMs?: number;
}

interface Cached {
  /** the role session they were minted for: instance, delivery, profile and role */
  key: string;
  credentials: SessionCredentials;
  issuedAt: number;
}

const CACHE_LIMIT = 10_000;

/** AWS's timestamps in instance metadata: seconds, Z. */
const stamp = (ms: number) => new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');

/** JSON laid out as the metadata service writes it (two spaces, `"key" : value`). */
const metadataJson = (fields: Record<string, string>) =>
  `{\n${Object.entries(fields)
    .map(([k, v]) => `  ${JSON.stringify(k)} : ${JSON.stringify(v)}`)
    .join(',\n')}\n}`;

export class InstanceCredentials {
  private readonly cache = new Map<string, Cached>();

  constructor(private readonly deps: InstanceCredentialsDeps) {}

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** The answer for `path` below `meta-data/iam/` ('' for the directory), undefined for 404. */
  async answer(instanceId: string, path: string, request: { tokenUsed: boolean }): Promise<string | undefined> {
    const { store } = this.deps;
    const instance = await store.instances.get(instanceId);
    const held = instance && specOf(instance).iamInstanceProfile;
    if (!instance || !held) return undefined;
    const profile = await store.iam.instanceProfiles.getById(held.id);
    const role = profile?.role_key ? await store.iam.roles.get(profile.account_id, profile.role_key) : undefined;
    const parts = path.split('/').filter(Boolean);
    switch (parts.length === 0 ? '' : parts[0]) {
      case '':
        return role ? 'info\nsecurity-credentials/' : 'info';
      case 'info':
        if (parts.length > 1) return undefined;
        return metadataJson({
          Code: 'Success',
          LastUpdated: stamp(role ? this.session(instance.instance_id, request.tokenUsed, held.id, role).issuedAt : this.now()),
          InstanceProfileArn: held.arn,
          InstanceProfileId: held.id,
        });
      case 'security-credentials': {
        if (!role || parts.length > 2) return undefined;
        if (parts.length === 1) return role.name;
        if (parts[1] !== role.name) return undefined;
        const { credentials, issuedAt } = this.session(instance.instance_id, request.tokenUsed, held.id, role);
        return metadataJson({
          Code: 'Success',
          LastUpdated: stamp(issuedAt),
          Type: 'AWS-HMAC',
          AccessKeyId: credentials.accessKeyId,
          SecretAccessKey: credentials.secretAccessKey,
          Token: credentials.sessionToken,
          Expiration: stamp(credentials.expiration),
        });
      }
      default:
        return undefined;
    }
  }

  /** The instance's current credentials for the role, minted when there are none or they are about to expire. */
  private session(instanceId: string, tokenUsed: boolean, profileId: string, role: { account_id: string; name: string; path: string; id: string; tags: string }): Cached {
    const now = this.now();
    const slot = `${instanceId}|${tokenUsed ? 'v2' : 'v1'}`;
    const key = `${slot}|${profileId}|${role.id}`;
    const cached = this.cache.get(slot);
    if (cached && cached.key === key && cached.credentials.expiration - now > (this.deps.renewBeforeMs ?? 15 * 60_000)) return cached;
    const { accessKeyId: _none, ...identity } = roleSessionIdentity(
      { accountId: role.account_id, roleName: role.name, rolePath: role.path, roleId: role.id, sessionName: instanceId, tags: tagMap(role.tags) },
      '',
    );
    void _none;
    const credentials = this.deps.sessions.issue({ ...identity, session: { expiresAt: now + (this.deps.durationMs ?? 6 * 3600_000) } });
    if (this.cache.size >= CACHE_LIMIT) {
      for (const [k, c] of this.cache) if (c.credentials.expiration <= now) this.cache.delete(k);
      if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    }
    const fresh = { key, credentials, issuedAt: now };
    this.cache.set(slot, fresh);
    return fresh;
  }
}
