// Checks of Create/UpdateAutoScalingGroup input: names, sizes (Min <= Desired <= Max, with
// AWS's messages), health checks, termination policies, the instance maintenance policy, tags.
import type { CreateAutoScalingGroupType, InstanceMaintenancePolicy, Tag, UpdateAutoScalingGroupType } from '../../api/autoscaling/types.js';
import { checkRange, memberConstraint, validationError } from './asg-errors.js';
import type { GroupSettings } from './group-model.js';

export const TERMINATION_POLICIES = ['Default', 'OldestInstance', 'NewestInstance', 'OldestLaunchConfiguration', 'OldestLaunchTemplate', 'ClosestToNextInstanceHour', 'AllocationStrategy'];
const HEALTH_CHECK_TYPES = ['EC2', 'ELB', 'VPC_LATTICE', 'EBS'];
export const MAX_TAGS = 50;

export function checkGroupName(name: string, path = 'autoScalingGroupName'): void {
  if (name.length < 1 || name.length > 255) throw memberConstraint(path, name, 'Member must have length less than or equal to 255');
  if (name.includes(':')) throw validationError(`AutoScalingGroup name ${name} is invalid: the name cannot contain ':'.`);
}

export function checkSizes(min: number, max: number, desired: number): void {
  checkRange('minSize', min, 0);
  checkRange('maxSize', max, 0);
  if (max < min) throw validationError(`Max bound, ${max}, must be greater than or equal to min bound, ${min}`);
  if (desired < min || desired > max) throw validationError(`Desired capacity:${desired} must be between the specified min size:${min} and max size:${max}`);
}

export function checkMaintenancePolicy(p: InstanceMaintenancePolicy | undefined, prefix = 'instanceMaintenancePolicy'): void {
  if (!p) return;
  checkRange(`${prefix}.minHealthyPercentage`, p.MinHealthyPercentage, -1, 100);
  checkRange(`${prefix}.maxHealthyPercentage`, p.MaxHealthyPercentage, -1, 200);
  const cleared = p.MinHealthyPercentage === -1 && p.MaxHealthyPercentage === -1;
  if (cleared) return;
  if (p.MinHealthyPercentage === undefined || p.MaxHealthyPercentage === undefined || p.MinHealthyPercentage < 0 || p.MaxHealthyPercentage < 100) {
    throw validationError('Both MinHealthyPercentage and MaxHealthyPercentage must be specified: MinHealthyPercentage from 0 to 100 and MaxHealthyPercentage from 100 to 200.');
  }
  if (p.MaxHealthyPercentage - p.MinHealthyPercentage > 100) {
    throw validationError('The difference between MaxHealthyPercentage and MinHealthyPercentage cannot be greater than 100.');
  }
}

type SettingsInput = Partial<Pick<CreateAutoScalingGroupType, keyof CreateAutoScalingGroupType & keyof UpdateAutoScalingGroupType>>;

/** New settings: `input` over `base` (Create starts from the defaults). */
export function mergeSettings(base: GroupSettings, input: SettingsInput): GroupSettings {
  if (input.HealthCheckType !== undefined) {
    for (const t of input.HealthCheckType.split(',')) {
      if (!HEALTH_CHECK_TYPES.includes(t.trim())) throw validationError(`Invalid health check type: ${input.HealthCheckType}. Valid values are EC2, ELB, VPC_LATTICE and EBS.`);
    }
  }
  checkRange('healthCheckGracePeriod', input.HealthCheckGracePeriod, 0);
  checkRange('defaultCooldown', input.DefaultCooldown, 0);
  checkRange('defaultInstanceWarmup', input.DefaultInstanceWarmup, -1);
  for (const p of input.TerminationPolicies ?? []) {
    if (!TERMINATION_POLICIES.includes(p) && !p.startsWith('arn:aws:lambda:')) throw validationError(`Termination policy ${p} is not valid.`);
  }
  if (input.MaxInstanceLifetime !== undefined && input.MaxInstanceLifetime !== 0 && (input.MaxInstanceLifetime < 86400 || input.MaxInstanceLifetime > 31536000)) {
    throw validationError('The value of MaxInstanceLifetime must be 0 (to clear) or between 86400 and 31536000 seconds.');
  }
  checkMaintenancePolicy(input.InstanceMaintenancePolicy);
  const next: GroupSettings = { ...base };
  const copy = <K extends keyof SettingsInput & keyof GroupSettings>(k: K) => {
    if (input[k] !== undefined) (next as unknown as Record<string, unknown>)[k] = input[k];
  };
  for (const k of [
    'HealthCheckType',
    'HealthCheckGracePeriod',
    'DefaultCooldown',
    'TerminationPolicies',
    'NewInstancesProtectedFromScaleIn',
    'CapacityRebalance',
    'PlacementGroup',
    'Context',
    'DesiredCapacityType',
    'ServiceLinkedRoleARN',
    'AvailabilityZoneDistribution',
    'AvailabilityZoneImpairmentPolicy',
    'CapacityReservationSpecification',
    'InstanceLifecyclePolicy',
    'DeletionProtection',
  ] as const)
    copy(k);
  // -1 and 0 clear these settings
  if (input.DefaultInstanceWarmup !== undefined) next.DefaultInstanceWarmup = input.DefaultInstanceWarmup < 0 ? undefined : input.DefaultInstanceWarmup;
  if (input.MaxInstanceLifetime !== undefined) next.MaxInstanceLifetime = input.MaxInstanceLifetime || undefined;
  if (input.InstanceMaintenancePolicy !== undefined) {
    next.InstanceMaintenancePolicy = input.InstanceMaintenancePolicy.MinHealthyPercentage === -1 ? undefined : input.InstanceMaintenancePolicy;
  }
  if (next.TerminationPolicies.length === 0) next.TerminationPolicies = ['Default'];
  return next;
}

export const DEFAULT_SETTINGS: GroupSettings = {
  AvailabilityZones: [],
  subnets: [],
  HealthCheckType: 'EC2',
  HealthCheckGracePeriod: 0,
  DefaultCooldown: 300,
  TerminationPolicies: ['Default'],
  NewInstancesProtectedFromScaleIn: false,
  CapacityRebalance: false,
  LoadBalancerNames: [],
  TargetGroupARNs: [],
  TrafficSources: [],
};

/** A group tag's key and value, with AWS's constraints. */
export function checkTag(tag: Tag, index: number): { key: string; value: string; propagate: boolean } {
  const key = tag.Key;
  if (key.length < 1 || key.length > 128) throw memberConstraint(`tags.${index}.member.key`, key, 'Member must have length between 1 and 128');
  if (key.toLowerCase().startsWith('aws:')) throw validationError(`Tag keys starting with 'aws:' are reserved for internal use: ${key}`);
  const value = tag.Value ?? '';
  if (value.length > 256) throw memberConstraint(`tags.${index}.member.value`, value, 'Member must have length less than or equal to 256');
  return { key, value, propagate: tag.PropagateAtLaunch ?? false };
}
