// Making keys: fresh 256-bit material (wrapped before it is stored), a UUID key id, and for AWS
// managed keys (`alias/aws/<service>`) the lazy, race-free creation of key and alias together.
import { randomBytes, randomUUID } from 'node:crypto';
import type { Store } from '../../store/store.js';
import type { KmsKeyRow } from '../../store/repos/kms-keys.js';
import type { Scope } from '../../store/scope.js';
import type { KeyWrapper } from './key-wrap.js';
import { awsManagedKeyPolicy } from './default-policies.js';
import type { KeyManager, Tag } from './kms-types.js';

/** Services with an AWS managed key, and its description as AWS writes it. */
export const AWS_MANAGED_KEYS: Record<string, string> = {
  ebs: 'Default key that protects my EBS volumes when no other key is defined',
  ssm: 'Default key that protects my SSM parameters when no other key is defined',
};

export type AwsManagedService = keyof typeof AWS_MANAGED_KEYS & string;

export interface NewKey {
  description: string;
  policy: string;
  keyManager: KeyManager;
  tags?: Tag[];
}

export class KeyFactory {
  constructor(
    private readonly store: Store,
    private readonly wrapper: KeyWrapper,
    private readonly now: () => Date,
  ) {}

  private row(scope: Scope, key: NewKey): KmsKeyRow {
    const keyId = randomUUID();
    const material = randomBytes(32);
    const wrapped = this.wrapper.wrap(material, { accountId: scope.accountId, region: scope.region, keyId });
    material.fill(0);
    return {
      account_id: scope.accountId,
      region: scope.region,
      key_id: keyId,
      description: key.description,
      key_usage: 'ENCRYPT_DECRYPT',
      key_spec: 'SYMMETRIC_DEFAULT',
      key_manager: key.keyManager,
      origin: 'AWS_KMS',
      state: 'Enabled',
      policy: key.policy,
      material: wrapped,
      created_at: this.now().toISOString(),
      deletion_date: null,
      pending_window_days: null,
      // AWS managed keys rotate yearly, customer keys only when asked
      rotation_enabled: key.keyManager === 'AWS' ? 1 : 0,
      rotation_period_days: key.keyManager === 'AWS' ? 365 : null,
    };
  }

  async create(scope: Scope, key: NewKey): Promise<KmsKeyRow> {
    const row = this.row(scope, key);
    await this.store.kmsKeys.create(row, { tags: key.tags });
    return row;
  }

  /** The AWS managed key of `service` in this account and region, created on first use. */
  async ensureAwsManaged(scope: Scope, service: AwsManagedService): Promise<KmsKeyRow> {
    const aliasName = `alias/aws/${service}`;
    // a racing creator makes our insert fail on the alias; then its key is the one to use
    for (let attempt = 0; attempt < 3; attempt++) {
      const alias = await this.store.kmsAliases.find(scope, aliasName);
      if (alias) {
        const existing = await this.store.kmsKeys.find(scope, alias.key_id);
        if (existing) return existing;
      }
      const row = this.row(scope, { description: AWS_MANAGED_KEYS[service], policy: awsManagedKeyPolicy(scope.accountId, service), keyManager: 'AWS' });
      if (await this.store.kmsKeys.create(row, { alias: aliasName })) return row;
    }
    throw new Error(`could not create the AWS managed key ${aliasName}`);
  }
}

export function awsManagedService(aliasName: string): AwsManagedService | undefined {
  const m = /^alias\/aws\/(.+)$/.exec(aliasName);
  return m && Object.hasOwn(AWS_MANAGED_KEYS, m[1]) ? m[1] : undefined;
}
