// EBS encryption by default and the default KMS key for EBS, per account and region.
import type { Operations } from '../../../api/ec2/types.js';
import type { HandlerMap } from '../../../protocol/dispatch.js';
import { isServiceError } from '../../../protocol/service-error.js';
import { dryRunCheckpoint } from '../dry-run.js';
import { invalidParameterValue } from '../ec2-errors.js';
import type { EbsDefaults } from './ebs-defaults.js';

export function encryptionHandlers(defaults: EbsDefaults): HandlerMap<Operations> {
  return {
    async GetEbsEncryptionByDefault(ctx) {
      return { EbsEncryptionByDefault: await defaults.encryptionByDefault(ctx), SseType: 'sse-ebs' };
    },

    async EnableEbsEncryptionByDefault(ctx) {
      dryRunCheckpoint(ctx);
      await defaults.setEncryptionByDefault(ctx, true);
      return { EbsEncryptionByDefault: true };
    },

    async DisableEbsEncryptionByDefault(ctx) {
      dryRunCheckpoint(ctx);
      await defaults.setEncryptionByDefault(ctx, false);
      return { EbsEncryptionByDefault: false };
    },

    async GetEbsDefaultKmsKeyId(ctx) {
      return { KmsKeyId: await defaults.reportedDefaultKmsKeyId(ctx) };
    },

    async ModifyEbsDefaultKmsKeyId(ctx, input) {
      try {
        return { KmsKeyId: await defaults.setDefaultKmsKey(ctx, input.KmsKeyId, () => dryRunCheckpoint(ctx)) };
      } catch (e) {
        // KMS's answer (unknown key or alias, another region, not shared) as EC2 reports a bad parameter
        if (isServiceError(e) && e.code !== 'DryRunOperation') {
          throw invalidParameterValue(`Value (${input.KmsKeyId}) for parameter KmsKeyId is invalid. ${e.message}`);
        }
        throw e;
      }
    },

    async ResetEbsDefaultKmsKeyId(ctx) {
      dryRunCheckpoint(ctx);
      return { KmsKeyId: await defaults.resetDefaultKmsKey(ctx) };
    },
  };
}
