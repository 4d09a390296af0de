// Security groups and their rules (ingress and egress), per account and region.
import { atomic } from '../atomic.js';
import { sql, type Kysely, type Selectable } from 'kysely';
import type { Database, SecurityGroupRulesTable, SecurityGroupsTable } from '../schema.js';
import type { Scope } from '../scope.js';
import { prepared } from '../prepared.js';

export type SecurityGroupRow = Selectable<SecurityGroupsTable>;
export type SecurityGroupRuleRow = Selectable<SecurityGroupRulesTable>;

const groupByName = prepared((db, accountId: string, region: string, vpcId: string, name: string) =>
  db.selectFrom('security_groups').selectAll().where('account_id', '=', accountId).where('region', '=', region).where('vpc_id', '=', vpcId).where('group_name', '=', name),
);

export class SecurityGroupsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  /** Inserts a group and its first rules; a group that exists already (same id or name) is left alone. */
  async insert(group: SecurityGroupRow, rules: SecurityGroupRuleRow[]): Promise<boolean> {
    return atomic(this.db, async (trx) => {
      const result = await trx.insertInto('security_groups').values(group).onConflict((oc) => oc.doNothing()).executeTakeFirst();
      if (Number(result.numInsertedOrUpdatedRows ?? 0) === 0) return false;
      if (rules.length) await trx.insertInto('security_group_rules').values(rules).onConflict((oc) => oc.doNothing()).execute();
      return true;
    });
  }

  async get(groupId: string): Promise<SecurityGroupRow | undefined> {
    return this.db.selectFrom('security_groups').selectAll().where('group_id', '=', groupId).executeTakeFirst();
  }

  /** The group of a VPC with this name (the unique index security_groups_name). */
  async byName(scope: Scope, vpcId: string, name: string): Promise<SecurityGroupRow | undefined> {
    return groupByName.first(this.db, scope.accountId, scope.region, vpcId, name);
  }

  async list(scope: Scope): Promise<SecurityGroupRow[]> {
    return this.db.selectFrom('security_groups').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region).orderBy('group_id').execute();
  }

  async delete(groupId: string): Promise<void> {
    await atomic(this.db, async (trx) => {
      await trx.deleteFrom('security_group_rules').where('group_id', '=', groupId).execute();
      await trx.deleteFrom('security_groups').where('group_id', '=', groupId).execute();
    });
  }

  async rules(scope: Scope, groupIds?: readonly string[]): Promise<SecurityGroupRuleRow[]> {
    let q = this.db.selectFrom('security_group_rules').selectAll().where('account_id', '=', scope.accountId).where('region', '=', scope.region);
    if (groupIds) q = q.where('group_id', 'in', groupIds.length ? (groupIds as string[]) : ['']);
    return q.orderBy('created_at').orderBy('position').orderBy('rule_id').execute();
  }

  /** Rules of other groups that name `groupId` as their peer. */
  async referencing(groupId: string): Promise<SecurityGroupRuleRow[]> {
    return this.db.selectFrom('security_group_rules').selectAll().where('referenced_group_id', '=', groupId).where('group_id', '<>', groupId).execute();
  }

  async addRules(rules: SecurityGroupRuleRow[]): Promise<void> {
    if (rules.length) await this.db.insertInto('security_group_rules').values(rules).execute();
  }

  async deleteRules(ruleIds: readonly string[]): Promise<void> {
    if (ruleIds.length) await this.db.deleteFrom('security_group_rules').where('rule_id', 'in', ruleIds as string[]).execute();
  }
}
