// EC2's error codes and their messages, in one place (EC2 has no modelled errors; these follow
// the EC2 API error-code reference and messages captured from AWS).
import { ServiceError } from '../../protocol/service-error.js';

export const ec2Error = (code: string, message: string, status = 400) => new ServiceError(code, message, status);

export const dryRunOperation = () => ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.', 412);

export const invalidParameterValue = (message: string) => ec2Error('InvalidParameterValue', message);

export const invalidParameterCombination = (message: string) => ec2Error('InvalidParameterCombination', message);

export const missingParameter = (name: string) => ec2Error('MissingParameter', `The request must contain the parameter ${name}`);

export const invalidFilter = (name: string) => invalidParameterValue(`The filter '${name}' is invalid`);
