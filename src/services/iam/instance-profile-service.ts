// Instance profiles: containers of (at most) one role that EC2 instances are launched with.
import { newUniqueId } from '../../iam/arns.js';
import { DeleteConflicts, alreadyExists, deleteConflict, noSuch, noSuchInstanceProfile, quota } from './iam-errors.js';
import { mergeTags, nameKey, pageOf, required, type IamContext, type Page, type PageRequest } from './iam-context.js';
import { instanceProfileView, type InstanceProfileView, type TagView } from './iam-views.js';
import type { IamRepos } from '../../store/repos/iam.js';
import type { IamInstanceProfilesTable } from '../../store/schema.js';

export class InstanceProfileService {
  constructor(private readonly c: IamContext) {}

  async create(accountId: string, name: string, path = '/', tags: TagView[] = []): Promise<InstanceProfileView> {
    return this.c.write(accountId, async (iam) => {
      const row = { account_id: accountId, name_key: nameKey(name), name, id: newUniqueId('instance-profile'), path, created_at: this.c.nowIso(), role_key: null, tags: mergeTags('[]', tags) };
      if (!(await iam.instanceProfiles.insert(row))) throw alreadyExists(`Instance Profile ${name} already exists.`);
      return instanceProfileView(row, undefined);
    });
  }

  async get(accountId: string, name: string): Promise<InstanceProfileView> {
    const row = await required(this.c.iam.instanceProfiles, accountId, name, () => noSuchInstanceProfile(name));
    return this.view(this.c.iam, row);
  }

  list(accountId: string, pathPrefix: string | undefined, page: PageRequest): Promise<Page<InstanceProfileView>> {
    const iam = this.c.iam;
    return pageOf(['ListInstanceProfiles', accountId, pathPrefix], page, (after, limit) => iam.instanceProfiles.list(accountId, { pathPrefix, after, limit }), (r) => r.name_key, (r) => this.view(iam, r));
  }

  async forRole(accountId: string, roleName: string, page: PageRequest): Promise<Page<InstanceProfileView>> {
    const iam = this.c.iam;
    const role = await required(iam.roles, accountId, roleName, () => noSuch('role', roleName));
    const all = await iam.instanceProfiles.list(accountId, { limit: 10_000 });
    const keys = all.filter((p) => p.role_key === role.name_key).map((p) => p.name_key);
    return pageOf(['ListInstanceProfilesForRole', accountId, role.name_key], page, (after, limit) => iam.instanceProfiles.list(accountId, { keys, after, limit }), (r) => r.name_key, (r) => this.view(iam, r));
  }

  async delete(accountId: string, name: string): Promise<void> {
    await this.c.write(accountId, async (iam) => {
      const row = await required(iam.instanceProfiles, accountId, name, () => noSuchInstanceProfile(name));
      if (row.role_key) throw deleteConflict(DeleteConflicts.instanceProfiles);
      await iam.instanceProfiles.delete(accountId, row.name_key);
    });
  }

  async addRole(accountId: string, name: string, roleName: string): Promise<void> {
    await this.c.write(accountId, async (iam) => {
      const row = await required(iam.instanceProfiles, accountId, name, () => noSuchInstanceProfile(name));
      const role = await required(iam.roles, accountId, roleName, () => noSuch('role', roleName));
      if (row.role_key) throw quota('InstanceSessionsPerInstanceProfile', 1);
      await iam.instanceProfiles.update(accountId, row.name_key, { role_key: role.name_key });
    });
  }

  async removeRole(accountId: string, name: string, roleName: string): Promise<void> {
    await this.c.write(accountId, async (iam) => {
      const row = await required(iam.instanceProfiles, accountId, name, () => noSuchInstanceProfile(name));
      const role = await required(iam.roles, accountId, roleName, () => noSuch('role', roleName));
      if (row.role_key !== role.name_key) throw noSuch('role', roleName);
      await iam.instanceProfiles.update(accountId, row.name_key, { role_key: null });
    });
  }

  private async view(iam: IamRepos, row: IamInstanceProfilesTable): Promise<InstanceProfileView> {
    return instanceProfileView(row, row.role_key ? await iam.roles.get(row.account_id, row.role_key) : undefined);
  }
}
