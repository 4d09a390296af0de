// DescribeAccountAttributes (EBS encryption by default lives in ../encryption/handlers.ts).
import type { AccountAttribute, Operations } from '../../../api/ec2/types.js';
import type { HandlerMap } from '../../../protocol/dispatch.js';
import type { VpcService } from '../networking/vpc-service.js';

export function accountHandlers(vpcs: VpcService): HandlerMap<Operations> {
  return {
    async DescribeAccountAttributes(ctx, input) {
      const values: Record<string, string[]> = {
        'supported-platforms': ['VPC'],
        'default-vpc': [(await vpcs.defaultVpcId(ctx)) ?? 'none'],
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
  };
}
