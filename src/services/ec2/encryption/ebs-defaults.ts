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

  /**
   * What GetEbsDefaultKmsKeyId reports: the chosen key's ARN, else the ARN of the alias
   * `alias/aws/ebs` (as AWS reports it), whose key is created on first mention.
   */
  async reportedDefaultKmsKeyId(scope: Scope): Promise<string> {
    const chosen = await this.store.accountAttributes.get(scope, DEFAULT_KMS_KEY);
    if (chosen) return chosen;
    const key = await this.kms.ensureAwsManagedKey(scope, 'ebs');
    return key.arn.replace(/:key\/[^:]+$/, ':alias/aws/ebs');
  }

  /** Resolves the key (throws KMS errors), then — after `checkpoint` — makes it the default. */
  async setDefaultKmsKey(scope: Scope, keyRef: string, checkpoint?: () => void): Promise<string> {
    const key = await this.kms.describeKey(scope, keyRef);
    checkpoint?.();
    await this.store.accountAttributes.set(scope, DEFAULT_KMS_KEY, key.arn);
    return key.arn;
  }

  async resetDefaultKmsKey(scope: Scope): Promise<string> {
    await this.store.accountAttributes.delete(scope, DEFAULT_KMS_KEY);
    return this.reportedDefaultKmsKeyId(scope);
  }
}
