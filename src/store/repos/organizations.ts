// Which AWS Organization (and OU path) an account belongs to: what launch permissions to
// OrganizationArn / OrganizationalUnitArn resolve against. Set by the operator.
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';
import { prepared } from '../prepared.js';

// read on every DescribeImages (the caller's organizations): built once (prepared.ts)
const membershipOf = prepared((db, accountId: string) => db.selectFrom('organization_accounts').selectAll().where('account_id', '=', accountId));

export interface Membership {
  accountId: string;
  organizationArn: string;
  /** OU ARNs from the root down to the account's OU */
  ouArns: string[];
}

export class OrganizationsRepo {
  constructor(private readonly db: Kysely<Database>) {}

  async get(accountId: string): Promise<Membership | undefined> {
    const row = await membershipOf.first(this.db, accountId);
    return row ? { accountId, organizationArn: row.organization_arn, ouArns: JSON.parse(row.ou_arns) as string[] } : undefined;
  }

  /** The ARNs a launch permission may name to include this account. */
  async principalsOf(accountId: string): Promise<string[]> {
    const m = await this.get(accountId);
    return m ? [m.organizationArn, ...m.ouArns] : [];
  }

  async put(m: Membership): Promise<void> {
    const values = { account_id: m.accountId, organization_arn: m.organizationArn, ou_arns: JSON.stringify(m.ouArns) };
    await this.db
      .insertInto('organization_accounts')
      .values(values)
      .onConflict((oc) => oc.column('account_id').doUpdateSet({ organization_arn: values.organization_arn, ou_arns: values.ou_arns }))
      .execute();
  }

  async delete(accountId: string): Promise<void> {
    await this.db.deleteFrom('organization_accounts').where('account_id', '=', accountId).execute();
  }

  async list(): Promise<Membership[]> {
    const rows = await this.db.selectFrom('organization_accounts').selectAll().orderBy('account_id').execute();
    return rows.map((r) => ({ accountId: r.account_id, organizationArn: r.organization_arn, ouArns: JSON.parse(r.ou_arns) as string[] }));
  }
}
