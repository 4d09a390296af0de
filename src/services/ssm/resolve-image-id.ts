// `resolve:ssm:<parameter>[:version|:label]` in place of an AMI id (RunInstances, launch
// templates, Auto Scaling): the parameter is read as the caller (its own, or AWS's public
// `/aws/service/...` ones) and its value is the AMI id. Errors are EC2's: a malformed reference
// is InvalidParameterValue; a parameter that is missing, has no such version or label, or is
// not of data type aws:ec2:image (public parameters excepted, as AWS resolves them) is
// SsmInvalidParameter.
import { ServiceError, isServiceError } from '../../protocol/service-error.js';
import type { Scope } from '../../store/scope.js';
import type { ParameterStore } from './parameter-store.js';

export const RESOLVE_PREFIX = 'resolve:ssm:';

const ec2 = (code: string, message: string) => new ServiceError(code, message, 400);

/** Whether an ImageId is an SSM reference rather than an AMI id. */
export function isSsmReference(imageId: string): boolean {
  return imageId.startsWith(RESOLVE_PREFIX);
}

export type SsmImageResolver = (caller: Scope, reference: string) => Promise<string>;

export function ssmImageResolver(parameters: ParameterStore): SsmImageResolver {
  return async (caller, reference) => {
    const parameter = reference.slice(RESOLVE_PREFIX.length);
    if (!isSsmReference(reference) || parameter === '') {
      throw ec2('InvalidParameterValue', `Invalid value '${reference}' for imageId. Expecting an AMI id or resolve:ssm:<parameter>.`);
    }
    let resolved;
    try {
      resolved = await parameters.resolve(caller, parameter);
    } catch (e) {
      if (!isServiceError(e) || (e.code !== 'ParameterNotFound' && e.code !== 'ParameterVersionNotFound')) throw e;
      throw ec2('SsmInvalidParameter', e.code === 'ParameterNotFound' ? `The parameter ${parameter} does not exist.` : e.message);
    }
    if (resolved.kind === 'public') return resolved.version.value;
    if (resolved.row.data_type !== 'aws:ec2:image') {
      throw ec2('SsmInvalidParameter', 'Unsupported data type. The following parameter data types are supported: aws:ec2:image');
    }
    return resolved.row.value;
  };
}
