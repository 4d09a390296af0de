// IAM's repos, as one member of Repos (so they share its handle and transactions).
import type { Kysely } from 'kysely';
import type { Database, IamInstanceProfilesTable, IamNamedTable, IamPoliciesTable, IamRolesTable, IamUsersTable } from '../schema.js';
import { IamEntitiesRepo } from './iam-entities.js';
import { IamPolicyLinksRepo } from './iam-policy-links.js';
import { IamAccessKeysRepo } from './iam-access-keys.js';

export class IamRepos {
  readonly users: IamEntitiesRepo<IamUsersTable>;
  readonly groups: IamEntitiesRepo<IamNamedTable>;
  readonly roles: IamEntitiesRepo<IamRolesTable>;
  readonly policies: IamEntitiesRepo<IamPoliciesTable>;
  readonly instanceProfiles: IamEntitiesRepo<IamInstanceProfilesTable>;
  readonly links: IamPolicyLinksRepo;
  readonly accessKeys: IamAccessKeysRepo;

  constructor(db: Kysely<Database>) {
    this.users = new IamEntitiesRepo(db, 'iam_users');
    this.groups = new IamEntitiesRepo(db, 'iam_groups');
    this.roles = new IamEntitiesRepo(db, 'iam_roles');
    this.policies = new IamEntitiesRepo(db, 'iam_policies');
    this.instanceProfiles = new IamEntitiesRepo(db, 'iam_instance_profiles');
    this.links = new IamPolicyLinksRepo(db);
    this.accessKeys = new IamAccessKeysRepo(db);
  }
}
