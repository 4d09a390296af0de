// Per account and region: EBS encryption by default, and the default KMS key for EBS (the
// AWS managed `alias/aws/ebs` unless ModifyEbsDefaultKmsKeyId chose another).
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { KmsService } from '../../kms/kms-service.js';

export const ENCRYPTION_BY_DEFAULT = 'ebs.encryption-by-default';
export const DEFAULT_KMS_KEY = 'ebs.default-kms-key';

export class EbsDefaults {
  constructor(
    private readonly store: Store,
    private readonly kms: KmsService,
  ) {}

  async encryptionByDefault(scope: Scope): Promise<boolean> {
    return (await this.store.accountAttributes.get(scope, ENCRYPTION_BY_DEFAULT)) === 'true';
  }

  async setEncryptionByDefault(scope: Scope, on: boolean): Promise<void> {
    await this.store.accountAttributes.set(scope, ENCRYPTION_BY_DEFAULT, on ? 'true' : 'false');
  }

  /** The key ARN new encrypted volumes and snapshot copies use when none is given. */
  async defaultKmsKeyArn(scope: Scope): Promise<string> {
    const chosen = await this.store.accountAttributes.get(scope, DEFAULT_KMS_KEY);
    if (chosen) return chosen;
    return (await this.kms.ensureAwsManagedKey(scope, 'ebs')).arn;
  }

  async setDefaultKmsKey(scope: Scope, keyRef: string): Promise<string> {
    const key = await this.kms.describeKey(scope, keyRef);
    await this.store.accountAttributes.set(scope, DEFAULT_KMS_KEY, key.arn);
    return key.arn;
  }

  async resetDefaultKmsKey(scope: Scope): Promise<string> {
    await this.store.accountAttributes.delete(scope, DEFAULT_KMS_KEY);
    return this.defaultKmsKeyArn(scope);
  }
}
