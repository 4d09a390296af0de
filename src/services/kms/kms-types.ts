// The domain types of the KMS service: what KmsService takes and returns. Wire shapes (the
// generated api/kms types) stay in handlers.ts.
import type { Scope } from '../../store/scope.js';
import type { EncryptionContext } from './ciphertext.js';

export type { Scope, EncryptionContext };

export type KeyState = 'Enabled' | 'Disabled' | 'PendingDeletion';
export type KeyManager = 'AWS' | 'CUSTOMER';

export interface KeyInfo {
  keyId: string;
  arn: string;
  accountId: string;
  region: string;
  state: KeyState;
  keyManager: KeyManager;
  description: string;
  aliasNames: string[];
}

export interface KeyDetails extends KeyInfo {
  creationDate: Date;
  deletionDate?: Date;
  pendingWindowDays?: number;
  keyUsage: 'ENCRYPT_DECRYPT';
  keySpec: 'SYMMETRIC_DEFAULT';
  origin: 'AWS_KMS';
}

export interface Page<T> {
  items: T[];
  /** set when more items follow; pass it back as `marker` */
  nextMarker?: string;
}

export interface PageRequest {
  limit?: number;
  marker?: string;
}

export interface AliasInfo {
  aliasName: string;
  aliasArn: string;
  targetKeyId: string;
  creationDate: Date;
  lastUpdatedDate: Date;
}

export interface GrantConstraints {
  encryptionContextSubset?: EncryptionContext;
  encryptionContextEquals?: EncryptionContext;
}

export interface GrantInfo {
  /** the key ARN */
  keyArn: string;
  grantId: string;
  name?: string;
  creationDate: Date;
  granteePrincipal: string;
  retiringPrincipal?: string;
  /** `arn:aws:iam::<account>:root` of the account that created the grant */
  issuingAccount: string;
  operations: string[];
  constraints?: GrantConstraints;
}

export interface Tag {
  key: string;
  value: string;
}

/** Options of state-changing calls: `dryRun` runs every check, then throws DryRunOperationException. */
export interface DryRunOption {
  dryRun?: boolean;
}
