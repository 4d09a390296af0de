// Auto Scaling operations beside a group's capacity: launch configurations, suspended processes,
// metrics collection, notification configurations, scheduled actions, and the Describe*Types
// catalogs.
import type { Operations } from '../../api/autoscaling/types.js';
import type { HandlerMap } from '../../protocol/dispatch.js';
import { SCALING_PROCESSES } from './group-model.js';
import { GROUP_METRICS, METRIC_GRANULARITY, type ProcessControl } from './process-control.js';
import { NOTIFICATION_TYPES, type NotificationConfigs } from './notification-configs.js';
import type { ScheduledActions } from './scheduled-actions.js';
import type { LaunchConfigs } from './launch-configs.js';

export interface ConfigServices {
  processes: ProcessControl;
  notifications: NotificationConfigs;
  scheduled: ScheduledActions;
  launchConfigs: LaunchConfigs;
}

export const LIFECYCLE_HOOK_TYPES = ['autoscaling:EC2_INSTANCE_LAUNCHING', 'autoscaling:EC2_INSTANCE_TERMINATING'];

export function configHandlers(s: ConfigServices): HandlerMap<Operations> {
  return {
    async CreateLaunchConfiguration(ctx, input) {
      await s.launchConfigs.create(ctx, input);
    },
    async DescribeLaunchConfigurations(ctx, input) {
      const { configurations, nextToken } = await s.launchConfigs.describe(ctx, input.LaunchConfigurationNames, input);
      return { LaunchConfigurations: configurations, NextToken: nextToken };
    },
    async DeleteLaunchConfiguration(ctx, input) {
      await s.launchConfigs.delete(ctx, input.LaunchConfigurationName);
    },

    async SuspendProcesses(ctx, input) {
      await s.processes.suspend(ctx, input.AutoScalingGroupName, input.ScalingProcesses);
    },
    async ResumeProcesses(ctx, input) {
      await s.processes.resume(ctx, input.AutoScalingGroupName, input.ScalingProcesses);
    },
    DescribeScalingProcessTypes: () => ({ Processes: SCALING_PROCESSES.map((ProcessName) => ({ ProcessName })) }),

    async EnableMetricsCollection(ctx, input) {
      await s.processes.enableMetrics(ctx, input.AutoScalingGroupName, input.Granularity, input.Metrics);
    },
    async DisableMetricsCollection(ctx, input) {
      await s.processes.disableMetrics(ctx, input.AutoScalingGroupName, input.Metrics);
    },
    DescribeMetricCollectionTypes: () => ({ Metrics: GROUP_METRICS.map((Metric) => ({ Metric })), Granularities: [{ Granularity: METRIC_GRANULARITY }] }),

    async PutNotificationConfiguration(ctx, input) {
      await s.notifications.put(ctx, input.AutoScalingGroupName, input.TopicARN, input.NotificationTypes);
    },
    async DescribeNotificationConfigurations(ctx, input) {
      const { configurations, nextToken } = await s.notifications.describe(ctx, input.AutoScalingGroupNames, input);
      return { NotificationConfigurations: configurations, NextToken: nextToken };
    },
    async DeleteNotificationConfiguration(ctx, input) {
      await s.notifications.delete(ctx, input.AutoScalingGroupName, input.TopicARN);
    },
    DescribeAutoScalingNotificationTypes: () => ({ AutoScalingNotificationTypes: NOTIFICATION_TYPES }),
    DescribeLifecycleHookTypes: () => ({ LifecycleHookTypes: LIFECYCLE_HOOK_TYPES }),

    async PutScheduledUpdateGroupAction(ctx, { AutoScalingGroupName, ...action }) {
      await s.scheduled.put(ctx, AutoScalingGroupName, action);
    },
    async BatchPutScheduledUpdateGroupAction(ctx, input) {
      return { FailedScheduledUpdateGroupActions: await s.scheduled.batchPut(ctx, input.AutoScalingGroupName, input.ScheduledUpdateGroupActions) };
    },
    async DescribeScheduledActions(ctx, input) {
      const { actions, nextToken } = await s.scheduled.describe(ctx, input);
      return { ScheduledUpdateGroupActions: actions, NextToken: nextToken };
    },
    async DeleteScheduledAction(ctx, input) {
      await s.scheduled.delete(ctx, input.AutoScalingGroupName, input.ScheduledActionName);
    },
    async BatchDeleteScheduledAction(ctx, input) {
      return { FailedScheduledActions: await s.scheduled.batchDelete(ctx, input.AutoScalingGroupName, input.ScheduledActionNames) };
    },
  };
}
