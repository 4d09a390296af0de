// CloudTrail's LookupEvents errors in one place. On the awsJson wire `__type` is the exception's
// name (what the SDKs match on); CloudTrail is awsQuery-compatible, so `x-amzn-query-error`
// carries the short code the model gives it (what botocore reports as the code).
import { ServiceError } from '../../protocol/service-error.js';

const trailError = (name: string, code: string, message: string) =>
  new ServiceError(name, message, 400, { headers: { 'x-amzn-query-error': `${code};Sender` } });

export const tooManyLookupAttributes = () => trailError('InvalidLookupAttributesException', 'InvalidLookupAttributes', 'You can specify at most one lookup attribute.');
export const invalidLookupValue = (key: string, why: string) => trailError('InvalidLookupAttributesException', 'InvalidLookupAttributes', `Invalid value for the lookup attribute ${key}: ${why}`);
export const invalidTimeRange = () => trailError('InvalidTimeRangeException', 'InvalidTimeRange', 'Start time must be earlier than end time.');
export const invalidMaxResults = () => trailError('InvalidMaxResultsException', 'InvalidMaxResults', 'MaxResults must be between 1 and 50.');
export const invalidNextToken = () => trailError('InvalidNextTokenException', 'InvalidNextToken', 'Invalid NextToken: it is not one this request returned, or the request changed.');
