// IAM's MalformedPolicyDocument answers, word for word (as IAM, and the emulators that copied
// them from it, send them). The wire layer maps a PolicyDocumentError to the
// MalformedPolicyDocument error code (HTTP 400) with `message` as the text.

export const PolicyMessages = {
  syntax: 'Syntax errors in policy.',
  versionTooOld: 'Policy document must be version 2012-10-17 or greater.',
  legacyParsing: 'The policy failed legacy parsing',
  sidNotUnique: 'Statement IDs (SID) in a single policy must be unique.',
  sidNotAlphanumeric:
    'Statement IDs (SID) must be alpha-numeric. Check that your input satisfies the regular expression [0-9A-Za-z]*',
  principalNotAllowed: 'Policy document should not specify a principal.',
  principalMissing: 'Missing required field Principal',
  invalidPrincipal: 'Invalid principal in policy',
  actionsMissing: 'Policy statement must contain actions.',
  resourcesMissing: 'Policy statement must contain resources.',
  resourceProhibited: 'Has prohibited field Resource.',
  vendorMissing: 'Actions/Conditions must be prefaced by a vendor, e.g., iam, sdb, ec2, etc.',
  oneColon: 'Actions/Condition can contain only one colon.',
  vendorInvalid: (vendor: string) => `Vendor ${vendor} is not valid`,
  conditionType: (operator: string) => `Invalid Condition type : ${operator}`,
  resourceNotArn: (resource: string) => `Resource ${resource} must be in ARN format or "*".`,
  resourceVendor: 'Resource vendor must be fully qualified and cannot contain regexes.',
  trustActions:
    'Trust Policy statement actions can only be sts:AssumeRole, sts:AssumeRoleWithSAML,  and sts:AssumeRoleWithWebIdentity',
} as const;

export class PolicyDocumentError extends Error {
  readonly code = 'MalformedPolicyDocument';
  constructor(message: string) {
    super(message);
    this.name = 'PolicyDocumentError';
  }
}

export function isPolicyDocumentError(e: unknown): e is PolicyDocumentError {
  return e instanceof PolicyDocumentError;
}
