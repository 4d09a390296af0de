// Auto Scaling's errors (awsQuery <ErrorResponse>, Type Sender): ValidationError for every bad
// input, and the modelled faults. Messages follow what AWS answers where captured.
import { ServiceError } from '../../protocol/service-error.js';

export const validationError = (message: string) => new ServiceError('ValidationError', message, 400);

/** Describe/Delete/SetDesiredCapacity/… of a group that does not exist (or is another account's). */
export const groupNotFound = (name: string) => validationError(`AutoScalingGroup name not found - AutoScalingGroup ${name} not found`);

/** UpdateAutoScalingGroup answers an unknown group this way (AWS's own text). */
export const updateGroupNotFound = () => validationError('AutoScalingGroup name not found - null');

export const alreadyExists = (name: string) => new ServiceError('AlreadyExists', `AutoScalingGroup by this name already exists - A group with the name ${name} already exists`, 400);

export const resourceInUse = (message: string) => new ServiceError('ResourceInUse', message, 400);

export const invalidNextToken = () => new ServiceError('InvalidNextToken', 'The token provided is not valid.', 400);

export const instanceNotInGroup = (instanceId: string) => validationError(`Instance Id not found - No managed instance found for instance ID: ${instanceId}`);

/** The Coral-style message AWS uses for a constraint on one member. */
export const memberConstraint = (path: string, value: unknown, constraint: string) =>
  validationError(`1 validation error detected: Value '${String(value)}' at '${path}' failed to satisfy constraint: ${constraint}`);

export function checkRange(path: string, value: number | undefined, min: number, max?: number): void {
  if (value === undefined) return;
  if (value < min) throw memberConstraint(path, value, `Member must have value greater than or equal to ${min}`);
  if (max !== undefined && value > max) throw memberConstraint(path, value, `Member must have value less than or equal to ${max}`);
}
