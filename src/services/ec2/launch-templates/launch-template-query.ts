// DescribeLaunchTemplates and DescribeLaunchTemplateVersions: explicit ids and names (each must
// exist), versions ($Latest, $Default, numbers, Min/MaxVersion), every documented filter and
// MaxResults/NextToken paging (1..200).
import type {
  DescribeLaunchTemplatesRequest,
  DescribeLaunchTemplateVersionsRequest,
  LaunchTemplate,
  LaunchTemplateVersion,
  RequestLaunchTemplateData,
} from '../../../api/ec2/types.js';
import type { Scope } from '../../../store/scope.js';
import type { LaunchTemplateRow, LaunchTemplateVersionRow } from '../../../store/repos/launch-templates.js';
import type { Store } from '../../../store/store.js';
import { compileFilters, type FilterValue } from '../filters.js';
import { paginate } from '../pagination.js';
import { invalidParameterValue } from '../ec2-errors.js';
import { idMalformed, idNotFound, someNameNotFound, versionNotFound } from './lt-errors.js';
import { isId } from '../resource-ids.js';
import { parseData } from './template-data.js';
import type { LaunchTemplateService } from './launch-template-service.js';

const PAGE = { min: 1, max: 200 };

interface TemplateItem {
  row: LaunchTemplateRow;
  tags: { Key: string; Value: string }[];
}

export async function describeTemplates(
  service: LaunchTemplateService,
  store: Store,
  caller: Scope,
  req: DescribeLaunchTemplatesRequest,
): Promise<{ templates: LaunchTemplate[]; nextToken?: string }> {
  let rows = await service.repo.list(caller);
  const ids = req.LaunchTemplateIds ?? [];
  const names = req.LaunchTemplateNames ?? [];
  if (ids.length || names.length) {
    for (const id of ids) {
      if (!isId('lt', id)) throw idMalformed(id);
      if (!rows.some((r) => r.launch_template_id === id)) throw idNotFound(id);
    }
    for (const name of names) if (!rows.some((r) => r.name === name)) throw someNameNotFound();
    rows = rows.filter((r) => ids.includes(r.launch_template_id) || names.includes(r.name));
  }
  const tags = await store.tags.forResources(caller, rows.map((r) => r.launch_template_id));
  const items: TemplateItem[] = rows.map((row) => ({ row, tags: tags.get(row.launch_template_id) ?? [] }));
  const match = compileFilters<TemplateItem>(req.Filters, {
    fields: {
      'create-time': (i) => i.row.created_at,
      'launch-template-name': (i) => i.row.name,
    },
    tags: (i) => i.tags,
  });
  const { page, nextToken } = paginate(items.filter(match), (i) => i.row.launch_template_id, req, {
    ...PAGE,
    binding: [caller.accountId, caller.region, 'DescribeLaunchTemplates', ids, names, req.Filters ?? []],
  });
  return { templates: await Promise.all(page.map((i) => service.templateOut(caller, i.row, i.tags))), nextToken };
}

interface VersionItem {
  template: LaunchTemplateRow;
  version: LaunchTemplateVersionRow;
  data: RequestLaunchTemplateData;
}

const VERSION_FILTERS: Record<string, (i: VersionItem) => FilterValue> = {
  'create-time': (i) => i.version.created_at,
  'ebs-optimized': (i) => i.data.EbsOptimized,
  'http-endpoint': (i) => i.data.MetadataOptions?.HttpEndpoint,
  'http-protocol-ipv4': () => undefined,
  'host-resource-group-arn': (i) => i.data.Placement?.HostResourceGroupArn,
  'http-tokens': (i) => i.data.MetadataOptions?.HttpTokens,
  'iam-instance-profile': (i) => [i.data.IamInstanceProfile?.Arn, i.data.IamInstanceProfile?.Name],
  'image-id': (i) => i.data.ImageId,
  'instance-type': (i) => i.data.InstanceType,
  'is-default-version': (i) => i.version.version_number === i.template.default_version,
  'kernel-id': (i) => i.data.KernelId,
  'license-configuration-arn': (i) => (i.data.LicenseSpecifications ?? []).map((l) => l.LicenseConfigurationArn),
  'network-card-index': (i) => (i.data.NetworkInterfaces ?? []).map((n) => n.NetworkCardIndex),
  'ram-disk-id': (i) => i.data.RamDiskId,
};

function versionBound(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  if (!/^[0-9]{1,18}$/.test(value)) throw invalidParameterValue(`Value (${value}) for parameter ${name} is invalid. Expected a version number.`);
  return Number(value);
}

export async function describeVersions(
  service: LaunchTemplateService,
  caller: Scope,
  req: DescribeLaunchTemplateVersionsRequest,
): Promise<{ versions: LaunchTemplateVersion[]; nextToken?: string }> {
  const wanted = req.Versions ?? [];
  let items: VersionItem[] = [];
  if (req.LaunchTemplateId !== undefined || req.LaunchTemplateName !== undefined) {
    const template = await service.find(caller, req);
    const min = versionBound('MinVersion', req.MinVersion);
    const max = versionBound('MaxVersion', req.MaxVersion);
    let versions = await service.repo.versions(template.launch_template_id);
    if (wanted.length) {
      const numbers = new Set(wanted.map((v) => service.versionNumber(template, v)));
      for (const n of numbers) if (!versions.some((v) => v.version_number === n)) throw versionNotFound(template.launch_template_id, n);
      versions = versions.filter((v) => numbers.has(v.version_number));
    }
    versions = versions.filter((v) => (min === undefined || v.version_number >= min) && (max === undefined || v.version_number <= max));
    items = versions.map((version) => ({ template, version, data: parseData(version.data) }));
  } else {
    // all templates: only $Latest and/or $Default make sense (the API reference's rule)
    if (wanted.length === 0) throw invalidParameterValue('To describe versions of all launch templates, specify $Latest and/or $Default in Versions, or name a launch template.');
    for (const v of wanted) {
      if (v !== '$Latest' && v !== '$Default') throw invalidParameterValue(`Version ${v} is invalid: when no launch template is specified, only $Latest and $Default are valid.`);
    }
    for (const template of await service.repo.list(caller)) {
      const numbers = new Set(wanted.map((v) => service.versionNumber(template, v)));
      for (const n of [...numbers].sort((a, b) => b - a)) {
        const version = await service.repo.version(template.launch_template_id, n);
        if (version) items.push({ template, version, data: parseData(version.data) });
      }
    }
  }
  const match = compileFilters<VersionItem>(req.Filters, { fields: VERSION_FILTERS });
  // newest first within a template; the paging key follows that order
  const sorted = items.filter(match).sort((a, b) => (a.template.launch_template_id === b.template.launch_template_id ? b.version.version_number - a.version.version_number : a.template.launch_template_id < b.template.launch_template_id ? -1 : 1));
  const key = (i: VersionItem) => `${i.template.launch_template_id}|${String(1e12 - i.version.version_number).padStart(13, '0')}`;
  const { page, nextToken } = paginate(sorted, key, req, {
    ...PAGE,
    binding: [caller.accountId, caller.region, 'DescribeLaunchTemplateVersions', req.LaunchTemplateId, req.LaunchTemplateName, wanted, req.MinVersion, req.MaxVersion, req.Filters ?? []],
  });
  return { versions: await Promise.all(page.map((i) => service.versionOut(caller, i.template, i.version, req.ResolveAlias))), nextToken };
}
