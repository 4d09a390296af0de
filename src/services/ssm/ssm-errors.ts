// SSM's error codes (awsJson: `{"__type": code, "message"}`, HTTP 400) with the messages
// Parameter Store uses.
import { ServiceError } from '../../protocol/service-error.js';

const ssm = (code: string, message: string) => new ServiceError(code, message, 400);

/** Parameter Store answers a missing parameter without a message. */
export const parameterNotFound = () => ssm('ParameterNotFound', '');

export const parameterVersionNotFound = (name: string, selector: string) =>
  ssm('ParameterVersionNotFound', `Systems Manager could not find version ${selector} of ${name}. Verify the version and try again.`);

export const validation = (message: string) => ssm('ValidationException', message);

/** A model-style constraint violation, in the wording of AWS's request validation. */
export const constraint = (value: string, member: string, rule: string) => validation(`1 validation error detected: Value '${value}' at '${member}' failed to satisfy constraint: ${rule}`);

export const accessDenied = (message: string) => ssm('AccessDeniedException', message);

export const alreadyExists = () => ssm('ParameterAlreadyExists', 'The parameter already exists. To overwrite this value, set the overwrite option in the request to true.');

export const invalidNextToken = () => ssm('InvalidNextToken', 'The specified token is not valid.');

export const invalidFilterKey = (key: string, valid: readonly string[]) => ssm('InvalidFilterKey', `The following filter key is not valid: ${key}. Valid filter keys include: [${valid.join(', ')}].`);

export const invalidFilterOption = (option: string, valid: readonly string[]) => ssm('InvalidFilterOption', `The following filter option is not valid: ${option}. Valid options include: [${valid.join(', ')}].`);

export const invalidFilterValue = (value: string, valid: readonly string[]) => ssm('InvalidFilterValue', `The following filter value is not valid: ${value}. Valid values include: [${valid.join(', ')}].`);

export const ssmError = ssm;
