// What ties IAM policies to principals: managed policy versions, inline policies (documents
// owned by a user, group or role), attachments of managed policies (customer or AWS managed,
// by ARN), and group membership.
import type { Kysely } from 'kysely';
import type { Database, IamAttachmentsTable, IamInlinePoliciesTable, IamOwnerType, IamPolicyVersionsTable } from '../schema.js';

export type IamPolicyVersionRow = IamPolicyVersionsTable;
export type IamInlinePolicyRow = IamInlinePoliciesTable;
export type IamAttachmentRow = IamAttachmentsTable;

export interface IamOwner {
  accountId: string;
  type: IamOwnerType;
  key: string;
}

export class IamPolicyLinksRepo {
  constructor(private readonly db: Kysely<Database>) {}

  // --- managed policy versions -------------------------------------------------------------
  async versions(accountId: string, policyKey: string): Promise<IamPolicyVersionRow[]> {
    const rows = await this.db.selectFrom('iam_policy_versions').selectAll().where('account_id', '=', accountId).where('policy_key', '=', policyKey).execute();
    return rows.sort((a, b) => Number(b.version_id.slice(1)) - Number(a.version_id.slice(1)));
  }

  async version(accountId: string, policyKey: string, versionId: string): Promise<IamPolicyVersionRow | undefined> {
    return this.db
      .selectFrom('iam_policy_versions')
      .selectAll()
      .where('account_id', '=', accountId)
      .where('policy_key', '=', policyKey)
      .where('version_id', '=', versionId)
      .executeTakeFirst();
  }

  async addVersion(row: IamPolicyVersionRow): Promise<void> {
    await this.db.insertInto('iam_policy_versions').values(row).execute();
  }

  async deleteVersion(accountId: string, policyKey: string, versionId: string): Promise<void> {
    await this.db.deleteFrom('iam_policy_versions').where('account_id', '=', accountId).where('policy_key', '=', policyKey).where('version_id', '=', versionId).execute();
  }

  async deleteVersions(accountId: string, policyKey: string): Promise<void> {
    await this.db.deleteFrom('iam_policy_versions').where('account_id', '=', accountId).where('policy_key', '=', policyKey).execute();
  }

  // --- inline policies ---------------------------------------------------------------------
  async inline(owner: IamOwner, policyName: string): Promise<IamInlinePolicyRow | undefined> {
    return this.db
      .selectFrom('iam_inline_policies')
      .selectAll()
      .where('account_id', '=', owner.accountId)
      .where('owner_type', '=', owner.type)
      .where('owner_key', '=', owner.key)
      .where('policy_name', '=', policyName)
      .executeTakeFirst();
  }

  /** Every inline policy of the owners (one query for a user and its groups). */
  async inlineOf(accountId: string, owners: { type: IamOwnerType; key: string }[]): Promise<IamInlinePolicyRow[]> {
    if (owners.length === 0) return [];
    return this.db
      .selectFrom('iam_inline_policies')
      .selectAll()
      .where('account_id', '=', accountId)
      .where((eb) => eb.or(owners.map((o) => eb.and([eb('owner_type', '=', o.type), eb('owner_key', '=', o.key)]))))
      .orderBy('policy_name')
      .execute();
  }

  async putInline(owner: IamOwner, policyName: string, document: string): Promise<void> {
    await this.db
      .insertInto('iam_inline_policies')
      .values({ account_id: owner.accountId, owner_type: owner.type, owner_key: owner.key, policy_name: policyName, document })
      .onConflict((oc) => oc.columns(['account_id', 'owner_type', 'owner_key', 'policy_name']).doUpdateSet({ document }))
      .execute();
  }

  async deleteInline(owner: IamOwner, policyName: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('iam_inline_policies')
      .where('account_id', '=', owner.accountId)
      .where('owner_type', '=', owner.type)
      .where('owner_key', '=', owner.key)
      .where('policy_name', '=', policyName)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // --- attachments -------------------------------------------------------------------------
  async attachedTo(accountId: string, owners: { type: IamOwnerType; key: string }[]): Promise<IamAttachmentRow[]> {
    if (owners.length === 0) return [];
    return this.db
      .selectFrom('iam_attachments')
      .selectAll()
      .where('account_id', '=', accountId)
      .where((eb) => eb.or(owners.map((o) => eb.and([eb('owner_type', '=', o.type), eb('owner_key', '=', o.key)]))))
      .orderBy('policy_arn')
      .execute();
  }

  /** Who has the policy attached (in the account: AWS managed policies are attached in many). */
  async attachmentsOf(accountId: string, policyArn: string): Promise<IamAttachmentRow[]> {
    return this.db.selectFrom('iam_attachments').selectAll().where('account_id', '=', accountId).where('policy_arn', '=', policyArn).execute();
  }

  /** Attachment counts per policy ARN in the account. */
  async attachmentCounts(accountId: string): Promise<Map<string, number>> {
    const rows = await this.db
      .selectFrom('iam_attachments')
      .select(['policy_arn', (eb) => eb.fn.countAll<number>().as('n')])
      .where('account_id', '=', accountId)
      .groupBy('policy_arn')
      .execute();
    return new Map(rows.map((r) => [r.policy_arn, Number(r.n)]));
  }

  async attach(owner: IamOwner, policyArn: string): Promise<void> {
    await this.db
      .insertInto('iam_attachments')
      .values({ account_id: owner.accountId, owner_type: owner.type, owner_key: owner.key, policy_arn: policyArn })
      .onConflict((oc) => oc.doNothing())
      .execute();
  }

  async detach(owner: IamOwner, policyArn: string): Promise<boolean> {
    const r = await this.ownedByDelete('iam_attachments', owner).where('policy_arn', '=', policyArn).executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** Whether the owner still has inline policies or attachments (DeleteUser/Group/Role refuse then). */
  async ownerHas(owner: IamOwner): Promise<{ inline: boolean; attached: boolean }> {
    const [inline, attached] = await Promise.all([
      this.ownedBy('iam_inline_policies', owner).select('owner_key').limit(1).executeTakeFirst(),
      this.ownedBy('iam_attachments', owner).select('owner_key').limit(1).executeTakeFirst(),
    ]);
    return { inline: inline !== undefined, attached: attached !== undefined };
  }

  // --- group membership --------------------------------------------------------------------
  async groupsOf(accountId: string, userKey: string): Promise<string[]> {
    const rows = await this.db.selectFrom('iam_group_members').select('group_key').where('account_id', '=', accountId).where('user_key', '=', userKey).execute();
    return rows.map((r) => r.group_key);
  }

  async membersOf(accountId: string, groupKey: string): Promise<string[]> {
    const rows = await this.db.selectFrom('iam_group_members').select('user_key').where('account_id', '=', accountId).where('group_key', '=', groupKey).execute();
    return rows.map((r) => r.user_key);
  }

  async addMember(accountId: string, groupKey: string, userKey: string): Promise<void> {
    await this.db.insertInto('iam_group_members').values({ account_id: accountId, group_key: groupKey, user_key: userKey }).onConflict((oc) => oc.doNothing()).execute();
  }

  async removeMember(accountId: string, groupKey: string, userKey: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('iam_group_members')
      .where('account_id', '=', accountId)
      .where('group_key', '=', groupKey)
      .where('user_key', '=', userKey)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  /** A deleted user leaves its groups. */
  async removeUserEverywhere(accountId: string, userKey: string): Promise<void> {
    await this.db.deleteFrom('iam_group_members').where('account_id', '=', accountId).where('user_key', '=', userKey).execute();
  }

  private ownedBy(table: 'iam_inline_policies' | 'iam_attachments', o: IamOwner) {
    return this.db
      .selectFrom(table as 'iam_attachments')
      .where('account_id', '=', o.accountId)
      .where('owner_type', '=', o.type)
      .where('owner_key', '=', o.key);
  }

  private ownedByDelete(table: 'iam_attachments', o: IamOwner) {
    return this.db.deleteFrom(table).where('account_id', '=', o.accountId).where('owner_type', '=', o.type).where('owner_key', '=', o.key);
  }
}
