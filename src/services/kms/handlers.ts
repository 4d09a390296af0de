// KMS wire handlers: generated request/response types <-> KmsService calls, nothing more.
import type { GrantConstraints as WireConstraints, GrantListEntry, KeyMetadata, Operations, Tag as WireTag } from '../../api/kms/types.js';
import type { HandlerMap } from '../../protocol/dispatch.js';
import type { KmsService } from './kms-service.js';
import { unsupported, validation } from './kms-errors.js';
import type { GrantConstraints, GrantInfo, KeyDetails, Page, Tag } from './kms-types.js';

function keyMetadata(k: KeyDetails): KeyMetadata {
  return {
    AWSAccountId: k.accountId,
    KeyId: k.keyId,
    Arn: k.arn,
    CreationDate: k.creationDate,
    Enabled: k.state === 'Enabled',
    Description: k.description,
    KeyUsage: k.keyUsage,
    KeyState: k.state,
    DeletionDate: k.deletionDate,
    Origin: k.origin,
    KeyManager: k.keyManager,
    CustomerMasterKeySpec: k.keySpec,
    KeySpec: k.keySpec,
    EncryptionAlgorithms: ['SYMMETRIC_DEFAULT'],
    MultiRegion: false,
    PendingDeletionWindowInDays: k.pendingWindowDays,
  };
}

const listPage = <T>(p: Page<T>) => ({ NextMarker: p.nextMarker, Truncated: p.nextMarker !== undefined });
const tagsIn = (tags: WireTag[] | undefined): Tag[] => (tags ?? []).map((t) => ({ key: t.TagKey, value: t.TagValue }));
const buf = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.byteLength);

function constraintsIn(c: WireConstraints | undefined): GrantConstraints | undefined {
  if (!c) return undefined;
  if (c.SourceArn !== undefined) throw unsupported('Imago does not support the SourceArn grant constraint.');
  const out: GrantConstraints = {};
  if (c.EncryptionContextSubset) out.encryptionContextSubset = c.EncryptionContextSubset;
  if (c.EncryptionContextEquals) out.encryptionContextEquals = c.EncryptionContextEquals;
  return Object.keys(out).length ? out : undefined;
}

function grantEntry(g: GrantInfo): GrantListEntry {
  const c = g.constraints;
  return {
    KeyId: g.keyArn,
    GrantId: g.grantId,
    Name: g.name,
    CreationDate: g.creationDate,
    GranteePrincipal: g.granteePrincipal,
    RetiringPrincipal: g.retiringPrincipal,
    IssuingAccount: g.issuingAccount,
    Operations: g.operations as GrantListEntry['Operations'],
    Constraints: c && { EncryptionContextSubset: c.encryptionContextSubset, EncryptionContextEquals: c.encryptionContextEquals },
  };
}

const noRecipient = (recipient: unknown) => {
  if (recipient !== undefined) throw unsupported('Imago does not support Nitro Enclaves attestation (Recipient).');
};

export function kmsHandlers(kms: KmsService): HandlerMap<Operations> {
  return {
    async CreateKey(ctx, i) {
      const key = await kms.keys.create(ctx, {
        description: i.Description,
        policy: i.Policy,
        keyUsage: i.KeyUsage,
        keySpec: i.KeySpec,
        customerMasterKeySpec: i.CustomerMasterKeySpec,
        origin: i.Origin,
        customKeyStoreId: i.CustomKeyStoreId,
        xksKeyId: i.XksKeyId,
        multiRegion: i.MultiRegion,
        tags: tagsIn(i.Tags),
        bypassPolicyLockoutSafetyCheck: i.BypassPolicyLockoutSafetyCheck,
      });
      return { KeyMetadata: keyMetadata(key) };
    },
    async DescribeKey(ctx, i) {
      return { KeyMetadata: keyMetadata(await kms.keys.describe(ctx, i.KeyId)) };
    },
    async ListKeys(ctx, i) {
      const page = await kms.keys.list(ctx, { limit: i.Limit, marker: i.Marker });
      return { Keys: page.items.map((k) => ({ KeyId: k.keyId, KeyArn: k.keyArn })), ...listPage(page) };
    },
    async EnableKey(ctx, i) {
      await kms.keys.enable(ctx, i.KeyId);
    },
    async DisableKey(ctx, i) {
      await kms.keys.disable(ctx, i.KeyId);
    },
    async ScheduleKeyDeletion(ctx, i) {
      const r = await kms.keys.scheduleDeletion(ctx, i.KeyId, i.PendingWindowInDays);
      return { KeyId: r.keyArn, DeletionDate: r.deletionDate, KeyState: 'PendingDeletion', PendingWindowInDays: r.pendingWindowInDays };
    },
    async CancelKeyDeletion(ctx, i) {
      return { KeyId: await kms.keys.cancelDeletion(ctx, i.KeyId) };
    },
    async UpdateKeyDescription(ctx, i) {
      await kms.keys.updateDescription(ctx, i.KeyId, i.Description);
    },
    async GetKeyPolicy(ctx, i) {
      return { Policy: await kms.keys.getPolicy(ctx, i.KeyId, i.PolicyName), PolicyName: 'default' };
    },
    async PutKeyPolicy(ctx, i) {
      await kms.keys.putPolicy(ctx, i.KeyId, i.Policy, { policyName: i.PolicyName, bypassPolicyLockoutSafetyCheck: i.BypassPolicyLockoutSafetyCheck });
    },
    async ListKeyPolicies(ctx, i) {
      return { PolicyNames: await kms.keys.listPolicies(ctx, i.KeyId), Truncated: false };
    },
    async EnableKeyRotation(ctx, i) {
      await kms.keys.setRotation(ctx, i.KeyId, true, i.RotationPeriodInDays);
    },
    async DisableKeyRotation(ctx, i) {
      await kms.keys.setRotation(ctx, i.KeyId, false);
    },
    async GetKeyRotationStatus(ctx, i) {
      const r = await kms.keys.rotationStatus(ctx, i.KeyId);
      return { KeyId: r.keyArn, KeyRotationEnabled: r.enabled, RotationPeriodInDays: r.rotationPeriodInDays };
    },
    async TagResource(ctx, i) {
      await kms.keys.tag(ctx, i.KeyId, tagsIn(i.Tags));
    },
    async UntagResource(ctx, i) {
      await kms.keys.untag(ctx, i.KeyId, i.TagKeys);
    },
    async ListResourceTags(ctx, i) {
      const page = await kms.keys.listTags(ctx, i.KeyId, { limit: i.Limit, marker: i.Marker });
      return { Tags: page.items.map((t) => ({ TagKey: t.key, TagValue: t.value })), ...listPage(page) };
    },

    async CreateAlias(ctx, i) {
      await kms.aliases.create(ctx, i.AliasName, i.TargetKeyId);
    },
    async UpdateAlias(ctx, i) {
      await kms.aliases.update(ctx, i.AliasName, i.TargetKeyId);
    },
    async DeleteAlias(ctx, i) {
      await kms.aliases.delete(ctx, i.AliasName);
    },
    async ListAliases(ctx, i) {
      const page = await kms.aliases.list(ctx, { keyRef: i.KeyId, limit: i.Limit, marker: i.Marker });
      const Aliases = page.items.map((a) => ({
        AliasName: a.aliasName,
        AliasArn: a.aliasArn,
        TargetKeyId: a.targetKeyId,
        CreationDate: a.creationDate,
        LastUpdatedDate: a.lastUpdatedDate,
      }));
      return { Aliases, ...listPage(page) };
    },

    async CreateGrant(ctx, i) {
      const grantee = i.GranteePrincipal ?? i.GranteeServicePrincipal;
      if (grantee === undefined) throw validation("1 validation error detected: Value null at 'granteePrincipal' failed to satisfy constraint: Member must not be null");
      const r = await kms.grants.create(ctx, {
        keyRef: i.KeyId,
        granteePrincipal: grantee,
        retiringPrincipal: i.RetiringPrincipal ?? i.RetiringServicePrincipal,
        operations: i.Operations,
        constraints: constraintsIn(i.Constraints),
        name: i.Name,
        dryRun: i.DryRun,
      });
      return { GrantId: r.grantId, GrantToken: r.grantToken };
    },
    async ListGrants(ctx, i) {
      const page = await kms.grants.list(ctx, i.KeyId, {
        limit: i.Limit,
        marker: i.Marker,
        grantId: i.GrantId,
        granteePrincipal: i.GranteePrincipal ?? i.GranteeServicePrincipal,
      });
      return { Grants: page.items.map(grantEntry), ...listPage(page) };
    },
    async ListRetirableGrants(ctx, i) {
      const principal = i.RetiringPrincipal ?? i.RetiringServicePrincipal;
      if (principal === undefined) throw validation("1 validation error detected: Value null at 'retiringPrincipal' failed to satisfy constraint: Member must not be null");
      const page = await kms.grants.listRetirable(ctx, principal, { limit: i.Limit, marker: i.Marker });
      return { Grants: page.items.map(grantEntry), ...listPage(page) };
    },
    async RevokeGrant(ctx, i) {
      await kms.grants.revoke(ctx, i.KeyId, i.GrantId, { dryRun: i.DryRun });
    },
    async RetireGrant(ctx, i) {
      await kms.grants.retire(ctx, { grantToken: i.GrantToken, keyRef: i.KeyId, grantId: i.GrantId, dryRun: i.DryRun });
    },

    async Encrypt(ctx, i) {
      const r = await kms.crypto.encrypt(ctx, i.KeyId, buf(i.Plaintext), { context: i.EncryptionContext, encryptionAlgorithm: i.EncryptionAlgorithm, dryRun: i.DryRun });
      return { CiphertextBlob: r.ciphertext, KeyId: r.keyArn, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },
    async Decrypt(ctx, i) {
      noRecipient(i.Recipient);
      const r = await kms.crypto.decrypt(ctx, i.CiphertextBlob && buf(i.CiphertextBlob), {
        context: i.EncryptionContext,
        keyRef: i.KeyId,
        encryptionAlgorithm: i.EncryptionAlgorithm,
        dryRun: i.DryRun,
      });
      return { KeyId: r.keyArn, Plaintext: r.plaintext, EncryptionAlgorithm: 'SYMMETRIC_DEFAULT' };
    },
    async GenerateDataKey(ctx, i) {
      noRecipient(i.Recipient);
      const r = await kms.crypto.generateDataKey(ctx, i.KeyId, { numberOfBytes: i.NumberOfBytes, keySpec: i.KeySpec }, { context: i.EncryptionContext, dryRun: i.DryRun });
      return { CiphertextBlob: r.ciphertext, Plaintext: r.plaintext, KeyId: r.keyArn };
    },
    async GenerateDataKeyWithoutPlaintext(ctx, i) {
      const r = await kms.crypto.generateDataKey(
        ctx,
        i.KeyId,
        { numberOfBytes: i.NumberOfBytes, keySpec: i.KeySpec },
        { context: i.EncryptionContext, dryRun: i.DryRun, withPlaintext: false },
      );
      r.plaintext.fill(0);
      return { CiphertextBlob: r.ciphertext, KeyId: r.keyArn };
    },
    async ReEncrypt(ctx, i) {
      for (const alg of [i.SourceEncryptionAlgorithm, i.DestinationEncryptionAlgorithm]) {
        if (alg !== undefined && alg !== 'SYMMETRIC_DEFAULT') throw unsupported(`Imago supports only SYMMETRIC_DEFAULT, not ${alg}.`);
      }
      const r = await kms.crypto.reEncrypt(ctx, i.CiphertextBlob && buf(i.CiphertextBlob), i.DestinationKeyId, {
        sourceContext: i.SourceEncryptionContext,
        destinationContext: i.DestinationEncryptionContext,
        sourceKeyRef: i.SourceKeyId,
        dryRun: i.DryRun,
      });
      return {
        CiphertextBlob: r.ciphertext,
        SourceKeyId: r.sourceKeyArn,
        KeyId: r.keyArn,
        SourceEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
        DestinationEncryptionAlgorithm: 'SYMMETRIC_DEFAULT',
      };
    },
    GenerateRandom(_ctx, i) {
      noRecipient(i.Recipient);
      if (i.CustomKeyStoreId !== undefined) throw unsupported('Imago has no custom key stores.');
      return { Plaintext: kms.crypto.generateRandom(i.NumberOfBytes) };
    },
  };
}
