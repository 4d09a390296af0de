// Launch templates as a domain service (no wire types beyond the API shapes): create, new
// versions (SourceVersion copies then overlays), lookups by id or name with AWS's errors, the
// default version, deletion of templates and versions, and `resolve` — the one entry point
// RunInstances and Auto Scaling use to turn {LaunchTemplateId|LaunchTemplateName, Version}
// into concrete launch data. A template is private to its account and region: another
// account's template is indistinguishable from a missing one.
import type {
  CreateLaunchTemplateRequest,
  CreateLaunchTemplateVersionRequest,
  DescribeLaunchTemplatesRequest,
  LaunchTemplate,
  LaunchTemplateVersion,
  RequestLaunchTemplateData,
  ResponseLaunchTemplateData,
  TagSpecification,
  ValidationError,
} from '../../../api/ec2/types.js';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { LaunchTemplatesRepo, LaunchTemplateRow, LaunchTemplateVersionRow } from '../../../store/repos/launch-templates.js';
import { idempotent } from '../client-token.js';
import { isUniqueViolation } from '../../../store/dialects/dialect.js';
import { isId, newId } from '../resource-ids.js';
import { tagsFromSpecs } from '../tags/tag-rules.js';
import type { Taggable } from '../tags/taggable.js';
import { bothIdAndName, idMalformed, idNotFound, nameInUse, nameNotFound, neitherIdNorName, validateName, versionNotFound } from './lt-errors.js';
import { checkUserData, overlay, parseData, responseData, SSM_PREFIX, validationWarnings, type ImageAliasResolver, type ImageLookup } from './template-data.js';
import { ec2Error, invalidParameterValue } from '../ec2-errors.js';
import type { InstanceService } from '../instances/instance-service.js';
import { describeTemplates } from './launch-template-query.js';
import { templateDataOf } from './instance-template-data.js';

export interface TemplateRef {
  LaunchTemplateId?: string;
  LaunchTemplateName?: string;
}

export interface LaunchTemplateSpec extends TemplateRef {
  /** a version number, `$Latest` or `$Default` (the default when absent) */
  Version?: string;
}

export interface ResolvedLaunchTemplate {
  templateId: string;
  templateName: string;
  version: number;
  data: RequestLaunchTemplateData;
}

/** What RunInstances and Auto Scaling call to launch from a template. */
export type LaunchTemplateResolver = (caller: Scope, spec: LaunchTemplateSpec) => Promise<ResolvedLaunchTemplate>;

export interface LaunchTemplateDeps {
  store: Store;
  images: ImageLookup;
}

/** Resource types LaunchTemplateData.TagSpecifications may name (CreateLaunchTemplate reference). */
const DATA_TAG_TYPES = ['instance', 'volume', 'network-interface', 'spot-instances-request'];

export const creatorArn = (accountId: string) => `arn:aws:iam::${accountId}:root`;

export class LaunchTemplateService {
  readonly repo: LaunchTemplatesRepo;
  private aliases?: ImageAliasResolver;

  constructor(private readonly deps: LaunchTemplateDeps) {
    this.repo = deps.store.launchTemplates;
  }

  /** DescribeLaunchTemplates (launch-template-query.ts). */
  describe(caller: Scope, req: DescribeLaunchTemplatesRequest): Promise<{ templates: LaunchTemplate[]; nextToken?: string }> {
    return describeTemplates(this, this.deps.store, caller, req);
  }

  /** GetLaunchTemplateData: a running or stopped instance's parameters as template data. */
  dataOf(instances: InstanceService, caller: Scope, instanceId: string): Promise<ResponseLaunchTemplateData> {
    return templateDataOf(this.deps.store, instances, caller, instanceId);
  }

  /** Wires the SSM parameter resolver used for `resolve:ssm:` image ids (ResolveAlias). */
  setAliasResolver(resolver: ImageAliasResolver): void {
    this.aliases = resolver;
  }

  readonly resolve: LaunchTemplateResolver = async (caller, spec) => {
    const template = await this.find(caller, spec);
    const version = await this.version(template, spec.Version);
    return { templateId: template.launch_template_id, templateName: template.name, version: version.version_number, data: parseData(version.data) };
  };

  /** The caller's template named by id xor name. */
  async find(caller: Scope, ref: TemplateRef): Promise<LaunchTemplateRow> {
    const { LaunchTemplateId: id, LaunchTemplateName: name } = ref;
    if (id && name) throw bothIdAndName();
    if (id) {
      if (!isId('lt', id)) throw idMalformed(id);
      const row = await this.repo.get(caller, id);
      if (!row) throw idNotFound(id);
      return row;
    }
    if (name) {
      const row = await this.repo.byName(caller, name);
      if (!row) throw nameNotFound(name);
      return row;
    }
    throw neitherIdNorName();
  }

  /** A version by number, `$Latest` or `$Default` (absent = `$Default`). */
  async version(template: LaunchTemplateRow, version?: string): Promise<LaunchTemplateVersionRow> {
    const n = this.versionNumber(template, version);
    const row = await this.repo.version(template.launch_template_id, n);
    if (!row) throw versionNotFound(template.launch_template_id, version ?? n);
    return row;
  }

  versionNumber(template: LaunchTemplateRow, version?: string): number {
    if (version === undefined || version === '$Default') return template.default_version;
    if (version === '$Latest') return template.latest_version;
    if (!/^[1-9][0-9]{0,17}$/.test(version)) throw versionNotFound(template.launch_template_id, version);
    return Number(version);
  }

  // ---- create ----------------------------------------------------------------------

  async create(caller: Scope, req: CreateLaunchTemplateRequest, checkpoint: () => void): Promise<{ template: LaunchTemplate; warnings: ValidationError[] }> {
    validateName(req.LaunchTemplateName);
    this.checkData(req.LaunchTemplateData);
    checkDescription(req.VersionDescription);
    const tags = tagsFromSpecs(req.TagSpecifications, ['launch-template']).get('launch-template') ?? [];
    const warnings = await validationWarnings(caller, req.LaunchTemplateData, this.deps.images);
    const { ClientToken, DryRun: _dryRun, ...params } = req;
    return idempotent(this.deps.store, caller, {
      action: 'CreateLaunchTemplate',
      token: ClientToken,
      params,
      checkpoint,
      create: async () => {
        if (await this.repo.byName(caller, req.LaunchTemplateName)) throw nameInUse();
        checkpoint();
        const id = newId('lt');
        const now = new Date().toISOString();
        const createdBy = creatorArn(caller.accountId);
        const row: LaunchTemplateRow = {
          launch_template_id: id,
          account_id: caller.accountId,
          region: caller.region,
          name: req.LaunchTemplateName,
          created_at: now,
          created_by: createdBy,
          default_version: 1,
          latest_version: 1,
          last_number: 1,
        };
        try {
          await this.deps.store.transaction(async (tx) => {
            await tx.launchTemplates.insert(row, { launch_template_id: id, version_number: 1, description: req.VersionDescription ?? null, data: JSON.stringify(req.LaunchTemplateData), created_at: now, created_by: createdBy });
            await tx.tags.put(caller, tags.map((t) => ({ resourceId: id, resourceType: 'launch-template', ...t })));
          });
        } catch (e) {
          // a concurrent create of the same name lost the race on the unique index
          if (isUniqueViolation(e, 'launch_templates')) throw nameInUse();
          throw e;
        }
        return { result: { template: await this.templateOut(caller, row), warnings }, record: id };
      },
      replay: async (id) => {
        const row = await this.repo.get(caller, id);
        if (!row) throw idNotFound(id);
        return { template: await this.templateOut(caller, row), warnings };
      },
    });
  }

  async createVersion(caller: Scope, req: CreateLaunchTemplateVersionRequest, checkpoint: () => void): Promise<{ version: LaunchTemplateVersion; warnings: ValidationError[] }> {
    const template = await this.find(caller, req);
    checkDescription(req.VersionDescription);
    let data = req.LaunchTemplateData;
    if (req.SourceVersion !== undefined) data = overlay(parseData((await this.version(template, req.SourceVersion)).data), data);
    this.checkData(data);
    const warnings = await validationWarnings(caller, data, this.deps.images);
    const { ClientToken, DryRun: _dryRun, ResolveAlias, ...params } = req;
    const id = template.launch_template_id;
    return idempotent(this.deps.store, caller, {
      action: 'CreateLaunchTemplateVersion',
      token: ClientToken,
      params: { ...params, LaunchTemplateId: id, LaunchTemplateName: undefined },
      checkpoint,
      create: async () => {
        checkpoint();
        const n = await this.repo.addVersion(id, { description: req.VersionDescription ?? null, data: JSON.stringify(data), created_at: new Date().toISOString(), created_by: creatorArn(caller.accountId) });
        return { result: { version: await this.versionOutByNumber(caller, id, n, ResolveAlias), warnings }, record: String(n) };
      },
      replay: async (n) => ({ version: await this.versionOutByNumber(caller, id, Number(n), ResolveAlias), warnings }),
    });
  }

  private checkData(data: RequestLaunchTemplateData): void {
    checkUserData(data);
    tagsFromSpecs(data.TagSpecifications as TagSpecification[] | undefined, DATA_TAG_TYPES);
  }

  // ---- change and delete -----------------------------------------------------------

  async setDefault(caller: Scope, ref: TemplateRef, version: string | undefined, checkpoint: () => void): Promise<LaunchTemplate> {
    const template = await this.find(caller, ref);
    if (version !== undefined) {
      if (version === '$Default') throw invalidParameterValue('The default version cannot be set to $Default.');
      const row = await this.version(template, version);
      checkpoint();
      await this.repo.update(template.launch_template_id, { default_version: row.version_number });
      template.default_version = row.version_number;
    } else checkpoint();
    return this.templateOut(caller, template);
  }

  async delete(caller: Scope, ref: TemplateRef, checkpoint: () => void): Promise<LaunchTemplate> {
    const template = await this.find(caller, ref);
    checkpoint();
    await this.repo.delete(template.launch_template_id);
    await this.deps.store.tags.deleteResource(template.launch_template_id);
    return {
      LaunchTemplateId: template.launch_template_id,
      LaunchTemplateName: template.name,
      CreateTime: new Date(template.created_at),
      CreatedBy: template.created_by,
      DefaultVersionNumber: template.default_version,
      LatestVersionNumber: template.latest_version,
    };
  }

  // ---- output ----------------------------------------------------------------------

  async templateOut(caller: Scope, row: LaunchTemplateRow, tags?: { Key: string; Value: string }[]): Promise<LaunchTemplate> {
    return {
      LaunchTemplateId: row.launch_template_id,
      LaunchTemplateName: row.name,
      CreateTime: new Date(row.created_at),
      CreatedBy: row.created_by,
      DefaultVersionNumber: row.default_version,
      LatestVersionNumber: row.latest_version,
      Tags: tags ?? (await this.deps.store.tags.forResources(caller, [row.launch_template_id])).get(row.launch_template_id) ?? [],
    };
  }

  async versionOut(caller: Scope, template: LaunchTemplateRow, v: LaunchTemplateVersionRow, resolveAlias?: boolean): Promise<LaunchTemplateVersion> {
    let data = parseData(v.data);
    if (resolveAlias && data.ImageId?.startsWith(SSM_PREFIX)) data = { ...data, ImageId: await this.resolveAlias(caller, data.ImageId) };
    return {
      LaunchTemplateId: template.launch_template_id,
      LaunchTemplateName: template.name,
      VersionNumber: v.version_number,
      VersionDescription: v.description ?? undefined,
      CreateTime: new Date(v.created_at),
      CreatedBy: v.created_by,
      DefaultVersion: v.version_number === template.default_version,
      LaunchTemplateData: responseData(data),
    };
  }

  private async versionOutByNumber(caller: Scope, id: string, n: number, resolveAlias?: boolean): Promise<LaunchTemplateVersion> {
    const template = (await this.repo.get(caller, id))!;
    const v = await this.repo.version(id, n);
    if (!v) throw versionNotFound(id, n);
    return this.versionOut(caller, template, v, resolveAlias);
  }

  /** The AMI a `resolve:ssm:` reference stands for, through the SSM service once wired. */
  async resolveAlias(caller: Scope, imageId: string): Promise<string> {
    const parameter = imageId.slice(SSM_PREFIX.length);
    if (!this.aliases) throw ec2Error('InvalidParameterValue', `Unable to resolve the Systems Manager parameter ${parameter}: parameters are not available.`);
    return this.aliases.resolveImageId(caller, parameter);
  }

  taggable(): Taggable {
    return {
      prefix: 'lt',
      resourceType: 'launch-template',
      visible: async (caller, id) => Boolean(await this.repo.get(caller, id)),
      notFound: idNotFound,
    };
  }
}

function checkDescription(description: string | undefined): void {
  if (description !== undefined && [...description].length > 255) {
    throw invalidParameterValue('The version description must be at most 255 characters long.');
  }
}
