// DescribeAccountAttributes and the per-account EBS encryption-by-default switch.
import type { AccountAttribute, Operations } from '../../../api/ec2/types.js';
import type { HandlerMap } from '../../../protocol/dispatch.js';
import type { Store } from '../../../store/store.js';
import { derivedId } from '../resource-ids.js';
import { dryRunCheckpoint } from '../dry-run.js';

export const EBS_ENCRYPTION_BY_DEFAULT = 'ebs.encryption-by-default';

export function accountHandlers(store: Store): HandlerMap<Operations> {
  return {
    DescribeAccountAttributes(ctx, input) {
      const values: Record<string, string[]> = {
        'supported-platforms': ['VPC'],
        'default-vpc': [derivedId('vpc', ctx, 'default-vpc')],
        'max-instances': ['1000'],
        'vpc-max-security-groups-per-interface': ['5'],
        'max-elastic-ips': ['5'],
        'vpc-max-elastic-ips': ['5'],
      };
      const names = input.AttributeNames?.length ? input.AttributeNames : Object.keys(values);
      const AccountAttributes: AccountAttribute[] = names.map((name) => ({
        AttributeName: name,
        AttributeValues: (values[name] ?? []).map((AttributeValue) => ({ AttributeValue })),
      }));
      return { AccountAttributes };
    },

    async GetEbsEncryptionByDefault(ctx) {
      const value = await store.accountAttributes.get(ctx, EBS_ENCRYPTION_BY_DEFAULT);
      return { EbsEncryptionByDefault: value === 'true', SseType: 'sse-ebs' };
    },

    async EnableEbsEncryptionByDefault(ctx) {
      dryRunCheckpoint(ctx);
      await store.accountAttributes.set(ctx, EBS_ENCRYPTION_BY_DEFAULT, 'true');
      return { EbsEncryptionByDefault: true };
    },

    async DisableEbsEncryptionByDefault(ctx) {
      dryRunCheckpoint(ctx);
      await store.accountAttributes.set(ctx, EBS_ENCRYPTION_BY_DEFAULT, 'false');
      return { EbsEncryptionByDefault: false };
    },
  };
}
