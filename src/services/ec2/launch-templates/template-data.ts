// Launch template data: stored as given (a RequestLaunchTemplateData document), checked only
// for what makes it unusable as text (UserData must already be base64), answered with
// validation warnings for references that would fail at launch (AMIs), and overlaid on a
// source version for CreateLaunchTemplateVersion.
import type { RequestLaunchTemplateData, ResponseLaunchTemplateData, ValidationError } from '../../../api/ec2/types.js';
import type { Scope } from '../../../store/scope.js';
import { ec2Error } from '../ec2-errors.js';
import { isId } from '../resource-ids.js';

export const SSM_PREFIX = 'resolve:ssm:';

/** Looks an AMI up with the caller's visibility (ImageService.getVisible); throws its EC2 error. */
export interface ImageLookup {
  getVisible(caller: Scope, imageId: string): Promise<unknown>;
}

/** Resolves `resolve:ssm:<parameter>` image references (the SSM service provides it). */
export interface ImageAliasResolver {
  /** the AMI id the parameter (name, name:version or name:label) holds for the caller */
  resolveImageId(caller: Scope, parameter: string): Promise<string>;
}

const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;

export function checkUserData(data: RequestLaunchTemplateData): void {
  const userData = data.UserData;
  if (userData === undefined) return;
  // line breaks are allowed (`base64` wraps its output); anything else must be padded base64
  const compact = userData.replace(/\r?\n/g, '');
  if (!BASE64.test(compact) || compact.length % 4 !== 0) throw ec2Error('InvalidUserData.Malformed', 'Invalid BASE64 encoding of user data.');
}

/**
 * Warnings for data that would fail at launch: AWS accepts such templates ("parameters are not
 * fully validated") and reports what it found in `warning.errorSet`.
 */
export async function validationWarnings(caller: Scope, data: RequestLaunchTemplateData, images: ImageLookup): Promise<ValidationError[]> {
  const warnings: ValidationError[] = [];
  const imageId = data.ImageId;
  if (imageId !== undefined && !imageId.startsWith(SSM_PREFIX)) {
    if (!isId('ami', imageId)) {
      warnings.push({ Code: 'InvalidAMIID.Malformed', Message: `Invalid id: "${imageId}" (expecting "ami-...")` });
    } else {
      try {
        await images.getVisible(caller, imageId);
      } catch (e) {
        const err = e as { code?: string; message?: string };
        if (!err.code) throw e;
        warnings.push({ Code: err.code, Message: err.message });
      }
    }
  }
  return warnings;
}

/**
 * A new version's data from its source: the source's parameters except those the request
 * names (top-level members are replaced whole). Snapshot ids of inherited block device
 * mappings are dropped, as the CreateLaunchTemplateVersion reference describes.
 */
export function overlay(source: RequestLaunchTemplateData, data: RequestLaunchTemplateData): RequestLaunchTemplateData {
  const inherited: RequestLaunchTemplateData = { ...source };
  if (inherited.BlockDeviceMappings && data.BlockDeviceMappings === undefined) {
    inherited.BlockDeviceMappings = inherited.BlockDeviceMappings.map((m) => {
      if (!m.Ebs?.SnapshotId) return m;
      const { SnapshotId: _dropped, ...ebs } = m.Ebs;
      return { ...m, Ebs: ebs };
    });
  }
  return { ...inherited, ...data };
}

/** The stored request document as the response shape (the two differ only in output-only members). */
export function responseData(data: RequestLaunchTemplateData): ResponseLaunchTemplateData {
  return data as ResponseLaunchTemplateData;
}

export function parseData(json: string): RequestLaunchTemplateData {
  return JSON.parse(json) as RequestLaunchTemplateData;
}
