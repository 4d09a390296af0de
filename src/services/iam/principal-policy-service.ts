// The policies of a user, group or role: inline ones (Put/Get/List/Delete{User,Group,Role}Policy,
// their sizes counted together) and attached managed ones (Attach/Detach, ListAttached*).
import { checkInlinePolicySize } from '../../iam/policy/index.js';
import { AWS_MANAGED_POLICIES } from '../../iam/aws-managed-policies.js';
import { parseIamArn } from '../../iam/arns.js';
import type { IamRepos } from '../../store/repos/iam.js';
import type { IamOwner } from '../../store/repos/iam-policy-links.js';
import { noSuch, noSuchInline, noSuchPolicy, notAttachable, quota, type EntityNoun } from './iam-errors.js';
import { pageOf, required, type IamContext, type Page, type PageRequest } from './iam-context.js';
import { checkPolicy } from './policy-documents.js';
import { wireDocument, type AttachedPolicyView } from './iam-views.js';
import type { ManagedPolicyService } from './managed-policy-service.js';

const ATTACHED_PER_ENTITY = 10;
const QUOTA_NAME: Record<EntityNoun, string> = { user: 'PoliciesPerUser', group: 'PoliciesPerGroup', role: 'PoliciesPerRole' };

export class PrincipalPolicyService {
  constructor(
    private readonly c: IamContext,
    private readonly managed: ManagedPolicyService,
  ) {}

  private async owner(iam: IamRepos, accountId: string, noun: EntityNoun, name: string): Promise<IamOwner & { name: string }> {
    const repo = noun === 'user' ? iam.users : noun === 'group' ? iam.groups : iam.roles;
    const row = await required(repo, accountId, name, () => noSuch(noun, name));
    return { accountId, type: noun, key: row.name_key, name: row.name };
  }

  async putInline(accountId: string, noun: EntityNoun, name: string, policyName: string, document: string): Promise<void> {
    checkPolicy(document, 'identity');
    await this.c.write(accountId, async (iam) => {
      const owner = await this.owner(iam, accountId, noun, name);
      const others = (await iam.links.inlineOf(accountId, [owner])).filter((p) => p.policy_name !== policyName).map((p) => p.document);
      checkPolicy(document, 'identity', { size: () => checkInlinePolicySize(noun, owner.name, [...others, document]) });
      await iam.links.putInline(owner, policyName, document);
    });
  }

  async getInline(accountId: string, noun: EntityNoun, name: string, policyName: string): Promise<{ name: string; policyName: string; document: string }> {
    const owner = await this.owner(this.c.iam, accountId, noun, name);
    const row = await this.c.iam.links.inline(owner, policyName);
    if (!row) throw noSuchInline(noun, policyName);
    return { name: owner.name, policyName: row.policy_name, document: wireDocument(row.document) };
  }

  async listInline(accountId: string, noun: EntityNoun, name: string, page: PageRequest): Promise<Page<string>> {
    const owner = await this.owner(this.c.iam, accountId, noun, name);
    const names = (await this.c.iam.links.inlineOf(accountId, [owner])).map((p) => p.policy_name);
    return pageOf(['ListInline', accountId, noun, owner.key], page, async (after, limit) => names.filter((n) => after === undefined || n > after).slice(0, limit), (n) => n, (n) => n);
  }

  async deleteInline(accountId: string, noun: EntityNoun, name: string, policyName: string): Promise<void> {
    await this.c.write(accountId, async (iam) => {
      const owner = await this.owner(iam, accountId, noun, name);
      if (!(await iam.links.deleteInline(owner, policyName))) throw noSuchInline(noun, policyName);
    });
  }

  async attach(accountId: string, noun: EntityNoun, name: string, policyArn: string): Promise<void> {
    await this.c.write(accountId, async (iam) => {
      const owner = await this.owner(iam, accountId, noun, name);
      if (!(await this.managed.exists(iam, accountId, policyArn))) throw notAttachable(policyArn);
      const attached = await iam.links.attachedTo(accountId, [owner]);
      if (!attached.some((a) => a.policy_arn === policyArn) && attached.length >= ATTACHED_PER_ENTITY) throw quota(QUOTA_NAME[noun], ATTACHED_PER_ENTITY);
      await iam.links.attach(owner, policyArn);
    });
  }

  async detach(accountId: string, noun: EntityNoun, name: string, policyArn: string): Promise<void> {
    await this.c.write(accountId, async (iam) => {
      const owner = await this.owner(iam, accountId, noun, name);
      if (!(await iam.links.detach(owner, policyArn))) throw noSuchPolicy(policyArn);
    });
  }

  async listAttached(accountId: string, noun: EntityNoun, name: string, pathPrefix: string | undefined, page: PageRequest): Promise<Page<AttachedPolicyView>> {
    const owner = await this.owner(this.c.iam, accountId, noun, name);
    const views = attachedViews((await this.c.iam.links.attachedTo(accountId, [owner])).map((a) => a.policy_arn)).filter((v) => pathPrefix === undefined || (parseIamArn(v.PolicyArn)?.path ?? '/').startsWith(pathPrefix));
    return pageOf(['ListAttached', accountId, noun, owner.key, pathPrefix], page, async (after, limit) => views.filter((v) => after === undefined || v.PolicyArn > after).slice(0, limit), (v) => v.PolicyArn, (v) => v);
  }
}

export function attachedViews(arns: string[]): AttachedPolicyView[] {
  return arns.map((arn) => ({ PolicyName: AWS_MANAGED_POLICIES.get(arn)?.name ?? arn.slice(arn.lastIndexOf('/') + 1), PolicyArn: arn }));
}
