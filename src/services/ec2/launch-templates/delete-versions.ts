// DeleteLaunchTemplateVersions: per-version results, as AWS answers them. A template that
// cannot be found fails every version with its reason code rather than the whole request; the
// default version is never deleted (set another default first).
import type {
  DeleteLaunchTemplateVersionsRequest,
  DeleteLaunchTemplateVersionsResponseErrorItem,
  DeleteLaunchTemplateVersionsResponseSuccessItem,
  LaunchTemplateErrorCodeEnum,
} from '../../../api/ec2/types.js';
import type { Scope } from '../../../store/scope.js';
import type { LaunchTemplateRow } from '../../../store/repos/launch-templates.js';
import { ec2Error } from '../ec2-errors.js';
import type { LaunchTemplateService } from './launch-template-service.js';

export interface DeleteVersionsResult {
  deleted: DeleteLaunchTemplateVersionsResponseSuccessItem[];
  failed: DeleteLaunchTemplateVersionsResponseErrorItem[];
}

const CODES: Record<string, LaunchTemplateErrorCodeEnum> = {
  'InvalidLaunchTemplateId.Malformed': 'launchTemplateIdMalformed',
  'InvalidLaunchTemplateId.NotFound': 'launchTemplateIdDoesNotExist',
  'InvalidLaunchTemplateName.NotFoundException': 'launchTemplateNameDoesNotExist',
  'InvalidLaunchTemplateName.MalformedException': 'launchTemplateNameMalformed',
};

export async function deleteVersions(
  service: LaunchTemplateService,
  caller: Scope,
  req: DeleteLaunchTemplateVersionsRequest,
  checkpoint: () => void,
): Promise<DeleteVersionsResult> {
  if (req.Versions.length > 200) throw ec2Error('InvalidParameterValue', 'You can specify at most 200 launch template versions in a request.');
  const named = { LaunchTemplateId: req.LaunchTemplateId, LaunchTemplateName: req.LaunchTemplateName };
  let template: LaunchTemplateRow;
  try {
    template = await service.find(caller, req);
  } catch (e) {
    const code = CODES[(e as { code?: string }).code ?? ''];
    if (!code) throw e;
    checkpoint();
    const message = (e as Error).message;
    return { deleted: [], failed: req.Versions.map((v) => ({ ...named, VersionNumber: asNumber(v), ResponseError: { Code: code, Message: message } })) };
  }
  const ref = { LaunchTemplateId: template.launch_template_id, LaunchTemplateName: template.name };
  const existing = new Set((await service.repo.versions(template.launch_template_id)).map((v) => v.version_number));
  const result: DeleteVersionsResult = { deleted: [], failed: [] };
  const toDelete = new Set<number>();
  for (const v of req.Versions) {
    const n = asNumber(v);
    if (n === undefined || !existing.has(n)) {
      result.failed.push({ ...ref, VersionNumber: n, ResponseError: { Code: 'launchTemplateVersionDoesNotExist', Message: 'The specified launch template version does not exist.' } });
    } else if (n === template.default_version) {
      result.failed.push({ ...ref, VersionNumber: n, ResponseError: { Code: 'unexpectedError', Message: 'Cannot delete the default version of a launch template. Set a new default version and try again.' } });
    } else if (!toDelete.has(n)) {
      toDelete.add(n);
      result.deleted.push({ ...ref, VersionNumber: n });
    }
  }
  checkpoint();
  await service.repo.deleteVersions(template.launch_template_id, [...toDelete]);
  return result;
}

function asNumber(v: string): number | undefined {
  return /^[1-9][0-9]{0,17}$/.test(v) ? Number(v) : undefined;
}
