// What Describe* calls report about a group's attachments and extras that Imago records but does
// not act on: the load balancers, target groups and traffic sources named at Create/Update (no
// traffic is routed). Terraform and the CLI read these for every group. (Warm pools and lifecycle
// hooks are served by hook-handlers.ts.)
import type { Operations } from '../../api/autoscaling/types.js';
import type { HandlerMap } from '../../protocol/dispatch.js';
import type { GroupService } from './group-service.js';

export function attachmentHandlers(groups: GroupService): HandlerMap<Operations> {
  return {
    async DescribeLoadBalancers(ctx, input) {
      const g = await groups.get(ctx, input.AutoScalingGroupName);
      return { LoadBalancers: g.settings.LoadBalancerNames.map((LoadBalancerName) => ({ LoadBalancerName, State: 'Added' })) };
    },
    async DescribeLoadBalancerTargetGroups(ctx, input) {
      const g = await groups.get(ctx, input.AutoScalingGroupName);
      return { LoadBalancerTargetGroups: g.settings.TargetGroupARNs.map((LoadBalancerTargetGroupARN) => ({ LoadBalancerTargetGroupARN, State: 'Added' })) };
    },
    async DescribeTrafficSources(ctx, input) {
      const g = await groups.get(ctx, input.AutoScalingGroupName);
      const sources = g.settings.TrafficSources.filter((t) => !input.TrafficSourceType || (t.Type ?? 'elbv2') === input.TrafficSourceType);
      return { TrafficSources: sources.map((t) => ({ TrafficSource: t.Identifier, Identifier: t.Identifier, Type: t.Type ?? 'elbv2', State: 'Added' })) };
    },
  };
}
