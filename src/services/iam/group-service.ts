// IAM groups and their members.
import { newUniqueId } from '../../iam/arns.js';
import { DeleteConflicts, deleteConflict, entityExists, noSuch, quota } from './iam-errors.js';
import { nameKey, pageOf, required, type IamContext, type Page, type PageRequest } from './iam-context.js';
import { groupView, userView, type GroupView, type UserView } from './iam-views.js';

const GROUPS_PER_USER = 10;

export class GroupService {
  constructor(private readonly c: IamContext) {}

  async create(accountId: string, name: string, path = '/'): Promise<GroupView> {
    return this.c.write(accountId, async (iam) => {
      const row = { account_id: accountId, name_key: nameKey(name), name, id: newUniqueId('group'), path, created_at: this.c.nowIso() };
      if (!(await iam.groups.insert(row))) throw entityExists('group', name);
      return groupView(row);
    });
  }

  /** GetGroup: the group and (paged) its users. */
  async get(accountId: string, name: string, page: PageRequest): Promise<{ group: GroupView; users: Page<UserView> }> {
    const group = await required(this.c.iam.groups, accountId, name, () => noSuch('group', name));
    const keys = await this.c.iam.links.membersOf(accountId, group.name_key);
    const users = await pageOf(['GetGroup', accountId, group.name_key], page, (after, limit) => this.c.iam.users.list(accountId, { keys, after, limit }), (r) => r.name_key, userView);
    return { group: groupView(group), users };
  }

  list(accountId: string, pathPrefix: string | undefined, page: PageRequest): Promise<Page<GroupView>> {
    return pageOf(['ListGroups', accountId, pathPrefix], page, (after, limit) => this.c.iam.groups.list(accountId, { pathPrefix, after, limit }), (r) => r.name_key, groupView);
  }

  async delete(accountId: string, name: string): Promise<void> {
    await this.c.write(accountId, async (iam) => {
      const group = await required(iam.groups, accountId, name, () => noSuch('group', name));
      if ((await iam.links.membersOf(accountId, group.name_key)).length) throw deleteConflict(DeleteConflicts.groupMembers);
      const has = await iam.links.ownerHas({ accountId, type: 'group', key: group.name_key });
      if (has.inline) throw deleteConflict(DeleteConflicts.inline);
      if (has.attached) throw deleteConflict(DeleteConflicts.attached);
      await iam.groups.delete(accountId, group.name_key);
    });
  }

  async addUser(accountId: string, groupName: string, userName: string): Promise<void> {
    await this.c.write(accountId, async (iam) => {
      const group = await required(iam.groups, accountId, groupName, () => noSuch('group', groupName));
      const user = await required(iam.users, accountId, userName, () => noSuch('user', userName));
      const groups = await iam.links.groupsOf(accountId, user.name_key);
      if (!groups.includes(group.name_key) && groups.length >= GROUPS_PER_USER) throw quota('GroupsPerUser', GROUPS_PER_USER);
      await iam.links.addMember(accountId, group.name_key, user.name_key);
    });
  }

  async removeUser(accountId: string, groupName: string, userName: string): Promise<void> {
    await this.c.write(accountId, async (iam) => {
      const group = await required(iam.groups, accountId, groupName, () => noSuch('group', groupName));
      const user = await required(iam.users, accountId, userName, () => noSuch('user', userName));
      if (!(await iam.links.removeMember(accountId, group.name_key, user.name_key))) throw noSuch('user', userName);
    });
  }
}
