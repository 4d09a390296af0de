// The alarm operations' own error codes (the shared ones — InvalidParameterValue, MissingParameter,
// InvalidNextToken, LimitExceeded, ResourceNotFound — are in ../cloudwatch-errors.ts).
import { ServiceError } from '../../../protocol/service-error.js';

export const validationError = (message: string) => new ServiceError('ValidationError', message, 400);
/** SetAlarmState's StateReasonData that is not JSON */
export const invalidFormat = (message: string) => new ServiceError('InvalidFormat', message, 400);
/** the tagging operations' unknown ARN (ResourceNotFound is DeleteAlarms' and SetAlarmState's) */
export const resourceNotFoundException = (message: string) => new ServiceError('ResourceNotFoundException', message, 404);
