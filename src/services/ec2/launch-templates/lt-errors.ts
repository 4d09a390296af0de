// Launch template error codes and messages (EC2 API error-code reference; messages as AWS
// answers them where captured, e.g. "Launch template name already in use.").
import { ec2Error } from '../ec2-errors.js';

export const NAME_PATTERN = /^[a-zA-Z0-9().\-/_]+$/;

export const nameMalformed = () =>
  ec2Error(
    'InvalidLaunchTemplateName.MalformedException',
    'A launch template name must be between 3 and 128 characters, and may contain letters, numbers, and the following characters: - ( ) . / _.',
  );

export const nameInUse = () => ec2Error('InvalidLaunchTemplateName.AlreadyExistsException', 'Launch template name already in use.');

export const idMalformed = (id: string) => ec2Error('InvalidLaunchTemplateId.Malformed', `The specified ID for the launch template, ${id}, is malformed.`);

export const idNotFound = (id: string) => ec2Error('InvalidLaunchTemplateId.NotFound', `The specified launch template, with template ID ${id}, does not exist.`);

export const nameNotFound = (name: string) =>
  ec2Error('InvalidLaunchTemplateName.NotFoundException', `The specified launch template, with template name ${name}, does not exist.`);

/** DescribeLaunchTemplates with a list of names answers this when any is missing. */
export const someNameNotFound = () =>
  ec2Error('InvalidLaunchTemplateName.NotFoundException', 'At least one of the launch templates specified in the request does not exist.');

export const versionNotFound = (templateId: string, version: string | number) =>
  ec2Error('InvalidLaunchTemplateId.VersionNotFound', `Could not find the specified version ${version} for the launch template with ID ${templateId}.`);

export const bothIdAndName = () =>
  ec2Error(
    'InvalidParameterCombination',
    'Both a launch template ID and a launch template name were specified. Specify either a launch template ID or a launch template name, but not both.',
  );

export const neitherIdNorName = () => ec2Error('MissingParameter', 'The request must contain the parameter launchTemplateName or launchTemplateId');

export function validateName(name: string): void {
  if ([...name].length < 3 || [...name].length > 128 || !NAME_PATTERN.test(name)) throw nameMalformed();
}
