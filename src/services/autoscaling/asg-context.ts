// What the Auto Scaling modules share: repos, the activity log, the launch template service,
// EC2 (through the compute port), the per-group lock and the reconciler's kick.
import type { Store } from '../../store/store.js';
import type { Scope } from '../../store/scope.js';
import type { AutoscalingGroupsRepo } from '../../store/repos/autoscaling-groups.js';
import type { AutoscalingInstancesRepo } from '../../store/repos/autoscaling-instances.js';
import type { AutoscalingActivitiesRepo } from '../../store/repos/autoscaling-activities.js';
import type { InstanceRefreshesRepo } from '../../store/repos/instance-refreshes.js';
import type { LaunchTemplateService } from '../ec2/launch-templates/launch-template-service.js';
import type { ImageLookup } from '../ec2/launch-templates/template-data.js';
import { ActivityLog } from './activities.js';
import type { AsgCompute } from './compute-port.js';
import { KeyedLock } from './group-lock.js';
import type { SubnetLookup } from './placement.js';
import type { ReconcileTiming } from './timing.js';

export interface AsgContext {
  store: Store;
  groups: AutoscalingGroupsRepo;
  instances: AutoscalingInstancesRepo;
  activityRepo: AutoscalingActivitiesRepo;
  activities: ActivityLog;
  refreshes: InstanceRefreshesRepo;
  templates: LaunchTemplateService;
  images: ImageLookup;
  compute: AsgCompute;
  subnets: SubnetLookup;
  lock: KeyedLock;
  timing: ReconcileTiming;
  /** asks the reconciler to look at a group soon (after the caller's change is committed) */
  kick(scope: Scope, group: string): void;
}

export const groupKey = (scope: Scope, group: string) => `${scope.accountId}/${scope.region}/${group}`;

export function createContext(deps: Omit<AsgContext, 'groups' | 'instances' | 'activityRepo' | 'activities' | 'refreshes' | 'lock' | 'kick'>): Omit<AsgContext, 'kick'> {
  const { store } = deps;
  return {
    ...deps,
    groups: store.autoscalingGroups,
    instances: store.autoscalingInstances,
    activityRepo: store.autoscalingActivities,
    activities: new ActivityLog(store.autoscalingActivities),
    refreshes: store.instanceRefreshes,
    lock: new KeyedLock(),
  };
}
