// KMS's error codes and messages in one place. Client errors are HTTP 400 on the awsJson wire
// (the model's awsQueryError statuses do not apply: see reference §1.8); messages follow the ones
// AWS returns (Developer Guide "Key states of AWS KMS keys" table details, captured errors).
import { ServiceError } from '../../protocol/service-error.js';

const kmsError = (code: string, message: string, status = 400) => new ServiceError(code, message, status);

export const rootPrincipal = (accountId: string) => `arn:aws:iam::${accountId}:root`;

export const invalidKeyId = (ref: string) => kmsError('NotFoundException', `Invalid keyId ${ref}`);
export const invalidArn = (what: string) => kmsError('NotFoundException', `Invalid arn ${what}`.trimEnd());
export const keyNotFound = (arn: string) => kmsError('NotFoundException', `Key '${arn}' does not exist`);
export const aliasNotFound = (aliasArn: string) => kmsError('NotFoundException', `Alias ${aliasArn} is not found.`);
export const policyNotFound = (name: string) => kmsError('NotFoundException', `No key policy named ${name}: the only key policy is default.`);
export const grantNotFound = (grantId: string) => kmsError('NotFoundException', `Grant ID ${grantId} not found`);

export const disabled = (arn: string) => kmsError('DisabledException', `${arn} is disabled.`);
export const pendingDeletion = (arn: string) => kmsError('KMSInvalidStateException', `${arn} is pending deletion.`);
export const notPendingDeletion = (arn: string) => kmsError('KMSInvalidStateException', `${arn} is not pending deletion.`);

export function accessDenied(callerAccount: string, action: string, resource: string, explicit = false): ServiceError {
  const why = explicit ? `with an explicit deny in a resource-based policy` : `because no resource-based policy allows the ${action} action`;
  return kmsError('AccessDeniedException', `User: ${rootPrincipal(callerAccount)} is not authorized to perform: ${action} on resource: ${resource} ${why}`);
}

/** Decrypt of a blob whose key is gone, in another region, or not ours to see (AWS's wording). */
export const ciphertextKeyUnavailable = () =>
  kmsError('AccessDeniedException', 'The ciphertext refers to a customer master key that does not exist, does not exist in this region, or you are not allowed to access.');

export const invalidCiphertext = () => kmsError('InvalidCiphertextException', 'The ciphertext is invalid, or the encryption context does not match the one it was encrypted with.');
export const incorrectKey = () =>
  kmsError('IncorrectKeyException', 'The key ID in the request does not identify a KMS key that can perform this operation.');
export const invalidKeyUsage = (message: string) => kmsError('InvalidKeyUsageException', message);

export const validation = (message: string) => kmsError('ValidationException', message);
/** The Coral-style message for one constraint violation, e.g. a Limit out of range. */
export const constraint = (value: unknown, member: string, rule: string) =>
  validation(`1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: Member must ${rule}`);

export const alreadyExists = (message: string) => kmsError('AlreadyExistsException', message);
/** Reserved `alias/aws/` names: AWS answers NotAuthorizedException (not in the model's error lists). */
export const notAuthorized = (message: string) => kmsError('NotAuthorizedException', message);
export const malformedPolicy = (message: string) => kmsError('MalformedPolicyDocumentException', message);
export const invalidMarker = () => kmsError('InvalidMarkerException', 'The marker is invalid or expired.');
export const invalidGrantId = (grantId: string) => kmsError('InvalidGrantIdException', `Invalid grant ID ${grantId}`);
export const invalidGrantToken = () => kmsError('InvalidGrantTokenException', 'Invalid grant token.');
export const tagError = (message: string) => kmsError('TagException', message);
export const unsupported = (message: string) => kmsError('UnsupportedOperationException', message);
export const limitExceeded = (message: string) => kmsError('LimitExceededException', message);
// the one KMS error whose modelled httpError status the SDKs act on
export const dryRun = () => kmsError('DryRunOperationException', 'The request would have succeeded, but the DryRun option is set.', 412);
