// EC2 key pair operations over KeyPairService.
import type { Operations } from '../../../api/ec2/types.js';
import type { HandlerMap } from '../../../protocol/dispatch.js';
import { dryRunCheckpoint } from '../dry-run.js';
import { tagsFromSpecs } from '../tags/tag-rules.js';
import type { KeyPairService } from './key-pair-service.js';

export function keyPairHandlers(keyPairs: KeyPairService): HandlerMap<Operations> {
  const tagsOf = (specs: Parameters<typeof tagsFromSpecs>[0]) => tagsFromSpecs(specs, ['key-pair']).get('key-pair') ?? [];
  const tagsOut = (tags: { key: string; value: string }[]) => tags.map((t) => ({ Key: t.key, Value: t.value }));

  return {
    async CreateKeyPair(ctx, input) {
      const tags = tagsOf(input.TagSpecifications);
      const { row, keyMaterial } = await keyPairs.create(ctx, { name: input.KeyName, keyType: input.KeyType, format: input.KeyFormat, tags }, () => dryRunCheckpoint(ctx));
      return { KeyPairId: row.key_pair_id, KeyName: row.key_name, KeyFingerprint: row.fingerprint, KeyMaterial: keyMaterial, Tags: tagsOut(tags) };
    },

    async ImportKeyPair(ctx, input) {
      const tags = tagsOf(input.TagSpecifications);
      const row = await keyPairs.import(ctx, { name: input.KeyName, material: input.PublicKeyMaterial, tags }, () => dryRunCheckpoint(ctx));
      return { KeyPairId: row.key_pair_id, KeyName: row.key_name, KeyFingerprint: row.fingerprint, Tags: tagsOut(tags) };
    },

    async DescribeKeyPairs(ctx, input) {
      const KeyPairs = await keyPairs.describe(ctx, { names: input.KeyNames, ids: input.KeyPairIds, filters: input.Filters, includePublicKey: input.IncludePublicKey });
      return { KeyPairs };
    },

    async DeleteKeyPair(ctx, input) {
      const id = await keyPairs.delete(ctx, { name: input.KeyName, id: input.KeyPairId }, () => dryRunCheckpoint(ctx));
      return { Return: true, KeyPairId: id };
    },
  };
}
