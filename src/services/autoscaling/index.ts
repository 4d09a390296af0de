// Auto Scaling over awsQuery: groups, their instances, scaling activities, policies, tags and
// instance refresh, kept at their desired capacity by the durable reconciliation loop.
import type { Operations } from '../../api/autoscaling/types.js';
import { loadServiceModel } from '../../protocol/model.js';
import { QueryProtocol } from '../../protocol/query-protocol.js';
import type { HandlerMap, ServiceDefinition } from '../../protocol/dispatch.js';
import type { JobRunner } from '../../jobs/job-runner.js';
import type { Logger } from '../../logger.js';
import type { Store } from '../../store/store.js';
import type { LaunchTemplateService } from '../ec2/launch-templates/launch-template-service.js';
import type { ImageLookup } from '../ec2/launch-templates/template-data.js';
import { createContext, type AsgContext } from './asg-context.js';
import type { AsgCompute } from './compute-port.js';
import { noSubnets, type SubnetLookup } from './placement.js';
import { reconcileLoop } from './reconcile-loop.js';
import { timingFor } from './timing.js';
import { GroupService } from './group-service.js';
import { InstanceOps } from './instance-ops.js';
import { PolicyService, withPolicyCleanup } from './policies.js';
import { PolicyActions } from './policy-actions.js';
import type { ScalingAlarms } from './policy-alarms.js';
import { GroupTags } from './asg-tags.js';
import { RefreshService } from './refresh-service.js';
import { autoscalingHandlers } from './handlers.js';
import { attachmentHandlers } from './group-attachments.js';
import { configHandlers } from './config-handlers.js';
import { ProcessControl } from './process-control.js';
import { NotificationConfigs } from './notification-configs.js';
import { ScheduledActions } from './scheduled-actions.js';
import { LaunchConfigs, type InstanceLookup } from './launch-configs.js';
import { hookHandlers } from './hook-handlers.js';
import { LifecycleHooks } from './lifecycle-hooks.js';
import { WarmPools } from './warm-pool.js';
import { InstanceAttachments } from './instance-attach.js';

export interface AutoscalingDeps {
  store: Store;
  jobs: JobRunner;
  log?: Logger;
  templates: LaunchTemplateService;
  images: ImageLookup;
  compute: AsgCompute;
  /** an instance's launch parameters (CreateLaunchConfiguration's InstanceId) */
  instanceData?: InstanceLookup;
  subnets?: SubnetLookup;
  /** --settle-ms: paces the reconciler */
  settleMs: number;
  /** CloudWatch's alarm port: target tracking policies' managed alarms */
  alarms?: ScalingAlarms;
}

/** The domain (usable without the wire) and the awsQuery service definition. */
export function createAutoscaling(deps: AutoscalingDeps): { ctx: AsgContext; service: ServiceDefinition; alarmTarget: PolicyActions['alarmTarget'] } {
  let ctx: AsgContext;
  const loop = reconcileLoop(deps.jobs, deps.log, () => ctx);
  ctx = {
    ...createContext({ store: deps.store, templates: deps.templates, images: deps.images, compute: deps.compute, subnets: deps.subnets ?? noSubnets, timing: timingFor(deps.settleMs) }),
    kick: loop.kick,
  };
  const groups = new GroupService(ctx);
  const actions = new PolicyActions(ctx);
  const policies = new PolicyService(ctx, groups, actions, deps.alarms);
  // a group's deletion (by the API or by the reconciler) takes its policies' managed alarms along
  ctx.groups = withPolicyCleanup(ctx.groups, (scope, name) => policies.forgetGroup(scope, name));
  const handlers: HandlerMap<Operations> = {
    ...autoscalingHandlers({
      ctx,
      groups,
      instances: new InstanceOps(ctx, groups),
      policies,
      tags: new GroupTags(ctx, groups),
      refreshes: new RefreshService(ctx, groups),
    }),
    ...attachmentHandlers(groups),
    ...configHandlers({
      processes: new ProcessControl(ctx, groups),
      notifications: new NotificationConfigs(ctx, groups),
      scheduled: new ScheduledActions(ctx, groups, deps.jobs, deps.log),
      launchConfigs: new LaunchConfigs(ctx, deps.instanceData),
    }),
    ...hookHandlers({ hooks: new LifecycleHooks(ctx, groups), warmPools: new WarmPools(ctx, groups), attachments: new InstanceAttachments(ctx, groups) }),
  };
  const model = loadServiceModel('autoscaling');
  return {
    ctx,
    alarmTarget: actions.alarmTarget,
    service: { id: 'autoscaling', model, protocol: new QueryProtocol(model, 'query'), handlers: handlers as ServiceDefinition['handlers'], internalErrorCode: 'InternalFailure' },
  };
}

