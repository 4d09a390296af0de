// Key lifecycle and metadata: CreateKey, DescribeKey, ListKeys, Enable/DisableKey,
// Schedule/CancelKeyDeletion, UpdateKeyDescription, key policies, rotation flags and tags.
import type { Store } from '../../store/store.js';
import type { Scope } from '../../store/scope.js';
import type { KeyAccess, KeyRecord } from './key-access.js';
import type { KeyFactory } from './key-factory.js';
import { evaluatePolicy, parseKeyPolicy } from './key-policy.js';
import { defaultKeyPolicy } from './default-policies.js';
import { keyArn } from './key-ref.js';
import { checkDescription, checkRange, checkTags } from './input-rules.js';
import { decodeMarker, pageLimit, toPage } from './pagination.js';
import { disabled, limitExceeded, malformedPolicy, notPendingDeletion, policyNotFound, unsupported, validation } from './kms-errors.js';
import type { KeyDetails, Page, PageRequest, Tag } from './kms-types.js';

export interface CreateKeyInput {
  description?: string;
  policy?: string;
  keyUsage?: string;
  keySpec?: string;
  /** deprecated spelling of keySpec */
  customerMasterKeySpec?: string;
  origin?: string;
  customKeyStoreId?: string;
  xksKeyId?: string;
  multiRegion?: boolean;
  tags?: Tag[];
  bypassPolicyLockoutSafetyCheck?: boolean;
}

const OWN = { aliases: false, crossAccount: false };
const LOCKOUT = 'The new key policy will not allow you to update the key policy in the future.';
const MAX_TAGS = 50;

export class KeyLifecycle {
  constructor(
    private readonly store: Store,
    private readonly access: KeyAccess,
    private readonly factory: KeyFactory,
    private readonly now: () => Date,
  ) {}

  /** A key-only identifier in the caller's account, authorized for `action`. */
  private async own(caller: Scope, ref: string, action: string): Promise<KeyRecord> {
    const key = await this.access.resolve(caller, ref, OWN, action);
    await this.access.authorize(caller, key, action);
    return key;
  }

  /** MalformedPolicyDocumentException unless the policy parses and (unless bypassed) still lets the caller change it. */
  private checkPolicy(caller: Scope, policy: string, bypass: boolean | undefined): void {
    const parsed = parseKeyPolicy(policy);
    if (!bypass && evaluatePolicy(parsed, { account: caller.accountId, action: 'kms:PutKeyPolicy' }) !== 'allow') throw malformedPolicy(LOCKOUT);
  }

  async create(caller: Scope, input: CreateKeyInput): Promise<KeyDetails> {
    checkDescription(input.description);
    if (input.keySpec && input.customerMasterKeySpec) {
      throw validation('You cannot specify KeySpec and CustomerMasterKeySpec in the same request. CustomerMasterKeySpec is deprecated.');
    }
    const spec = input.keySpec ?? input.customerMasterKeySpec ?? 'SYMMETRIC_DEFAULT';
    const usage = input.keyUsage ?? 'ENCRYPT_DECRYPT';
    if (spec !== 'SYMMETRIC_DEFAULT') throw unsupported(`Imago supports only SYMMETRIC_DEFAULT keys; KeySpec ${spec} is not supported.`);
    if (usage !== 'ENCRYPT_DECRYPT') throw validation(`KeyUsage ${usage} is not compatible with KeySpec SYMMETRIC_DEFAULT`);
    if (input.origin && input.origin !== 'AWS_KMS') throw unsupported(`Imago supports only Origin AWS_KMS; ${input.origin} is not supported.`);
    if (input.customKeyStoreId || input.xksKeyId) throw unsupported('Imago has no custom key stores.');
    if (input.multiRegion) throw unsupported('Imago does not support multi-Region keys.');
    const tags = input.tags ?? [];
    checkTags(tags);
    if (tags.length > MAX_TAGS) throw limitExceeded(`A KMS key can have at most ${MAX_TAGS} tags.`);
    if (input.policy !== undefined) this.checkPolicy(caller, input.policy, input.bypassPolicyLockoutSafetyCheck);
    const row = await this.factory.create(caller, {
      description: input.description ?? '',
      policy: input.policy ?? defaultKeyPolicy(caller.accountId),
      keyManager: 'CUSTOMER',
      tags,
    });
    return this.access.details(this.access.record(row));
  }

  async describe(caller: Scope, ref: string): Promise<KeyDetails> {
    const key = await this.access.resolve(caller, ref, { aliases: true, crossAccount: true }, 'kms:DescribeKey');
    await this.access.authorize(caller, key, 'kms:DescribeKey', { grantOperation: 'DescribeKey' });
    return this.access.details(key);
  }

  async list(caller: Scope, page: PageRequest): Promise<Page<{ keyId: string; keyArn: string }>> {
    const limit = pageLimit(page.limit, 1000, 100);
    const [after] = decodeMarker(page.marker, 1) ?? [];
    await this.access.purgeExpired(caller);
    const rows = await this.store.kmsKeys.list(caller, { after, limit: limit + 1 });
    return toPage(rows, limit, (r) => ({ keyId: r.key_id, keyArn: keyArn(caller, r.key_id) }), (r) => [r.key_id]);
  }

  async enable(caller: Scope, ref: string): Promise<void> {
    const key = await this.own(caller, ref, 'kms:EnableKey');
    this.access.requireNotPendingDeletion(key);
    await this.store.kmsKeys.update(key.scope, key.keyId, { state: 'Enabled' });
  }

  async disable(caller: Scope, ref: string): Promise<void> {
    const key = await this.own(caller, ref, 'kms:DisableKey');
    this.access.requireNotPendingDeletion(key);
    await this.store.kmsKeys.update(key.scope, key.keyId, { state: 'Disabled' });
  }

  async scheduleDeletion(caller: Scope, ref: string, pendingWindowInDays = 30): Promise<{ keyArn: string; deletionDate: Date; pendingWindowInDays: number }> {
    checkRange(pendingWindowInDays, 'pendingWindowInDays', 7, 30);
    const key = await this.own(caller, ref, 'kms:ScheduleKeyDeletion');
    this.access.requireNotPendingDeletion(key);
    const deletionDate = new Date(this.now().getTime() + pendingWindowInDays * 86_400_000);
    await this.store.kmsKeys.update(key.scope, key.keyId, {
      state: 'PendingDeletion',
      deletion_date: deletionDate.toISOString(),
      pending_window_days: pendingWindowInDays,
    });
    return { keyArn: key.arn, deletionDate, pendingWindowInDays };
  }

  /** Back to Disabled, as AWS does: the owner re-enables explicitly. */
  async cancelDeletion(caller: Scope, ref: string): Promise<string> {
    const key = await this.own(caller, ref, 'kms:CancelKeyDeletion');
    if (key.state !== 'PendingDeletion') throw notPendingDeletion(key.arn);
    await this.store.kmsKeys.update(key.scope, key.keyId, { state: 'Disabled', deletion_date: null, pending_window_days: null });
    return key.arn;
  }

  async updateDescription(caller: Scope, ref: string, description: string): Promise<void> {
    checkDescription(description);
    const key = await this.own(caller, ref, 'kms:UpdateKeyDescription');
    this.access.requireNotPendingDeletion(key);
    await this.store.kmsKeys.update(key.scope, key.keyId, { description });
  }

  async getPolicy(caller: Scope, ref: string, policyName = 'default'): Promise<string> {
    const key = await this.own(caller, ref, 'kms:GetKeyPolicy');
    if (policyName !== 'default') throw policyNotFound(policyName);
    return key.row.policy;
  }

  async putPolicy(caller: Scope, ref: string, policy: string, opts: { policyName?: string; bypassPolicyLockoutSafetyCheck?: boolean } = {}): Promise<void> {
    const key = await this.own(caller, ref, 'kms:PutKeyPolicy');
    if ((opts.policyName ?? 'default') !== 'default') throw policyNotFound(opts.policyName!);
    this.checkPolicy(caller, policy, opts.bypassPolicyLockoutSafetyCheck);
    await this.store.kmsKeys.update(key.scope, key.keyId, { policy });
  }

  async listPolicies(caller: Scope, ref: string): Promise<string[]> {
    await this.own(caller, ref, 'kms:ListKeyPolicies');
    return ['default'];
  }

  async setRotation(caller: Scope, ref: string, enabled: boolean, rotationPeriodInDays?: number): Promise<void> {
    if (rotationPeriodInDays !== undefined) checkRange(rotationPeriodInDays, 'rotationPeriodInDays', 90, 2560);
    const key = await this.own(caller, ref, enabled ? 'kms:EnableKeyRotation' : 'kms:DisableKeyRotation');
    if (key.state === 'Disabled') throw disabled(key.arn);
    this.access.requireNotPendingDeletion(key);
    await this.store.kmsKeys.update(key.scope, key.keyId, {
      rotation_enabled: enabled ? 1 : 0,
      rotation_period_days: enabled ? (rotationPeriodInDays ?? key.row.rotation_period_days ?? 365) : key.row.rotation_period_days,
    });
  }

  async rotationStatus(caller: Scope, ref: string): Promise<{ keyArn: string; enabled: boolean; rotationPeriodInDays?: number }> {
    const key = await this.access.resolve(caller, ref, { aliases: false, crossAccount: true }, 'kms:GetKeyRotationStatus');
    await this.access.authorize(caller, key, 'kms:GetKeyRotationStatus');
    const enabled = key.row.rotation_enabled === 1;
    return { keyArn: key.arn, enabled, ...(enabled && key.row.rotation_period_days ? { rotationPeriodInDays: key.row.rotation_period_days } : {}) };
  }

  async tag(caller: Scope, ref: string, tags: Tag[]): Promise<void> {
    checkTags(tags);
    const key = await this.own(caller, ref, 'kms:TagResource');
    this.access.requireNotPendingDeletion(key);
    const newKeys = [...new Set(tags.map((t) => t.key))];
    if ((await this.store.kmsTags.count(key.scope, key.keyId, newKeys)) + newKeys.length > MAX_TAGS) {
      throw limitExceeded(`A KMS key can have at most ${MAX_TAGS} tags.`);
    }
    await this.store.kmsTags.put(key.scope, key.keyId, tags);
  }

  async untag(caller: Scope, ref: string, tagKeys: string[]): Promise<void> {
    const key = await this.own(caller, ref, 'kms:UntagResource');
    this.access.requireNotPendingDeletion(key);
    await this.store.kmsTags.remove(key.scope, key.keyId, tagKeys);
  }

  async listTags(caller: Scope, ref: string, page: PageRequest): Promise<Page<Tag>> {
    const limit = pageLimit(page.limit, 50, 50);
    const [after] = decodeMarker(page.marker, 1) ?? [];
    const key = await this.own(caller, ref, 'kms:ListResourceTags');
    const tags = await this.store.kmsTags.list(key.scope, key.keyId, { after, limit: limit + 1 });
    return toPage(tags, limit, (t) => t, (t) => [t.key]);
  }
}
