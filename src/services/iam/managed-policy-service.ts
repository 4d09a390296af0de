// Managed policies: the account's own (customer managed: create, versions v1, v2, … — at most
// five, one of them the default —, delete once detached) and AWS's (read-only, in every account).
import { AWS_MANAGED_POLICIES, type AwsManagedPolicy } from '../../iam/aws-managed-policies.js';
import { newUniqueId, parseIamArn } from '../../iam/arns.js';
import { checkManagedPolicySize } from '../../iam/policy/index.js';
import type { IamRepos } from '../../store/repos/iam.js';
import type { IamPoliciesTable } from '../../store/schema.js';
import { DeleteConflicts, alreadyExists, awsManagedReadOnly, deleteConflict, invalidInput, limitExceeded, noSuchPolicy, noSuchVersion } from './iam-errors.js';
import { mergeTags, nameKey, pageOf, type IamContext, type Page, type PageRequest } from './iam-context.js';
import { checkPolicy } from './policy-documents.js';
import { policyView, wireDocument, type PolicyVersionView, type PolicyView, type TagView } from './iam-views.js';

const MAX_VERSIONS = 5;

export interface NewPolicy {
  name: string;
  path?: string;
  document: string;
  description?: string;
  tags?: TagView[];
}

export type PolicyScope = 'All' | 'AWS' | 'Local';

function awsView(p: AwsManagedPolicy, attachments: number): PolicyView {
  return {
    PolicyName: p.name,
    PolicyId: p.id,
    Arn: p.arn,
    Path: p.path,
    DefaultVersionId: p.defaultVersionId,
    AttachmentCount: attachments,
    PermissionsBoundaryUsageCount: 0,
    IsAttachable: true,
    Description: p.description,
    CreateDate: new Date(p.createDate),
    UpdateDate: new Date(p.updateDate),
  };
}

export class ManagedPolicyService {
  constructor(private readonly c: IamContext) {}

  async create(accountId: string, p: NewPolicy): Promise<PolicyView> {
    checkPolicy(p.document, 'identity', { managed: true, size: () => checkManagedPolicySize(p.document) });
    return this.c.write(accountId, async (iam) => {
      const now = this.c.nowIso();
      const row: IamPoliciesTable = {
        account_id: accountId,
        name_key: nameKey(p.name),
        name: p.name,
        id: newUniqueId('policy'),
        path: p.path ?? '/',
        created_at: now,
        description: p.description ?? null,
        default_version: 'v1',
        last_version: 1,
        updated_at: now,
        tags: mergeTags('[]', p.tags ?? []),
      };
      if (!(await iam.policies.insert(row))) throw alreadyExists(`A policy called ${p.name} already exists. Duplicate names are not allowed.`);
      await iam.links.addVersion({ account_id: accountId, policy_key: row.name_key, version_id: 'v1', document: p.document, created_at: now });
      return policyView(row, 0);
    });
  }

  async get(accountId: string, arn: string): Promise<PolicyView> {
    const aws = AWS_MANAGED_POLICIES.get(arn);
    if (aws) return awsView(aws, (await this.c.iam.links.attachmentsOf(accountId, arn)).length);
    const row = await this.local(this.c.iam, accountId, arn);
    return policyView(row, (await this.c.iam.links.attachmentsOf(accountId, arn)).length);
  }

  /** Whether the ARN names an attachable policy in this account (AWS managed or its own). */
  async exists(iam: IamRepos, accountId: string, arn: string): Promise<boolean> {
    if (AWS_MANAGED_POLICIES.has(arn)) return true;
    const p = parseIamArn(arn);
    if (!p || p.kind !== 'policy' || p.accountId !== accountId) return false;
    const row = await iam.policies.get(accountId, nameKey(p.name));
    return row !== undefined && row.path === p.path;
  }

  async list(accountId: string, opts: { scope?: PolicyScope; onlyAttached?: boolean; pathPrefix?: string }, page: PageRequest): Promise<Page<PolicyView>> {
    const counts = await this.c.iam.links.attachmentCounts(accountId);
    const scope = opts.scope ?? 'All';
    const prefix = opts.pathPrefix ?? '/';
    // AWS's first (their keys sort before any name: "0aws:"), then the account's by name
    const aws = scope === 'Local' ? [] : [...AWS_MANAGED_POLICIES.values()].filter((p) => p.path.startsWith(prefix) && (!opts.onlyAttached || counts.has(p.arn)));
    type Item = { key: string; view: PolicyView };
    const fetch = async (after: string | undefined, limit: number): Promise<Item[]> => {
      const out: Item[] = aws.map((p) => ({ key: `0${p.name.toLowerCase()}`, view: awsView(p, counts.get(p.arn) ?? 0) })).filter((i) => after === undefined || i.key > after);
      if (scope !== 'AWS') {
        const localAfter = after !== undefined && after.startsWith('1') ? after.slice(1) : undefined;
        let rows = await this.c.iam.policies.list(accountId, { pathPrefix: opts.pathPrefix, after: localAfter, limit: opts.onlyAttached ? 10_000 : limit });
        if (opts.onlyAttached) rows = rows.filter((r) => counts.has(policyView(r, 0).Arn));
        out.push(...rows.map((r) => ({ key: `1${r.name_key}`, view: policyView(r, counts.get(policyView(r, 0).Arn) ?? 0) })));
      }
      return out.slice(0, limit);
    };
    return pageOf(['ListPolicies', accountId, scope, opts.onlyAttached, prefix], page, fetch, (i) => i.key, (i) => i.view);
  }

  async delete(accountId: string, arn: string): Promise<void> {
    if (AWS_MANAGED_POLICIES.has(arn)) throw awsManagedReadOnly(arn);
    await this.c.write(accountId, async (iam) => {
      const row = await this.local(iam, accountId, arn);
      if ((await iam.links.attachmentsOf(accountId, arn)).length) throw deleteConflict(DeleteConflicts.policyAttached);
      if ((await iam.links.versions(accountId, row.name_key)).length > 1) throw deleteConflict(DeleteConflicts.policyVersions);
      await iam.links.deleteVersions(accountId, row.name_key);
      await iam.policies.delete(accountId, row.name_key);
    });
  }

  async createVersion(accountId: string, arn: string, document: string, setAsDefault: boolean): Promise<PolicyVersionView> {
    if (AWS_MANAGED_POLICIES.has(arn)) throw awsManagedReadOnly(arn);
    checkPolicy(document, 'identity', { managed: true, size: () => checkManagedPolicySize(document) });
    return this.c.write(accountId, async (iam) => {
      const row = await this.local(iam, accountId, arn);
      if ((await iam.links.versions(accountId, row.name_key)).length >= MAX_VERSIONS) {
        throw limitExceeded(`A managed policy can have up to ${MAX_VERSIONS} versions. Before you create a new version, you must delete an existing version.`);
      }
      const versionId = `v${row.last_version + 1}`;
      const now = this.c.nowIso();
      await iam.links.addVersion({ account_id: accountId, policy_key: row.name_key, version_id: versionId, document, created_at: now });
      await iam.policies.update(accountId, row.name_key, { last_version: row.last_version + 1, updated_at: now, ...(setAsDefault ? { default_version: versionId } : {}) });
      return { VersionId: versionId, IsDefaultVersion: setAsDefault, CreateDate: new Date(now) };
    });
  }

  async getVersion(accountId: string, arn: string, versionId: string): Promise<PolicyVersionView> {
    const aws = AWS_MANAGED_POLICIES.get(arn);
    if (aws) {
      if (versionId !== aws.defaultVersionId) throw noSuchVersion(arn, versionId);
      return { Document: wireDocument(aws.document), VersionId: versionId, IsDefaultVersion: true, CreateDate: new Date(aws.updateDate) };
    }
    const row = await this.local(this.c.iam, accountId, arn);
    const v = await this.c.iam.links.version(accountId, row.name_key, versionId);
    if (!v) throw noSuchVersion(arn, versionId);
    return { Document: wireDocument(v.document), VersionId: v.version_id, IsDefaultVersion: v.version_id === row.default_version, CreateDate: new Date(v.created_at) };
  }

  async versions(accountId: string, arn: string): Promise<PolicyVersionView[]> {
    const aws = AWS_MANAGED_POLICIES.get(arn);
    if (aws) return [{ VersionId: aws.defaultVersionId, IsDefaultVersion: true, CreateDate: new Date(aws.updateDate) }];
    const row = await this.local(this.c.iam, accountId, arn);
    return (await this.c.iam.links.versions(accountId, row.name_key)).map((v) => ({ VersionId: v.version_id, IsDefaultVersion: v.version_id === row.default_version, CreateDate: new Date(v.created_at) }));
  }

  /** Versions with their (URL-encoded) documents, for GetAccountAuthorizationDetails. */
  async versionsWithDocuments(accountId: string, arn: string): Promise<PolicyVersionView[]> {
    const aws = AWS_MANAGED_POLICIES.get(arn);
    if (aws) return [await this.getVersion(accountId, arn, aws.defaultVersionId)];
    const row = await this.local(this.c.iam, accountId, arn);
    return (await this.c.iam.links.versions(accountId, row.name_key)).map((v) => ({
      Document: wireDocument(v.document),
      VersionId: v.version_id,
      IsDefaultVersion: v.version_id === row.default_version,
      CreateDate: new Date(v.created_at),
    }));
  }

  async deleteVersion(accountId: string, arn: string, versionId: string): Promise<void> {
    if (AWS_MANAGED_POLICIES.has(arn)) throw awsManagedReadOnly(arn);
    await this.c.write(accountId, async (iam) => {
      const row = await this.local(iam, accountId, arn);
      if (!(await iam.links.version(accountId, row.name_key, versionId))) throw noSuchVersion(arn, versionId);
      if (row.default_version === versionId) throw deleteConflict(DeleteConflicts.defaultVersion);
      await iam.links.deleteVersion(accountId, row.name_key, versionId);
    });
  }

  async setDefaultVersion(accountId: string, arn: string, versionId: string): Promise<void> {
    if (AWS_MANAGED_POLICIES.has(arn)) throw awsManagedReadOnly(arn);
    await this.c.write(accountId, async (iam) => {
      const row = await this.local(iam, accountId, arn);
      if (!(await iam.links.version(accountId, row.name_key, versionId))) throw noSuchVersion(arn, versionId);
      await iam.policies.update(accountId, row.name_key, { default_version: versionId, updated_at: this.c.nowIso() });
    });
  }

  private async local(iam: IamRepos, accountId: string, arn: string): Promise<IamPoliciesTable> {
    const p = parseIamArn(arn);
    if (!p || p.kind !== 'policy') throw invalidInput(`ARN ${arn} is not valid.`);
    const row = p.accountId === accountId ? await iam.policies.get(accountId, nameKey(p.name)) : undefined;
    if (!row || row.path !== p.path) throw noSuchPolicy(arn);
    return row;
  }
}
