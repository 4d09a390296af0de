// IAM roles: create with a trust policy (AssumeRolePolicyDocument), get, list, update
// (description, MaxSessionDuration), UpdateAssumeRolePolicy, delete (once its policies and
// instance profiles are gone), tags and permissions boundaries.
import { checkTrustPolicySize } from '../../iam/policy/index.js';
import { newUniqueId } from '../../iam/arns.js';
import { DeleteConflicts, deleteConflict, entityExists, noSuch } from './iam-errors.js';
import { mergeTags, nameKey, pageOf, removeTags, required, type IamContext, type Page, type PageRequest } from './iam-context.js';
import { checkBoundary, checkPolicy } from './policy-documents.js';
import { parseTags, roleView, type RoleView, type TagView } from './iam-views.js';
import type { IamRolesTable } from '../../store/schema.js';

export const DEFAULT_MAX_SESSION_DURATION = 3600;

export interface NewRole {
  name: string;
  path?: string;
  trustPolicy: string;
  description?: string;
  maxSessionDuration?: number;
  permissionsBoundary?: string;
  tags?: TagView[];
}

export class RoleService {
  constructor(private readonly c: IamContext) {}

  async create(accountId: string, r: NewRole): Promise<RoleView> {
    checkPolicy(r.trustPolicy, 'trust', { size: () => checkTrustPolicySize(r.trustPolicy) });
    return this.c.write(accountId, async (iam) => {
      if (r.permissionsBoundary) await checkBoundary(iam, accountId, r.permissionsBoundary);
      const row: IamRolesTable = {
        account_id: accountId,
        name_key: nameKey(r.name),
        name: r.name,
        id: newUniqueId('role'),
        path: r.path ?? '/',
        created_at: this.c.nowIso(),
        trust_policy: r.trustPolicy,
        description: r.description ?? null,
        max_session_duration: r.maxSessionDuration ?? DEFAULT_MAX_SESSION_DURATION,
        permissions_boundary: r.permissionsBoundary ?? null,
        tags: mergeTags('[]', r.tags ?? []),
      };
      if (!(await iam.roles.insert(row))) throw entityExists('role', r.name);
      return roleView(row);
    });
  }

  /** The role's row (STS reads trust policies and session limits through it). */
  row(accountId: string, name: string): Promise<IamRolesTable | undefined> {
    return this.c.iam.roles.get(accountId, nameKey(name));
  }

  async get(accountId: string, name: string): Promise<RoleView> {
    return roleView(await required(this.c.iam.roles, accountId, name, () => noSuch('role', name)));
  }

  list(accountId: string, pathPrefix: string | undefined, page: PageRequest): Promise<Page<RoleView>> {
    return pageOf(['ListRoles', accountId, pathPrefix], page, (after, limit) => this.c.iam.roles.list(accountId, { pathPrefix, after, limit }), (r) => r.name_key, roleView);
  }

  async update(accountId: string, name: string, changes: { description?: string; maxSessionDuration?: number }): Promise<void> {
    await this.c.write(accountId, async (iam) => {
      const role = await required(iam.roles, accountId, name, () => noSuch('role', name));
      await iam.roles.update(accountId, role.name_key, {
        ...(changes.description !== undefined ? { description: changes.description } : {}),
        ...(changes.maxSessionDuration !== undefined ? { max_session_duration: changes.maxSessionDuration } : {}),
      });
    });
  }

  async updateTrustPolicy(accountId: string, name: string, document: string): Promise<void> {
    checkPolicy(document, 'trust', { size: () => checkTrustPolicySize(document) });
    await this.c.write(accountId, async (iam) => {
      const role = await required(iam.roles, accountId, name, () => noSuch('role', name));
      await iam.roles.update(accountId, role.name_key, { trust_policy: document });
    });
  }

  async delete(accountId: string, name: string): Promise<void> {
    await this.c.write(accountId, async (iam) => {
      const role = await required(iam.roles, accountId, name, () => noSuch('role', name));
      const has = await iam.links.ownerHas({ accountId, type: 'role', key: role.name_key });
      if (has.inline) throw deleteConflict(DeleteConflicts.inline);
      if (has.attached) throw deleteConflict(DeleteConflicts.attached);
      if ((await iam.instanceProfiles.list(accountId, { limit: 1000 })).some((p) => p.role_key === role.name_key)) throw deleteConflict(DeleteConflicts.instanceProfiles);
      await iam.roles.delete(accountId, role.name_key);
    });
  }

  async tag(accountId: string, name: string, tags: TagView[]): Promise<void> {
    await this.c.write(accountId, async (iam) => {
      const role = await required(iam.roles, accountId, name, () => noSuch('role', name));
      await iam.roles.update(accountId, role.name_key, { tags: mergeTags(role.tags, tags) });
    });
  }

  async untag(accountId: string, name: string, keys: string[]): Promise<void> {
    await this.c.write(accountId, async (iam) => {
      const role = await required(iam.roles, accountId, name, () => noSuch('role', name));
      await iam.roles.update(accountId, role.name_key, { tags: removeTags(role.tags, keys) });
    });
  }

  async tags(accountId: string, name: string): Promise<TagView[]> {
    return parseTags((await required(this.c.iam.roles, accountId, name, () => noSuch('role', name))).tags);
  }

  async setBoundary(accountId: string, name: string, arn: string | null): Promise<void> {
    await this.c.write(accountId, async (iam) => {
      const role = await required(iam.roles, accountId, name, () => noSuch('role', name));
      if (arn) await checkBoundary(iam, accountId, arn);
      await iam.roles.update(accountId, role.name_key, { permissions_boundary: arn });
    });
  }
}
