// The EBS direct APIs' errors: restJson1 bodies `{"message", "Reason"}` with the statuses of
// the model (ValidationException 400, AccessDeniedException 403, ResourceNotFoundException 404,
// ConflictException 409). Reasons are the model's enums.
import { ServiceError, isServiceError } from '../../protocol/service-error.js';

export type ValidationReason =
  | 'INVALID_CUSTOMER_KEY'
  | 'INVALID_PAGE_TOKEN'
  | 'INVALID_BLOCK_TOKEN'
  | 'INVALID_SNAPSHOT_ID'
  | 'UNRELATED_SNAPSHOTS'
  | 'INVALID_BLOCK'
  | 'INVALID_TAG'
  | 'INVALID_PARAMETER_VALUE'
  | 'INVALID_VOLUME_SIZE';

export const validation = (reason: ValidationReason, message: string) => new ServiceError('ValidationException', message, 400, { fields: { Reason: reason } });

export const snapshotNotFound = (snapshotId: string) =>
  new ServiceError('ResourceNotFoundException', `The snapshot '${snapshotId}' does not exist.`, 404, { fields: { Reason: 'SNAPSHOT_NOT_FOUND' } });

export const accessDenied = (reason: 'UNAUTHORIZED_ACCOUNT' | 'DEPENDENCY_ACCESS_DENIED', message: string) =>
  new ServiceError('AccessDeniedException', message, 403, { fields: { Reason: reason } });

export const conflict = (message: string) => new ServiceError('ConflictException', message, 409);

/**
 * A KMS failure as the EBS direct APIs report it: a key the caller may not use is
 * AccessDeniedException (DEPENDENCY_ACCESS_DENIED); a key that is missing, disabled, pending
 * deletion or unusable is ValidationException (INVALID_CUSTOMER_KEY). Other errors pass.
 */
export function fromKms(e: unknown, keyRef: string | null): unknown {
  if (!isServiceError(e)) return e;
  const key = keyRef ? ` ${keyRef}` : '';
  if (e.code === 'AccessDeniedException') {
    return accessDenied('DEPENDENCY_ACCESS_DENIED', `You are not authorized to use the KMS key${key}: ${e.message}`);
  }
  if (['NotFoundException', 'DisabledException', 'KMSInvalidStateException', 'InvalidCiphertextException', 'IncorrectKeyException', 'ValidationException', 'InvalidKeyUsageException'].includes(e.code)) {
    return validation('INVALID_CUSTOMER_KEY', `The KMS key${key} cannot be used: ${e.message}`);
  }
  return e;
}

/** Runs a KMS-backed step, translating its errors (see fromKms). */
export async function withKms<T>(keyRef: string | null, step: () => Promise<T>): Promise<T> {
  try {
    return await step();
  } catch (e) {
    throw fromKms(e, keyRef);
  }
}
