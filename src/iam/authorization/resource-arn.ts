// Fills a resource type's ARN template from the authorization reference. The template decides
// which parts exist: EC2 images and snapshots have no account (arn:aws:ec2:us-east-1::image/ami-…),
// IAM resources no region (arn:aws:iam::123456789012:role/…). Every other `${Name}` comes from
// `ids` under that exact name (ImageId, AutoScalingGroupName, ParameterNameWithoutLeadingSlash …);
// a missing one is an error, never an empty segment.
import { authorizationReference, type AuthorizationReference } from './reference.js';

export interface ArnParts {
  /** default `aws` */
  partition?: string;
  region?: string;
  account?: string;
  [id: string]: string | undefined;
}

export class ArnTemplateError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ArnTemplateError';
  }
}

/** Fills `template`'s `${Partition}`, `${Region}`, `${Account}` and `${Id}` placeholders. */
export function fillArnTemplate(template: string, parts: ArnParts): string {
  return template.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
    const value =
      name === 'Partition' ? (parts.partition ?? 'aws') : name === 'Region' ? parts.region : name === 'Account' ? parts.account : parts[name];
    if (value === undefined || value === '') throw new ArnTemplateError(`${template}: no value for \${${name}}`);
    return value;
  });
}

/** The ARN of a resource of `type` as `service`'s reference page defines it. */
export function resourceArn(service: string, type: string, parts: ArnParts, reference: AuthorizationReference = authorizationReference()): string {
  const template = reference.arnTemplate(service, type);
  if (!template) throw new ArnTemplateError(`${service} defines no resource type ${type} for a served operation`);
  return fillArnTemplate(template, parts);
}
