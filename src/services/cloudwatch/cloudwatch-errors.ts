// CloudWatch's error codes (the awsQuery codes of its model: the JSON and CBOR protocols carry
// them in x-amzn-query-error) and AWS's texts, in one place.
import { ServiceError } from '../../protocol/service-error.js';

export const invalidParameterValue = (message: string) => new ServiceError('InvalidParameterValue', message, 400);
export const invalidParameterCombination = (message: string) => new ServiceError('InvalidParameterCombination', message, 400);
export const missingParameter = (message: string) => new ServiceError('MissingParameter', message, 400);
export const invalidNextToken = (message = 'The service cannot process the request because the next token is invalid.') => new ServiceError('InvalidNextToken', message, 400);
export const limitExceeded = (message: string) => new ServiceError('LimitExceeded', message, 400);
export const resourceNotFound = (message: string) => new ServiceError('ResourceNotFound', message, 404);
