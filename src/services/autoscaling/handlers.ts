// Auto Scaling operations: thin mappings onto the group, instance, policy, tag and refresh
// services. Operations without output answer only ResponseMetadata (the adapter's job).
import type { Operations } from '../../api/autoscaling/types.js';
import type { HandlerMap } from '../../protocol/dispatch.js';
import type { AsgContext } from './asg-context.js';
import { describeActivities } from './activity-query.js';
import type { GroupService } from './group-service.js';
import type { InstanceOps } from './instance-ops.js';
import type { PolicyService } from './policies.js';
import type { GroupTags } from './asg-tags.js';
import type { RefreshService } from './refresh-service.js';
import { TERMINATION_POLICIES } from './group-validation.js';
import { memberConstraint } from './asg-errors.js';

export interface AsgServices {
  ctx: AsgContext;
  groups: GroupService;
  instances: InstanceOps;
  policies: PolicyService;
  tags: GroupTags;
  refreshes: RefreshService;
}

export function autoscalingHandlers(s: AsgServices): HandlerMap<Operations> {
  return {
    async CreateAutoScalingGroup(ctx, input) {
      await s.groups.create(ctx, input);
    },
    async UpdateAutoScalingGroup(ctx, input) {
      await s.groups.update(ctx, input);
    },
    async DeleteAutoScalingGroup(ctx, input) {
      await s.groups.delete(ctx, input.AutoScalingGroupName, input.ForceDelete ?? false);
    },
    async DescribeAutoScalingGroups(ctx, input) {
      const { groups, nextToken } = await s.groups.describe(ctx, input);
      return { AutoScalingGroups: groups, NextToken: nextToken };
    },
    async SetDesiredCapacity(ctx, input) {
      await s.groups.setDesired(ctx, input.AutoScalingGroupName, input.DesiredCapacity, input.HonorCooldown ?? false);
    },

    async DescribeAutoScalingInstances(ctx, input) {
      const { instances, nextToken } = await s.instances.describe(ctx, input);
      return { AutoScalingInstances: instances, NextToken: nextToken };
    },
    async TerminateInstanceInAutoScalingGroup(ctx, input) {
      const id = input.InstanceId ?? input.InstanceIds?.[0];
      if (!id) throw memberConstraint('instanceId', null, 'Member must not be null');
      return { Activity: await s.instances.terminate(ctx, id, input.ShouldDecrementDesiredCapacity) };
    },
    async SetInstanceHealth(ctx, input) {
      await s.instances.setHealth(ctx, input.InstanceId, input.HealthStatus, input.ShouldRespectGracePeriod ?? true);
    },
    async EnterStandby(ctx, input) {
      return { Activities: await s.instances.enterStandby(ctx, input.AutoScalingGroupName, input.InstanceIds ?? [], input.ShouldDecrementDesiredCapacity) };
    },
    async ExitStandby(ctx, input) {
      return { Activities: await s.instances.exitStandby(ctx, input.AutoScalingGroupName, input.InstanceIds ?? []) };
    },
    async SetInstanceProtection(ctx, input) {
      await s.instances.setProtection(ctx, input.AutoScalingGroupName, input.InstanceIds, input.ProtectedFromScaleIn);
      return {};
    },
    async DescribeScalingActivities(ctx, input) {
      const { activities, nextToken } = await describeActivities(s.ctx, ctx, input);
      return { Activities: activities, NextToken: nextToken };
    },

    async PutScalingPolicy(ctx, input) {
      return s.policies.put(ctx, input);
    },
    async DescribePolicies(ctx, input) {
      const { policies, nextToken } = await s.policies.describe(ctx, input);
      return { ScalingPolicies: policies, NextToken: nextToken };
    },
    async DeletePolicy(ctx, input) {
      await s.policies.delete(ctx, input.AutoScalingGroupName, input.PolicyName);
    },
    async ExecutePolicy(ctx, input) {
      await s.policies.execute(ctx, input);
    },

    async CreateOrUpdateTags(ctx, input) {
      await s.tags.createOrUpdate(ctx, input.Tags);
    },
    async DeleteTags(ctx, input) {
      await s.tags.delete(ctx, input.Tags);
    },
    async DescribeTags(ctx, input) {
      const { tags, nextToken } = await s.tags.describe(ctx, input);
      return { Tags: tags, NextToken: nextToken };
    },

    async StartInstanceRefresh(ctx, input) {
      return { InstanceRefreshId: await s.refreshes.start(ctx, input) };
    },
    async DescribeInstanceRefreshes(ctx, input) {
      const { refreshes, nextToken } = await s.refreshes.describe(ctx, input);
      return { InstanceRefreshes: refreshes, NextToken: nextToken };
    },
    async CancelInstanceRefresh(ctx, input) {
      return { InstanceRefreshId: await s.refreshes.cancel(ctx, input.AutoScalingGroupName) };
    },
    async RollbackInstanceRefresh(ctx, input) {
      return { InstanceRefreshId: await s.refreshes.rollback(ctx, input.AutoScalingGroupName) };
    },

    // the static catalogs AWS documents
    DescribeAdjustmentTypes: () => ({ AdjustmentTypes: ['ChangeInCapacity', 'ExactCapacity', 'PercentChangeInCapacity'].map((AdjustmentType) => ({ AdjustmentType })) }),
    DescribeTerminationPolicyTypes: () => ({ TerminationPolicyTypes: TERMINATION_POLICIES }),
    DescribeAccountLimits: async (ctx) => ({
      MaxNumberOfAutoScalingGroups: 500,
      MaxNumberOfLaunchConfigurations: 200,
      NumberOfAutoScalingGroups: (await s.ctx.groups.list(ctx)).length,
      NumberOfLaunchConfigurations: await s.ctx.store.autoscalingConfig.countLaunchConfigs(ctx),
    }),
  };
}
