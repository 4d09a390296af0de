// Lifecycle hooks, warm pools and Attach/DetachInstances on the wire: thin mappings onto
// lifecycle-hooks.ts, warm-pool.ts and instance-attach.ts.
import type { Operations } from '../../api/autoscaling/types.js';
import type { HandlerMap } from '../../protocol/dispatch.js';
import type { InstanceAttachments } from './instance-attach.js';
import type { LifecycleHooks } from './lifecycle-hooks.js';
import type { WarmPools } from './warm-pool.js';

export interface HookServices {
  hooks: LifecycleHooks;
  warmPools: WarmPools;
  attachments: InstanceAttachments;
}

export function hookHandlers(s: HookServices): HandlerMap<Operations> {
  return {
    async PutLifecycleHook(ctx, input) {
      await s.hooks.put(ctx, input);
      return {};
    },
    async DescribeLifecycleHooks(ctx, input) {
      return { LifecycleHooks: await s.hooks.describe(ctx, input.AutoScalingGroupName, input.LifecycleHookNames) };
    },
    async DeleteLifecycleHook(ctx, input) {
      await s.hooks.delete(ctx, input.AutoScalingGroupName, input.LifecycleHookName);
      return {};
    },
    async CompleteLifecycleAction(ctx, input) {
      const ref = { group: input.AutoScalingGroupName, hook: input.LifecycleHookName, token: input.LifecycleActionToken, instanceId: input.InstanceId };
      await s.hooks.complete(ctx, ref, input.LifecycleActionResult);
      return {};
    },
    async RecordLifecycleActionHeartbeat(ctx, input) {
      await s.hooks.heartbeat(ctx, { group: input.AutoScalingGroupName, hook: input.LifecycleHookName, token: input.LifecycleActionToken, instanceId: input.InstanceId });
      return {};
    },

    async PutWarmPool(ctx, input) {
      await s.warmPools.put(ctx, input);
      return {};
    },
    async DescribeWarmPool(ctx, input) {
      const { config, instances, nextToken } = await s.warmPools.describe(ctx, input);
      return { WarmPoolConfiguration: config, Instances: instances, NextToken: nextToken };
    },
    async DeleteWarmPool(ctx, input) {
      await s.warmPools.delete(ctx, input.AutoScalingGroupName, input.ForceDelete ?? false);
      return {};
    },

    async AttachInstances(ctx, input) {
      await s.attachments.attach(ctx, input.AutoScalingGroupName, input.InstanceIds);
    },
    async DetachInstances(ctx, input) {
      return { Activities: await s.attachments.detach(ctx, input.AutoScalingGroupName, input.InstanceIds, input.ShouldDecrementDesiredCapacity) };
    },
  };
}
