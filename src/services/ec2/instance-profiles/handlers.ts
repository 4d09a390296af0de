// EC2's instance profile association operations over ProfileAssociations.
import type { IamInstanceProfileAssociation, Operations } from '../../../api/ec2/types.js';
import type { HandlerMap } from '../../../protocol/dispatch.js';
import type { Association, ProfileAssociations } from './profile-associations.js';

const out = (a: Association): IamInstanceProfileAssociation => ({
  AssociationId: a.associationId,
  InstanceId: a.instanceId,
  IamInstanceProfile: { Arn: a.profile.arn, Id: a.profile.id },
  State: a.state,
  Timestamp: a.timestamp,
});

export function instanceProfileHandlers(associations: ProfileAssociations): HandlerMap<Operations> {
  return {
    async AssociateIamInstanceProfile(ctx, input) {
      return { IamInstanceProfileAssociation: out(await associations.associate(ctx, input.InstanceId, input.IamInstanceProfile)) };
    },

    async ReplaceIamInstanceProfileAssociation(ctx, input) {
      return { IamInstanceProfileAssociation: out(await associations.replace(ctx, input.AssociationId, input.IamInstanceProfile)) };
    },

    async DisassociateIamInstanceProfile(ctx, input) {
      return { IamInstanceProfileAssociation: out(await associations.disassociate(ctx, input.AssociationId)) };
    },

    async DescribeIamInstanceProfileAssociations(ctx, input) {
      const { associations: list, nextToken } = await associations.describe(ctx, { associationIds: input.AssociationIds, filters: input.Filters, maxResults: input.MaxResults, nextToken: input.NextToken });
      return { IamInstanceProfileAssociations: list.map(out), NextToken: nextToken };
    },
  };
}
