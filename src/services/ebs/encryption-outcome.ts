// StartSnapshot's encryption outcome, from the tables of "Encryption outcomes for EBS direct
// APIs" (EBS User Guide): the parent snapshot, Encrypted, KmsKeyArn and encryption by default.
//
//   parent + Encrypted (true or false)             -> ValidationException
//   encrypted parent                               -> the parent's KMS key; another KmsKeyArn fails
//   unencrypted parent                             -> unencrypted; fails under encryption by default
//   no parent, Encrypted=true                      -> KmsKeyArn, else the account's default key
//   no parent, Encrypted=false                     -> unencrypted; fails with KmsKeyArn or by default
//   no parent, Encrypted omitted                   -> KmsKeyArn; else the default key when
//                                                     encryption by default is on; else unencrypted
// The table is silent (merged cells) for an unencrypted parent with a KmsKeyArn: we refuse it,
// as re-encrypting a lineage takes a CopySnapshot first, which the same page says.
import { validation } from './ebs-errors.js';

export interface OutcomeInput {
  parent?: { encrypted: boolean; kmsKeyArn: string | null };
  encrypted?: boolean;
  kmsKeyArn?: string;
  encryptionByDefault: boolean;
}

export type Outcome =
  | { kind: 'unencrypted' }
  | { kind: 'parent-key' }
  /** a new lineage key under `kmsKeyArn`, or the account's default EBS key when null */
  | { kind: 'new-key'; kmsKeyArn: string | null };

const invalid = (message: string) => validation('INVALID_PARAMETER_VALUE', message);

export function encryptionOutcome(i: OutcomeInput): Outcome {
  if (i.parent) {
    if (i.encrypted !== undefined) throw invalid("You can't specify ParentSnapshotId and Encrypted in the same request.");
    if (i.parent.encrypted) {
      if (i.kmsKeyArn !== undefined && i.kmsKeyArn !== i.parent.kmsKeyArn) {
        throw invalid('The snapshot must use the KMS key of its encrypted parent snapshot; KmsKeyArn cannot name another key.');
      }
      return { kind: 'parent-key' };
    }
    if (i.encryptionByDefault) {
      throw invalid('Encryption by default is enabled for this account: a snapshot cannot continue an unencrypted parent snapshot. Copy the parent snapshot with encryption first.');
    }
    if (i.kmsKeyArn !== undefined) throw invalid('KmsKeyArn cannot be specified with an unencrypted parent snapshot.');
    return { kind: 'unencrypted' };
  }
  if (i.encrypted === true) return { kind: 'new-key', kmsKeyArn: i.kmsKeyArn ?? null };
  if (i.encrypted === false) {
    if (i.kmsKeyArn !== undefined) throw invalid('KmsKeyArn cannot be specified when Encrypted is false.');
    if (i.encryptionByDefault) throw invalid('Encryption by default is enabled for this account: unencrypted snapshots cannot be created.');
    return { kind: 'unencrypted' };
  }
  if (i.kmsKeyArn !== undefined) return { kind: 'new-key', kmsKeyArn: i.kmsKeyArn };
  return i.encryptionByDefault ? { kind: 'new-key', kmsKeyArn: null } : { kind: 'unencrypted' };
}
