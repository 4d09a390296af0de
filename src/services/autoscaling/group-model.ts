// A group as the domain sees it: its row parsed (launch source, settings with AWS's defaults),
// and its DescribeAutoScalingGroups form.
import type {
  AutoScalingGroup,
  Instance,
  EnabledMetric,
  InstanceMaintenancePolicy,
  LaunchTemplateSpecification,
  MixedInstancesPolicy,
  SuspendedProcess,
  TagDescription,
  TrafficSourceIdentifier,
} from '../../api/autoscaling/types.js';
import type { Scope } from '../../store/scope.js';
import type { GroupRow, GroupTagRow } from '../../store/repos/autoscaling-groups.js';
import type { GroupInstanceRow } from '../../store/repos/autoscaling-instances.js';
import type { SubnetRef } from './placement.js';

/** What new instances launch from. */
export interface LaunchSource {
  launchTemplate?: LaunchTemplateSpecification;
  mixed?: MixedInstancesPolicy;
  /** a launch configuration's name */
  launchConfiguration?: string;
}

/** Create/UpdateAutoScalingGroup settings beyond sizes and launch source, defaults filled. */
export interface GroupSettings {
  AvailabilityZones: string[];
  VPCZoneIdentifier?: string;
  /** the resolved subnets of VPCZoneIdentifier (internal) */
  subnets: SubnetRef[];
  HealthCheckType: string;
  HealthCheckGracePeriod: number;
  DefaultCooldown: number;
  DefaultInstanceWarmup?: number;
  TerminationPolicies: string[];
  NewInstancesProtectedFromScaleIn: boolean;
  CapacityRebalance: boolean;
  MaxInstanceLifetime?: number;
  InstanceMaintenancePolicy?: InstanceMaintenancePolicy;
  DeletionProtection?: AutoScalingGroup['DeletionProtection'];
  LoadBalancerNames: string[];
  TargetGroupARNs: string[];
  TrafficSources: TrafficSourceIdentifier[];
  PlacementGroup?: string;
  Context?: string;
  DesiredCapacityType?: string;
  ServiceLinkedRoleARN?: string;
  AvailabilityZoneDistribution?: AutoScalingGroup['AvailabilityZoneDistribution'];
  AvailabilityZoneImpairmentPolicy?: AutoScalingGroup['AvailabilityZoneImpairmentPolicy'];
  CapacityReservationSpecification?: AutoScalingGroup['CapacityReservationSpecification'];
  InstanceLifecyclePolicy?: AutoScalingGroup['InstanceLifecyclePolicy'];
}

export interface Group {
  row: GroupRow;
  scope: Scope;
  name: string;
  source: LaunchSource;
  settings: GroupSettings;
}

export const DELETING = 'Delete in progress';

export function parseGroup(row: GroupRow): Group {
  return {
    row,
    scope: { accountId: row.account_id, region: row.region },
    name: row.group_name,
    source: {
      launchTemplate: row.launch_template ? (JSON.parse(row.launch_template) as LaunchTemplateSpecification) : undefined,
      mixed: row.mixed_instances_policy ? (JSON.parse(row.mixed_instances_policy) as MixedInstancesPolicy) : undefined,
      launchConfiguration: row.launch_configuration ?? undefined,
    },
    settings: JSON.parse(row.settings) as GroupSettings,
  };
}

/** The processes SuspendProcesses/ResumeProcesses name (DescribeScalingProcessTypes). */
export const SCALING_PROCESSES = [
  'Launch',
  'Terminate',
  'AddToLoadBalancer',
  'AlarmNotification',
  'AZRebalance',
  'HealthCheck',
  'InstanceRefresh',
  'ReplaceUnhealthy',
  'ScheduledActions',
] as const;
export type ScalingProcess = (typeof SCALING_PROCESSES)[number];

/** The group's suspended processes with AWS's reasons ("User suspended at <time>"). */
export const suspendedProcesses = (g: Group | GroupRow): SuspendedProcess[] => {
  const row = 'row' in g ? g.row : g;
  return row.suspended_processes ? (JSON.parse(row.suspended_processes) as SuspendedProcess[]) : [];
};

/** Whether SuspendProcesses stopped `process` for the group (the reconciler, policies and schedules ask). */
export const isSuspended = (g: Group | GroupRow, process: ScalingProcess): boolean => suspendedProcesses(g).some((p) => p.ProcessName === process);

/** The group metrics EnableMetricsCollection turned on (Metric, Granularity '1Minute'); empty when off. */
export const enabledMetrics = (g: Group | GroupRow): EnabledMetric[] => {
  const row = 'row' in g ? g.row : g;
  return row.enabled_metrics ? (JSON.parse(row.enabled_metrics) as EnabledMetric[]) : [];
};

export const groupArn = (row: Pick<GroupRow, 'account_id' | 'region' | 'group_id' | 'group_name'>) =>
  `arn:aws:autoscaling:${row.region}:${row.account_id}:autoScalingGroup:${row.group_id}:autoScalingGroupName/${row.group_name}`;

export const serviceLinkedRole = (accountId: string) => `arn:aws:iam::${accountId}:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling`;

/** A stored spec (id and name both filled) as a lookup: by id when there is one. */
export const specRef = (spec: LaunchTemplateSpecification): LaunchTemplateSpecification =>
  spec.LaunchTemplateId ? { LaunchTemplateId: spec.LaunchTemplateId, Version: spec.Version } : spec;

/** The launch template a source launches from (a mixed policy's, or its first override's). */
export function sourceTemplate(source: LaunchSource): { spec?: LaunchTemplateSpecification; instanceType?: string; imageId?: string } {
  if (source.launchTemplate) return { spec: specRef(source.launchTemplate) };
  const lt = source.mixed?.LaunchTemplate;
  const first = lt?.Overrides?.[0];
  const spec = first?.LaunchTemplateSpecification ?? lt?.LaunchTemplateSpecification;
  return { spec: spec && specRef(spec), instanceType: first?.InstanceType, imageId: first?.ImageId };
}

export function tagOut(t: GroupTagRow): TagDescription {
  return { ResourceId: t.group_name, ResourceType: 'auto-scaling-group', Key: t.key, Value: t.value, PropagateAtLaunch: t.propagate_at_launch === 1 };
}

export function instanceOut(i: GroupInstanceRow): Instance {
  return {
    InstanceId: i.instance_id,
    InstanceType: i.instance_type ?? undefined,
    AvailabilityZone: i.availability_zone,
    LifecycleState: i.lifecycle_state as Instance['LifecycleState'],
    HealthStatus: i.health_status,
    LaunchTemplate: i.launch_template ? (JSON.parse(i.launch_template) as LaunchTemplateSpecification) : undefined,
    LaunchConfigurationName: i.launch_configuration ?? undefined,
    ImageId: i.image_id ?? undefined,
    ProtectedFromScaleIn: i.protected_from_scale_in === 1,
  };
}

export function groupOut(g: Group, tags: GroupTagRow[], instances: GroupInstanceRow[]): AutoScalingGroup {
  const { row, settings: s } = g;
  return {
    AutoScalingGroupName: row.group_name,
    AutoScalingGroupARN: groupArn(row),
    LaunchConfigurationName: g.source.launchConfiguration,
    LaunchTemplate: g.source.launchTemplate,
    MixedInstancesPolicy: g.source.mixed,
    MinSize: row.min_size,
    MaxSize: row.max_size,
    DesiredCapacity: row.desired_capacity,
    DefaultCooldown: s.DefaultCooldown,
    AvailabilityZones: s.AvailabilityZones,
    LoadBalancerNames: s.LoadBalancerNames,
    TargetGroupARNs: s.TargetGroupARNs,
    HealthCheckType: s.HealthCheckType,
    HealthCheckGracePeriod: s.HealthCheckGracePeriod,
    Instances: instances.map(instanceOut),
    CreatedTime: new Date(row.created_at),
    SuspendedProcesses: suspendedProcesses(g),
    PlacementGroup: s.PlacementGroup,
    VPCZoneIdentifier: s.VPCZoneIdentifier,
    EnabledMetrics: enabledMetrics(g),
    Status: row.status ?? undefined,
    Tags: tags.map(tagOut),
    TerminationPolicies: s.TerminationPolicies,
    NewInstancesProtectedFromScaleIn: s.NewInstancesProtectedFromScaleIn,
    ServiceLinkedRoleARN: s.ServiceLinkedRoleARN ?? serviceLinkedRole(row.account_id),
    MaxInstanceLifetime: s.MaxInstanceLifetime,
    CapacityRebalance: s.CapacityRebalance,
    Context: s.Context,
    DesiredCapacityType: s.DesiredCapacityType,
    DefaultInstanceWarmup: s.DefaultInstanceWarmup,
    TrafficSources: s.TrafficSources,
    InstanceMaintenancePolicy: s.InstanceMaintenancePolicy,
    DeletionProtection: s.DeletionProtection,
    AvailabilityZoneDistribution: s.AvailabilityZoneDistribution,
    AvailabilityZoneImpairmentPolicy: s.AvailabilityZoneImpairmentPolicy,
    CapacityReservationSpecification: s.CapacityReservationSpecification,
    InstanceLifecyclePolicy: s.InstanceLifecyclePolicy,
  };
}
