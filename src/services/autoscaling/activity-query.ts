// DescribeScalingActivities: newest first, for one group or all, by id, including deleted
// groups' activities only when asked (IncludeDeletedGroups).
import type { Activity, DescribeScalingActivitiesType } from '../../api/autoscaling/types.js';
import type { Scope } from '../../store/scope.js';
import { activityOut } from './activities.js';
import type { AsgContext } from './asg-context.js';
import { page } from './paging.js';

export async function describeActivities(ctx: AsgContext, caller: Scope, input: DescribeScalingActivitiesType): Promise<{ activities: Activity[]; nextToken?: string }> {
  const rows = await ctx.activityRepo.list(caller, {
    groups: input.AutoScalingGroupName !== undefined ? [input.AutoScalingGroupName] : undefined,
    activityIds: input.ActivityIds?.length ? input.ActivityIds : undefined,
  });
  const live = new Set((await ctx.groups.list(caller)).map((g) => `${g.group_name}/${g.group_id}`));
  const items = rows
    .map((a) => ({ a, deleted: !live.has(`${a.group_name}/${a.group_id}`) }))
    .filter((x) => !x.deleted || input.IncludeDeletedGroups)
    .map((x) => ({ ...x, key: String(9e15 - x.a.seq).padStart(16, '0') }));
  const { items: pageItems, nextToken } = page(items, (x) => x.key, input, {
    binding: [caller.accountId, caller.region, input.AutoScalingGroupName, input.ActivityIds, input.IncludeDeletedGroups],
    max: 100,
    defaultSize: 100,
  });
  return { activities: pageItems.map((x) => activityOut(x.a, x.deleted)), nextToken };
}
