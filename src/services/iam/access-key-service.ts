// IAM users' access keys: AKIA… ids, 40-character secrets shown once (stored only sealed under a
// key derived from the master key), Active/Inactive, at most two per user, and their last use.
import { newAccessKeyId } from '../../iam/arns.js';
import type { CallerIdentity } from '../../iam/principal.js';
import { noSuch, noSuchAccessKey, quota, validationError } from './iam-errors.js';
import { required, type IamContext } from './iam-context.js';
import type { AccessKeyView } from './iam-views.js';
import type { IamAccessKeyRow } from '../../store/repos/iam-access-keys.js';
import type { IamRepos } from '../../store/repos/iam.js';

const KEYS_PER_USER = 2;

export interface AccessKeyLastUse {
  userName: string;
  serviceName: string;
  region: string;
  lastUsedDate?: Date;
}

export class AccessKeyService {
  constructor(private readonly c: IamContext) {}

  /** UserName defaults to the calling user (roots and roles must name one). */
  private userOf(caller: CallerIdentity, userName: string | undefined): string {
    if (userName !== undefined) return userName;
    if (caller.kind !== 'user') throw validationError('Must specify userName when calling with non-User credentials');
    return caller.userName!;
  }

  async create(caller: CallerIdentity, userName?: string): Promise<AccessKeyView & { SecretAccessKey: string }> {
    const name = this.userOf(caller, userName);
    const accountId = caller.accountId;
    return this.c.write(accountId, async (iam) => {
      const user = await required(iam.users, accountId, name, () => noSuch('user', name));
      if ((await iam.accessKeys.ofUser(accountId, user.name_key)).length >= KEYS_PER_USER) throw quota('AccessKeysPerUser', KEYS_PER_USER);
      const accessKeyId = newAccessKeyId(false);
      const { secret, sealed } = this.c.deps.secrets.create(accessKeyId);
      const row: IamAccessKeyRow = {
        access_key_id: accessKeyId,
        account_id: accountId,
        user_key: user.name_key,
        secret: sealed,
        status: 'Active',
        created_at: this.c.nowIso(),
        last_used_at: null,
        last_used_service: null,
        last_used_region: null,
      };
      await iam.accessKeys.insert(row);
      return { UserName: user.name, AccessKeyId: accessKeyId, Status: 'Active', CreateDate: new Date(row.created_at), SecretAccessKey: secret };
    });
  }

  async list(caller: CallerIdentity, userName?: string): Promise<AccessKeyView[]> {
    const name = this.userOf(caller, userName);
    const user = await required(this.c.iam.users, caller.accountId, name, () => noSuch('user', name));
    const rows = await this.c.iam.accessKeys.ofUser(caller.accountId, user.name_key);
    return rows.map((r) => ({ UserName: user.name, AccessKeyId: r.access_key_id, Status: r.status, CreateDate: new Date(r.created_at) }));
  }

  async setStatus(caller: CallerIdentity, accessKeyId: string, status: 'Active' | 'Inactive', userName?: string): Promise<void> {
    await this.c.write(caller.accountId, async (iam) => {
      await this.owned(iam, caller, accessKeyId, userName);
      await iam.accessKeys.setStatus(accessKeyId, status);
    });
  }

  async delete(caller: CallerIdentity, accessKeyId: string, userName?: string): Promise<void> {
    await this.c.write(caller.accountId, async (iam) => {
      await this.owned(iam, caller, accessKeyId, userName);
      await iam.accessKeys.delete(accessKeyId);
    });
  }

  /** GetAccessKeyLastUsed: any key of the caller's account. */
  async lastUsed(accountId: string, accessKeyId: string): Promise<AccessKeyLastUse> {
    const key = await this.c.iam.accessKeys.get(accessKeyId);
    if (!key || key.account_id !== accountId) throw noSuchAccessKey(accessKeyId);
    const user = await this.c.iam.users.get(accountId, key.user_key);
    return {
      userName: user?.name ?? key.user_key,
      serviceName: key.last_used_service ?? 'N/A',
      region: key.last_used_region ?? 'N/A',
      ...(key.last_used_at ? { lastUsedDate: new Date(key.last_used_at) } : {}),
    };
  }

  private async owned(iam: IamRepos, caller: CallerIdentity, accessKeyId: string, userName: string | undefined): Promise<void> {
    const name = this.userOf(caller, userName);
    const user = await required(iam.users, caller.accountId, name, () => noSuch('user', name));
    const key = await iam.accessKeys.get(accessKeyId);
    if (!key || key.account_id !== caller.accountId || key.user_key !== user.name_key) throw noSuchAccessKey(accessKeyId);
  }
}
