// IAM users: create (with a permissions boundary and tags), get, list by path, delete (once its
// keys, policies and group memberships are gone), tags and permissions boundaries.
import { newUniqueId } from '../../iam/arns.js';
import type { CallerIdentity } from '../../iam/principal.js';
import { DeleteConflicts, deleteConflict, entityExists, noSuch, validationError } from './iam-errors.js';
import { mergeTags, nameKey, pageOf, removeTags, required, type IamContext, type Page, type PageRequest } from './iam-context.js';
import { checkBoundary } from './policy-documents.js';
import { groupView, parseTags, userView, type GroupView, type TagView, type UserView } from './iam-views.js';

export interface NewUser {
  name: string;
  path?: string;
  permissionsBoundary?: string;
  tags?: TagView[];
}

export class UserService {
  constructor(private readonly c: IamContext) {}

  async create(accountId: string, u: NewUser): Promise<UserView> {
    return this.c.write(accountId, async (iam) => {
      if (u.permissionsBoundary) await checkBoundary(iam, accountId, u.permissionsBoundary);
      const row = {
        account_id: accountId,
        name_key: nameKey(u.name),
        name: u.name,
        id: newUniqueId('user'),
        path: u.path ?? '/',
        created_at: this.c.nowIso(),
        permissions_boundary: u.permissionsBoundary ?? null,
        tags: mergeTags('[]', u.tags ?? []),
      };
      if (!(await iam.users.insert(row))) throw entityExists('user', u.name);
      return userView(row);
    });
  }

  /** GetUser: the named user, or (no name) the caller — a user, or the account's root. */
  async get(caller: CallerIdentity, name: string | undefined): Promise<UserView> {
    if (name === undefined) {
      if (caller.kind === 'root') return { Path: '/', UserName: '', UserId: caller.accountId, Arn: caller.arn, CreateDate: new Date(0) };
      if (caller.kind !== 'user') throw validationError('Must specify userName when calling with non-User credentials');
      name = caller.userName!;
    }
    return userView(await required(this.c.iam.users, caller.accountId, name, () => noSuch('user', name)));
  }

  list(accountId: string, pathPrefix: string | undefined, page: PageRequest): Promise<Page<UserView>> {
    return pageOf(['ListUsers', accountId, pathPrefix], page, (after, limit) => this.c.iam.users.list(accountId, { pathPrefix, after, limit }), (r) => r.name_key, userView);
  }

  async delete(accountId: string, name: string): Promise<void> {
    await this.c.write(accountId, async (iam) => {
      const user = await required(iam.users, accountId, name, () => noSuch('user', name));
      if ((await iam.accessKeys.ofUser(accountId, user.name_key)).length) throw deleteConflict(DeleteConflicts.accessKeys);
      const has = await iam.links.ownerHas({ accountId, type: 'user', key: user.name_key });
      if (has.inline) throw deleteConflict(DeleteConflicts.inline);
      if (has.attached) throw deleteConflict(DeleteConflicts.attached);
      if ((await iam.links.groupsOf(accountId, user.name_key)).length) throw deleteConflict(DeleteConflicts.userGroups);
      await iam.users.delete(accountId, user.name_key);
    });
  }

  async tag(accountId: string, name: string, tags: TagView[]): Promise<void> {
    await this.c.write(accountId, async (iam) => {
      const user = await required(iam.users, accountId, name, () => noSuch('user', name));
      await iam.users.update(accountId, user.name_key, { tags: mergeTags(user.tags, tags) });
    });
  }

  async untag(accountId: string, name: string, keys: string[]): Promise<void> {
    await this.c.write(accountId, async (iam) => {
      const user = await required(iam.users, accountId, name, () => noSuch('user', name));
      await iam.users.update(accountId, user.name_key, { tags: removeTags(user.tags, keys) });
    });
  }

  async tags(accountId: string, name: string): Promise<TagView[]> {
    return parseTags((await required(this.c.iam.users, accountId, name, () => noSuch('user', name))).tags);
  }

  async setBoundary(accountId: string, name: string, arn: string | null): Promise<void> {
    await this.c.write(accountId, async (iam) => {
      const user = await required(iam.users, accountId, name, () => noSuch('user', name));
      if (arn) await checkBoundary(iam, accountId, arn);
      await iam.users.update(accountId, user.name_key, { permissions_boundary: arn });
    });
  }

  async groups(accountId: string, name: string, page: PageRequest): Promise<Page<GroupView>> {
    const user = await required(this.c.iam.users, accountId, name, () => noSuch('user', name));
    const keys = await this.c.iam.links.groupsOf(accountId, user.name_key);
    return pageOf(['ListGroupsForUser', accountId, user.name_key], page, (after, limit) => this.c.iam.groups.list(accountId, { keys, after, limit }), (r) => r.name_key, groupView);
  }
}
