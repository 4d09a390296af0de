// IAM's error answers, word for word where IAM's are known (its codes: NoSuchEntity 404,
// EntityAlreadyExists/DeleteConflict/LimitExceeded 409, InvalidInput/ValidationError/
// MalformedPolicyDocument 400). One place, so no message is spelled twice.
import { ServiceError } from '../../protocol/service-error.js';

export type EntityNoun = 'user' | 'group' | 'role';

export const noSuchEntity = (message: string) => new ServiceError('NoSuchEntity', message, 404);
export const noSuch = (noun: EntityNoun, name: string) => noSuchEntity(`The ${noun} with name ${name} cannot be found.`);
export const noSuchInstanceProfile = (name: string) => noSuchEntity(`Instance Profile ${name} cannot be found.`);
export const noSuchPolicy = (arn: string) => noSuchEntity(`Policy ${arn} was not found.`);
export const notAttachable = (arn: string) => noSuchEntity(`Policy ${arn} does not exist or is not attachable.`);
export const noSuchVersion = (arn: string, versionId: string) => noSuchEntity(`Policy ${arn} version ${versionId} does not exist or is not attachable.`);
export const noSuchAccessKey = (id: string) => noSuchEntity(`The Access Key with id ${id} cannot be found.`);
export const noSuchInline = (noun: EntityNoun, policyName: string) => noSuchEntity(`The ${noun} policy with name ${policyName} cannot be found.`);
export const noSuchBoundary = (arn: string) => noSuchEntity(`Scope ARN: ${arn} does not exist or is not attachable.`);

const TITLE: Record<EntityNoun, string> = { user: 'User', group: 'Group', role: 'Role' };
export const alreadyExists = (message: string) => new ServiceError('EntityAlreadyExists', message, 409);
export const entityExists = (noun: EntityNoun, name: string) => alreadyExists(`${TITLE[noun]} with name ${name} already exists.`);

export const deleteConflict = (message: string) => new ServiceError('DeleteConflict', message, 409);
export const DeleteConflicts = {
  accessKeys: 'Cannot delete entity, must delete access keys first.',
  inline: 'Cannot delete entity, must delete policies first.',
  attached: 'Cannot delete entity, must detach all policies first.',
  groupMembers: 'Cannot delete entity, must remove users from group first.',
  userGroups: 'Cannot delete entity, must remove users from group first.',
  instanceProfiles: 'Cannot delete entity, must remove roles from instance profile first.',
  policyAttached: 'Cannot delete a policy attached to entities.',
  defaultVersion: 'Cannot delete the default version of a policy.',
  policyVersions:
    "This policy has more than one version. Before you delete a policy, you must delete the policy's versions. The default version is deleted with the policy.",
} as const;

export const limitExceeded = (message: string) => new ServiceError('LimitExceeded', message, 409);
export const quota = (name: string, n: number) => limitExceeded(`Cannot exceed quota for ${name}: ${n}`);

export const invalidInput = (message: string) => new ServiceError('InvalidInput', message, 400);
export const validationError = (message: string) => new ServiceError('ValidationError', message, 400);
export const malformedPolicy = (message: string) => new ServiceError('MalformedPolicyDocument', message, 400);
export const awsManagedReadOnly = (arn: string) => invalidInput(`Policy ${arn} is an AWS managed policy: it cannot be changed or deleted.`);
