// Auto Scaling tables (migration 0012), typed here and added to the store's Kysely handle with
// `withTables` (type aliases: withTables needs index-compatible shapes). JSON documents are TEXT.
import type { Kysely } from 'kysely';
import type { Database } from '../schema.js';

export type AutoscalingGroupsTable = {
  account_id: string;
  region: string;
  group_name: string;
  /** the uuid in the group's ARN */
  group_id: string;
  created_at: string;
  min_size: number;
  max_size: number;
  desired_capacity: number;
  /** LaunchTemplateSpecification (id, name and version as given) */
  launch_template: string | null;
  mixed_instances_policy: string | null;
  /** every other setting of Create/UpdateAutoScalingGroup (GroupSettings) */
  settings: string;
  /** 'Delete in progress' while a deletion terminates the instances */
  status: string | null;
  /** why the desired capacity last changed ("At <time> a user request …"): prefixes activity causes */
  capacity_cause: string | null;
  launch_failures: number;
  /** launches wait until then after failures (back-off) */
  next_launch_at: string | null;
  /** simple scaling policies wait until then (HonorCooldown) */
  cooldown_until: string | null;
};

export type AutoscalingInstancesTable = {
  instance_id: string;
  account_id: string;
  region: string;
  group_name: string;
  availability_zone: string;
  subnet_id: string | null;
  /** Launching (a recorded launch, id `launch:<client token>`) | Pending | InService | Terminating | Standby */
  lifecycle_state: string;
  health_status: string;
  protected_from_scale_in: number;
  /** LaunchTemplateSpecification with the resolved version number (Launching: the launch to replay) */
  launch_template: string | null;
  image_id: string | null;
  instance_type: string | null;
  launched_at: string;
  in_service_at: string | null;
  /** the instance refresh that launched it (its replacements count as updated) */
  refresh_id: string | null;
  /** the launch or termination activity in progress */
  activity_id: string | null;
  termination_cause: string | null;
};

export type AutoscalingActivitiesTable = {
  activity_id: string;
  account_id: string;
  region: string;
  group_name: string;
  group_id: string;
  /** orders activities of one group (newest first) */
  seq: number;
  description: string;
  cause: string;
  start_time: string;
  end_time: string | null;
  status_code: string;
  status_message: string | null;
  progress: number;
  details: string;
};

export type AutoscalingTagsTable = {
  account_id: string;
  region: string;
  group_name: string;
  key: string;
  value: string;
  propagate_at_launch: number;
};

export type AutoscalingPoliciesTable = {
  account_id: string;
  region: string;
  group_name: string;
  policy_name: string;
  policy_id: string;
  /** PutScalingPolicy's parameters as given */
  config: string;
  last_executed_at: string | null;
};

export type AutoscalingRefreshesTable = {
  refresh_id: string;
  account_id: string;
  region: string;
  group_name: string;
  status: string;
  status_reason: string | null;
  start_time: string;
  end_time: string | null;
  strategy: string;
  /** RefreshPreferences with defaults filled */
  preferences: string;
  desired_configuration: string | null;
  /** the refresh's progress (RefreshPlan) */
  plan: string;
};

export type AutoscalingTables = {
  autoscaling_groups: AutoscalingGroupsTable;
  autoscaling_instances: AutoscalingInstancesTable;
  autoscaling_activities: AutoscalingActivitiesTable;
  autoscaling_tags: AutoscalingTagsTable;
  autoscaling_policies: AutoscalingPoliciesTable;
  autoscaling_refreshes: AutoscalingRefreshesTable;
};

export type AutoscalingDb = Kysely<Database & AutoscalingTables>;

export const autoscalingDb = (db: Kysely<Database>): AutoscalingDb => db.withTables<AutoscalingTables>();
