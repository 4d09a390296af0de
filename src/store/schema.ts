// The metadata schema, as Kysely table types. Services reach the database only through
// repos/ built on these types, so the SQL stays dialect-neutral (SQLite now, PostgreSQL later).
// Times are ISO-8601 strings; booleans are 0/1 integers; JSON documents are TEXT.
import type { Generated } from 'kysely';

export interface AccountAttributesTable {
  account_id: string;
  region: string;
  name: string;
  value: string;
  updated_at: string;
}

export interface IdempotencyTable {
  account_id: string;
  region: string;
  action: string;
  token: string;
  request_hash: string;
  result: string;
  created_at: string;
}

// The audit trail (migration 0022-audit-events): a CloudTrail record per call, and the resources it names.
export interface AuditEventsTable {
  seq: Generated<number>;
  event_id: string;
  account_id: string;
  region: string;
  /** 1: a management event (LookupEvents returns it); 0: a data event (EBS block calls) */
  management: number;
  /** ms since the epoch */
  event_time: number;
  event_source: string;
  event_name: string;
  read_only: number;
  /** LookupEvents' Username: `root`, the IAM user's name, or the role session's name */
  username: string;
  principal_arn: string;
  access_key_id: string;
  error_code: string | null;
  /** JSON: [{type, name}] (LookupEvents' Resources) */
  resources: string;
  /** the CloudTrail record, JSON (LookupEvents' CloudTrailEvent) */
  event: string;
}

export interface AuditEventResourcesTable {
  event_id: string;
  account_id: string;
  region: string;
  management: number;
  resource_type: string;
  resource_name: string;
  event_time: number;
}

export interface Database {
  cloudwatch_alarms: CloudwatchAlarmsTable;
  cloudwatch_alarm_history: CloudwatchAlarmHistoryTable;
  data_keys: DataKeysTable;
  block_maps: BlockMapsTable;
  block_map_entries: BlockMapEntriesTable;
  chunk_touches: ChunkTouchesTable;
  chunk_condemned: ChunkCondemnedTable;
  chunk_tombstone_epoch: ChunkTombstoneEpochTable;
  snapshots: SnapshotsTable;
  snapshot_permissions: SnapshotPermissionsTable;
  volumes: VolumesTable;
  volume_blocks: VolumeBlocksTable;
  tags: TagsTable;
  jobs: JobsTable;
  nodes: NodesTable;
  cluster_locks: ClusterLocksTable;
  images: ImagesTable;
  image_block_devices: ImageBlockDevicesTable;
  image_launch_permissions: ImageLaunchPermissionsTable;
  image_product_codes: ImageProductCodesTable;
  organization_accounts: OrganizationAccountsTable;
  account_attributes: AccountAttributesTable;
  idempotency: IdempotencyTable;
  audit_events: AuditEventsTable;
  audit_event_resources: AuditEventResourcesTable;
  kms_keys: KmsKeysTable;
  kms_aliases: KmsAliasesTable;
  kms_grants: KmsGrantsTable;
  kms_tags: KmsTagsTable;
  instances: InstancesTable;
  instance_volumes: InstanceVolumesTable;
  key_pairs: KeyPairsTable;
  security_groups: SecurityGroupsTable;
  security_group_rules: SecurityGroupRulesTable;
  catalog_state: CatalogStateTable;
  marketplace_subscriptions: MarketplaceSubscriptionsTable;
  ssm_parameters: SsmParametersTable;
  ssm_parameter_versions: SsmParameterVersionsTable;
  ssm_parameter_labels: SsmParameterLabelsTable;
  ssm_tags: SsmTagsTable;
  launch_templates: LaunchTemplatesTable;
  launch_template_versions: LaunchTemplateVersionsTable;
  autoscaling_groups: AutoscalingGroupsTable;
  autoscaling_instances: AutoscalingInstancesTable;
  autoscaling_activities: AutoscalingActivitiesTable;
  autoscaling_tags: AutoscalingTagsTable;
  autoscaling_policies: AutoscalingPoliciesTable;
  autoscaling_refreshes: AutoscalingRefreshesTable;
  autoscaling_lifecycle_hooks: AutoscalingLifecycleHooksTable;
  autoscaling_launch_configurations: AutoscalingLaunchConfigurationsTable;
  autoscaling_scheduled_actions: AutoscalingScheduledActionsTable;
  autoscaling_notifications: AutoscalingNotificationsTable;
  key_material: KeyMaterialTable;
  iam_users: IamUsersTable;
  iam_groups: IamNamedTable;
  iam_group_members: IamGroupMembersTable;
  iam_roles: IamRolesTable;
  iam_policies: IamPoliciesTable;
  iam_policy_versions: IamPolicyVersionsTable;
  iam_inline_policies: IamInlinePoliciesTable;
  iam_attachments: IamAttachmentsTable;
  iam_instance_profiles: IamInstanceProfilesTable;
  iam_access_keys: IamAccessKeysTable;
  instance_profile_associations: InstanceProfileAssociationsTable;
  import_export_tasks: ImportExportTasksTable;
  vpcs: VpcsTable;
  vpc_cidr_blocks: VpcCidrBlocksTable;
  subnets: SubnetsTable;
  internet_gateways: InternetGatewaysTable;
  route_tables: RouteTablesTable;
  routes: RoutesTable;
  route_table_associations: RouteTableAssociationsTable;
  network_acls: NetworkAclsTable;
  network_acl_entries: NetworkAclEntriesTable;
  network_acl_associations: NetworkAclAssociationsTable;
  dhcp_options: DhcpOptionsTable;
  elastic_ips: ElasticIpsTable;
  cw_metrics: CwMetricsTable;
  cw_datapoints: CwDatapointsTable;
  network_interfaces: NetworkInterfacesTable;
  network_interface_addresses: NetworkInterfaceAddressesTable;
  nat_gateways: NatGatewaysTable;
  vpc_peering_connections: VpcPeeringConnectionsTable;
}

// Cluster-wide secrets (migration 0019-key-material), each wrapped under the key-encryption key.
export interface KeyMaterialTable {
  /** 'master-key', 'instance-identity' */
  name: string;
  /** AES-256-GCM under the KEK, the name as AAD (see services/kms/kek.ts) */
  wrapped: Buffer;
  /** the fingerprint of the KEK that wrapped it */
  kek_id: string;
  created_at: string;
}

// KMS (migration 0002-kms). Key material is stored only wrapped under the master key.
export interface KmsKeysTable {
  account_id: string;
  region: string;
  key_id: string;
  description: string;
  key_usage: string;
  key_spec: string;
  /** 'AWS' | 'CUSTOMER' */
  key_manager: string;
  origin: string;
  /** 'Enabled' | 'Disabled' | 'PendingDeletion' */
  state: string;
  policy: string;
  /** AES-256-GCM-wrapped key material (see services/kms/key-wrap.ts) */
  material: Buffer;
  created_at: string;
  deletion_date: string | null;
  pending_window_days: number | null;
  rotation_enabled: number;
  rotation_period_days: number | null;
}

export interface KmsAliasesTable {
  account_id: string;
  region: string;
  alias_name: string;
  key_id: string;
  created_at: string;
  updated_at: string;
}

export interface KmsGrantsTable {
  /** the key's account and region (grants live with their key) */
  account_id: string;
  region: string;
  key_id: string;
  grant_id: string;
  name: string | null;
  grantee_principal: string;
  retiring_principal: string | null;
  issuing_account: string;
  /** JSON array of operation names */
  operations: string;
  /** JSON GrantConstraints, or null */
  constraints: string | null;
  created_at: string;
}

export interface KmsTagsTable {
  account_id: string;
  region: string;
  key_id: string;
  tag_key: string;
  tag_value: string;
}

/** One wrapping (under a KMS key) of an encrypted lineage's plaintext data key. */
export interface DataKeysTable {
  data_key_id: string;
  account_id: string;
  region: string;
  lineage_id: string;
  kms_key_arn: string;
  wrapped_key: Buffer;
  created_at: string;
}

export interface BlockMapsTable {
  map_id: string;
  parent_map_id: string | null;
  depth: number;
  size_bytes: number;
  lineage_id: string | null;
  sealed: number;
  /** unsealed maps (uploads in flight) are kept by GC until this time */
  lease_until: string | null;
  created_at: string;
}

export interface BlockMapEntriesTable {
  map_id: string;
  block_index: number;
  /** null: a zero block hiding the parent's entry */
  chunk_id: string | null;
}

// Nodes sharing one bucket: GC against dedup hits (migration 0020, blocks/chunk-arbiter.ts).
export interface ChunkTouchesTable {
  chunk_id: string;
  /** the latest reuse (dedup hit) of the stored chunk, ms since epoch */
  touched_at: number;
}

export interface ChunkCondemnedTable {
  chunk_id: string;
  /** the GC (a process's tag) about to delete it */
  owner: string;
  condemned_at: number;
}

export interface ChunkTombstoneEpochTable {
  /** always 1 */
  id: number;
  /** advanced after every tombstone object written to the bucket */
  epoch: number;
}

export interface SnapshotsTable {
  snapshot_id: string;
  account_id: string;
  region: string;
  volume_id: string;
  volume_size: number;
  state: string;
  progress: number;
  state_message: string | null;
  start_time: string;
  completion_time: string | null;
  description: string;
  encrypted: number;
  kms_key_arn: string | null;
  data_key_id: string | null;
  map_id: string;
  owner_alias: string | null;
  storage_tier: string;
  /** volume | ebs-direct | copy | import | catalog */
  source: string;
  parent_snapshot_id: string | null;
  timeout_minutes: number | null;
  last_write_at: string | null;
  client_token: string | null;
  /** 1 when createVolumePermission includes group `all` */
  public: number;
}

export interface SnapshotPermissionsTable {
  snapshot_id: string;
  /** an account id, or `all` */
  principal: string;
}

export interface VolumesTable {
  volume_id: string;
  account_id: string;
  region: string;
  availability_zone: string;
  size_gib: number;
  volume_type: string;
  iops: number | null;
  throughput: number | null;
  state: string;
  encrypted: number;
  kms_key_arn: string | null;
  data_key_id: string | null;
  snapshot_id: string | null;
  base_map_id: string | null;
  multi_attach: number;
  create_time: string;
  client_token: string | null;
  /** JSON of the latest ModifyVolume, if any */
  modification: string | null;
  /** 0/1, ModifyVolumeAttribute AutoEnableIO (migration 0006) */
  auto_enable_io: number;
  /** the volume a CopyVolumes copy was made from */
  source_volume_id: string | null;
  /** CreateVolume VolumeInitializationRate (MiB/s), if asked for */
  initialization_rate: number | null;
}

/** A volume's writes since its base map (its copy-on-write overlay). */
export interface VolumeBlocksTable {
  volume_id: string;
  block_index: number;
  chunk_id: string | null;
}

/** Tags are per account: on a shared resource each account sees and sets its own. */
export interface TagsTable {
  account_id: string;
  region: string;
  resource_id: string;
  resource_type: string;
  key: string;
  value: string;
}

export interface JobsTable {
  job_id: string;
  kind: string;
  /** JSON */
  payload: string;
  run_at: string;
  attempts: number;
  last_error: string | null;
  created_at: string;
  /** the runner holding it now; its lease ends at run_at (see migration 0017) */
  lease_owner: string | null;
  /** 1: asked to run again while it ran */
  rerun: number;
  /** only this node may run it (until it dies); NULL: any node */
  node_id: string | null;
}

/** An `imago serve` process sharing the database (migration 0018). */
export interface NodesTable {
  node_id: string;
  /** where its peers reach it (cluster calls) */
  url: string;
  /** its instance driver: qemu | none */
  compute: string;
  /** its block store: fs | s3://… (without credentials) */
  blocks: string;
  started_at: string;
  heartbeat_at: string;
}

export interface ClusterLocksTable {
  name: string;
  owner: string;
  until: string;
}

export interface ImagesTable {
  image_id: string;
  account_id: string;
  region: string;
  name: string;
  description: string | null;
  state: string;
  state_reason_code: string | null;
  state_reason_message: string | null;
  architecture: string;
  virtualization_type: string;
  hypervisor: string;
  root_device_name: string | null;
  root_device_type: string;
  image_type: string;
  platform: string | null;
  platform_details: string;
  usage_operation: string;
  ena_support: number | null;
  sriov_net_support: string | null;
  boot_mode: string | null;
  tpm_support: string | null;
  uefi_data: string | null;
  imds_support: string | null;
  kernel_id: string | null;
  ramdisk_id: string | null;
  image_location: string;
  owner_alias: string | null;
  creation_date: string;
  deprecation_time: string | null;
  last_launched_time: string | null;
  source_instance_id: string | null;
  source_image_id: string | null;
  source_image_region: string | null;
  deregistration_protection: string;
  protection_cooldown_until: string | null;
  public: number;
  free_tier_eligible: number;
  deregistered_at: string | null;
  recycle_bin_until: string | null;
  client_token: string | null;
  /** the state an image had when it entered the Recycle Bin */
  recycled_state: string | null;
}

export interface ImageBlockDevicesTable {
  image_id: string;
  position: number;
  device_name: string;
  virtual_name: string | null;
  no_device: number;
  snapshot_id: string | null;
  volume_size: number | null;
  volume_type: string | null;
  delete_on_termination: number | null;
  encrypted: number | null;
  iops: number | null;
  throughput: number | null;
  kms_key_id: string | null;
}

export interface ImageLaunchPermissionsTable {
  image_id: string;
  /** user | group | organization | ou */
  kind: string;
  principal: string;
}

export interface ImageProductCodesTable {
  image_id: string;
  product_code: string;
  type: string;
}

export interface OrganizationAccountsTable {
  account_id: string;
  organization_arn: string;
  /** JSON array of OU ARNs, root to leaf */
  ou_arns: string;
}

// Instances, key pairs, security groups (migration 0011-compute).
export interface InstancesTable {
  /** launch order (reservations stay together; pages are stable) */
  seq: Generated<number>;
  instance_id: string;
  account_id: string;
  region: string;
  reservation_id: string;
  image_id: string;
  instance_type: string;
  /** pending | running | stopping | stopped | shutting-down | terminated */
  state: string;
  state_reason_code: string | null;
  state_reason_message: string | null;
  transition_reason: string;
  availability_zone: string;
  subnet_id: string;
  vpc_id: string;
  private_ip: string;
  eni_id: string;
  mac_address: string;
  key_name: string | null;
  launch_index: number;
  launch_time: string;
  client_token: string | null;
  architecture: string;
  root_device_name: string;
  /** base64, as given */
  user_data: string | null;
  disable_api_termination: number;
  disable_api_stop: number;
  shutdown_behavior: string;
  /** JSON array of security group ids */
  security_groups: string;
  /** JSON InstanceSpec (services/ec2/instances/instance-row.ts) */
  spec: string;
  state_changed_at: string;
  running_since: string | null;
  terminated_at: string | null;
  /** while running under a driver with a public network (migration 0014) */
  public_ip: string | null;
  /** the node whose driver runs its VM (migration 0018); NULL: nothing node-bound runs it */
  node_id: string | null;
}

export interface InstanceVolumesTable {
  volume_id: string;
  instance_id: string;
  account_id: string;
  region: string;
  device_name: string;
  /** attaching | attached | detaching */
  status: string;
  attach_time: string;
  delete_on_termination: number;
}

export interface KeyPairsTable {
  key_pair_id: string;
  account_id: string;
  region: string;
  key_name: string;
  key_type: string;
  fingerprint: string;
  public_key: string;
  create_time: string;
}

export interface SecurityGroupsTable {
  group_id: string;
  account_id: string;
  region: string;
  vpc_id: string;
  group_name: string;
  description: string;
  created_at: string;
}

export interface SecurityGroupRulesTable {
  rule_id: string;
  group_id: string;
  account_id: string;
  region: string;
  is_egress: number;
  ip_protocol: string;
  from_port: number | null;
  to_port: number | null;
  cidr_ipv4: string | null;
  cidr_ipv6: string | null;
  prefix_list_id: string | null;
  referenced_group_id: string | null;
  referenced_account_id: string | null;
  description: string | null;
  created_at: string;
  /** order within the call that added it (migration 0015) */
  position: number;
}

// The public image catalog and SSM Parameter Store (migration 0010-catalog-ssm).
export interface CatalogStateTable {
  /** `anchor`, `fingerprint`, `disk:<key>` (a disk's block map id) */
  key: string;
  value: string;
}

export interface MarketplaceSubscriptionsTable {
  account_id: string;
  product_code: string;
  created_at: string;
}

/** A parameter: its latest version (the row in ssm_parameter_versions holds the rest). */
export interface SsmParametersTable {
  account_id: string;
  region: string;
  name: string;
  version: number;
}

export interface SsmParameterVersionsTable {
  account_id: string;
  region: string;
  name: string;
  version: number;
  /** String | StringList | SecureString */
  type: string;
  /** text | aws:ec2:image */
  data_type: string;
  /** SecureString: the base64 KMS ciphertext blob */
  value: string;
  key_id: string | null;
  description: string | null;
  allowed_pattern: string | null;
  tier: string;
  /** JSON text of PutParameter Policies, as given */
  policies: string | null;
  last_modified: string;
  last_modified_user: string;
}

export interface SsmParameterLabelsTable {
  account_id: string;
  region: string;
  name: string;
  label: string;
  version: number;
}

export interface SsmTagsTable {
  account_id: string;
  region: string;
  resource_type: string;
  resource_id: string;
  key: string;
  value: string;
}

// Launch templates and their numbered versions (migration 0012).
export interface LaunchTemplatesTable {
  launch_template_id: string;
  account_id: string;
  region: string;
  name: string;
  created_at: string;
  /** the creator's ARN (`arn:aws:iam::<account>:root`) */
  created_by: string;
  default_version: number;
  /** the highest existing version */
  latest_version: number;
  /** the highest number ever given (numbers are not reused) */
  last_number: number;
}

export interface LaunchTemplateVersionsTable {
  launch_template_id: string;
  version_number: number;
  description: string | null;
  /** RequestLaunchTemplateData as JSON, stored as given */
  data: string;
  created_at: string;
  created_by: string;
}

// Auto Scaling (migration 0012). JSON documents are TEXT.
export interface AutoscalingGroupsTable {
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
  /** the launch configuration's name when the group launches from one (migration 0032) */
  launch_configuration?: string | null;
  /** SuspendedProcess[] (ProcessName, SuspensionReason) as JSON */
  suspended_processes?: string | null;
  /** EnabledMetric[] (Metric, Granularity) as JSON */
  enabled_metrics?: string | null;
  /** PutWarmPool's configuration with its Status (migration 0033), null without a warm pool */
  warm_pool?: string | null;
}

export interface AutoscalingInstancesTable {
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
  /** the launch configuration it was launched from (migration 0032) */
  launch_configuration?: string | null;
  /** the lifecycle action it waits in (Pending:Wait, Terminating:Wait): hooks, tokens, deadlines (migration 0033) */
  lifecycle_action?: string | null;
}

export interface AutoscalingActivitiesTable {
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
}

export interface AutoscalingTagsTable {
  account_id: string;
  region: string;
  group_name: string;
  key: string;
  value: string;
  propagate_at_launch: number;
}

export interface AutoscalingPoliciesTable {
  account_id: string;
  region: string;
  group_name: string;
  policy_name: string;
  policy_id: string;
  /** PutScalingPolicy's parameters as given */
  config: string;
  last_executed_at: string | null;
}

export interface AutoscalingLifecycleHooksTable {
  account_id: string;
  region: string;
  group_name: string;
  hook_name: string;
  /** autoscaling:EC2_INSTANCE_LAUNCHING | autoscaling:EC2_INSTANCE_TERMINATING */
  transition: string;
  heartbeat_timeout: number;
  /** CONTINUE | ABANDON */
  default_result: string;
  notification_metadata: string | null;
  notification_target_arn: string | null;
  role_arn: string | null;
}

export interface AutoscalingRefreshesTable {
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
}

// Auto Scaling configuration (migration 0032).
export interface AutoscalingLaunchConfigurationsTable {
  account_id: string;
  region: string;
  name: string;
  /** the uuid in the launch configuration's ARN */
  config_id: string;
  created_at: string;
  /** the LaunchConfiguration as DescribeLaunchConfigurations answers it (without name, ARN, time) */
  data: string;
}

export interface AutoscalingScheduledActionsTable {
  account_id: string;
  region: string;
  group_name: string;
  action_name: string;
  /** the uuid in the action's ARN */
  action_id: string;
  start_time: string | null;
  end_time: string | null;
  recurrence: string | null;
  time_zone: string | null;
  min_size: number | null;
  max_size: number | null;
  desired_capacity: number | null;
  /** when it runs next (null: never again) */
  next_run_at: string | null;
}

export interface AutoscalingNotificationsTable {
  account_id: string;
  region: string;
  group_name: string;
  topic_arn: string;
  notification_type: string;
}


// IAM (migration 0021-iam): global, per account; entities keyed by their lower-cased name.
export interface IamNamedTable {
  account_id: string;
  /** the name lower-cased: IAM names are unique whatever their case */
  name_key: string;
  name: string;
  /** AIDA…, AGPA…, AROA…, ANPA…, AIPA… */
  id: string;
  path: string;
  created_at: string;
}

export interface IamUsersTable extends IamNamedTable {
  /** a managed policy ARN */
  permissions_boundary: string | null;
  /** JSON [{Key, Value}] */
  tags: string;
}

export interface IamGroupMembersTable {
  account_id: string;
  group_key: string;
  user_key: string;
}

export interface IamRolesTable extends IamNamedTable {
  /** the trust policy (AssumeRolePolicyDocument) as given */
  trust_policy: string;
  description: string | null;
  max_session_duration: number;
  permissions_boundary: string | null;
  tags: string;
}

export interface IamPoliciesTable extends IamNamedTable {
  description: string | null;
  default_version: string;
  /** version numbers are never reused */
  last_version: number;
  updated_at: string;
  tags: string;
}

export interface IamPolicyVersionsTable {
  account_id: string;
  policy_key: string;
  version_id: string;
  document: string;
  created_at: string;
}

export type IamOwnerType = 'user' | 'group' | 'role';

export interface IamInlinePoliciesTable {
  account_id: string;
  owner_type: IamOwnerType;
  owner_key: string;
  policy_name: string;
  document: string;
}

export interface IamAttachmentsTable {
  account_id: string;
  owner_type: IamOwnerType;
  owner_key: string;
  policy_arn: string;
}

export interface IamInstanceProfilesTable extends IamNamedTable {
  role_key: string | null;
  tags: string;
}

export interface IamAccessKeysTable {
  access_key_id: string;
  account_id: string;
  user_key: string;
  /** the secret sealed under a key derived from the master key (src/iam/access-key-secrets.ts) */
  secret: Buffer;
  status: 'Active' | 'Inactive';
  created_at: string;
  last_used_at: string | null;
  last_used_service: string | null;
  last_used_region: string | null;
}

// EC2's instance profile associations (migration 0023): the profile an instance holds, by ARN
// and IAM's unique id (AIPA…), resolved when associated.
export interface InstanceProfileAssociationsTable {
  /** iip-assoc-… */
  association_id: string;
  account_id: string;
  region: string;
  instance_id: string;
  profile_arn: string;
  profile_id: string;
  /** associated | disassociated (the API's associating/disassociating are answers, not states kept) */
  state: string;
  created_at: string;
  ended_at: string | null;
}

// The VPC family (migration 0025-vpc-family). Booleans are 0/1.
export interface VpcsTable {
  vpc_id: string;
  account_id: string;
  region: string;
  /** the primary IPv4 block */
  cidr_block: string;
  /** default | dedicated */
  instance_tenancy: string;
  is_default: number;
  /** `default` when none */
  dhcp_options_id: string;
  enable_dns_support: number;
  enable_dns_hostnames: number;
  enable_nau_metrics: number;
  created_at: string;
}

export interface VpcCidrBlocksTable {
  association_id: string;
  vpc_id: string;
  account_id: string;
  region: string;
  cidr_block: string;
  ipv6: number;
  network_border_group: string | null;
  /** order of association (0: the primary block) */
  position: number;
}

export interface SubnetsTable {
  subnet_id: string;
  account_id: string;
  region: string;
  vpc_id: string;
  availability_zone: string;
  cidr_block: string;
  ipv6_cidr_block: string | null;
  ipv6_association_id: string | null;
  default_for_az: number;
  map_public_ip_on_launch: number;
  assign_ipv6_on_creation: number;
  enable_dns64: number;
  /** ip-name | resource-name */
  hostname_type: string;
  dns_a_record: number;
  dns_aaaa_record: number;
  created_at: string;
}

export interface InternetGatewaysTable {
  gateway_id: string;
  account_id: string;
  region: string;
  /** the attached VPC */
  vpc_id: string | null;
  created_at: string;
}

export interface RouteTablesTable {
  route_table_id: string;
  account_id: string;
  region: string;
  vpc_id: string;
  created_at: string;
}

export interface RoutesTable {
  route_table_id: string;
  /** an IPv4 or IPv6 CIDR block or a prefix list id */
  destination: string;
  /** ipv4 | ipv6 | prefix-list */
  destination_type: string;
  /** local | gateway | nat-gateway | network-interface | vpc-peering-connection | instance | egress-only-gateway | transit-gateway */
  target_type: string;
  target_id: string;
  /** CreateRouteTable | CreateRoute */
  origin: string;
  created_at: string;
}

export interface RouteTableAssociationsTable {
  association_id: string;
  account_id: string;
  region: string;
  route_table_id: string;
  vpc_id: string;
  subnet_id: string | null;
  gateway_id: string | null;
  main: number;
}

export interface NetworkAclsTable {
  network_acl_id: string;
  account_id: string;
  region: string;
  vpc_id: string;
  is_default: number;
  created_at: string;
}

export interface NetworkAclEntriesTable {
  network_acl_id: string;
  egress: number;
  rule_number: number;
  /** a protocol number, `-1` for all */
  protocol: string;
  /** allow | deny */
  rule_action: string;
  cidr_block: string | null;
  ipv6_cidr_block: string | null;
  icmp_type: number | null;
  icmp_code: number | null;
  port_from: number | null;
  port_to: number | null;
}

export interface NetworkAclAssociationsTable {
  association_id: string;
  account_id: string;
  region: string;
  network_acl_id: string;
  subnet_id: string;
}

export interface DhcpOptionsTable {
  dhcp_options_id: string;
  account_id: string;
  region: string;
  /** JSON [{ key, values }] */
  configurations: string;
  created_at: string;
}

// Elastic IP addresses (migration 0026): an allocation, and its association with an instance's
// network interface while it has one.
export interface ElasticIpsTable {
  allocation_id: string;
  account_id: string;
  region: string;
  public_ip: string;
  association_id: string | null;
  instance_id: string | null;
  eni_id: string | null;
  private_ip: string | null;
  created_at: string;
}

// Network interfaces (migration 0028): CreateNetworkInterface's, and instances' primary ones once
// something of their own is set; every address they hold besides an instance's primary one.
export interface NetworkInterfacesTable {
  eni_id: string;
  account_id: string;
  region: string;
  subnet_id: string;
  vpc_id: string;
  availability_zone: string;
  private_ip: string;
  mac_address: string;
  description: string;
  source_dest_check: number;
  /** JSON [sg-…] */
  groups: string;
  instance_primary: number;
  instance_id: string | null;
  device_index: number | null;
  attachment_id: string | null;
  attach_time: string | null;
  delete_on_termination: number;
  created_at: string;
}

export interface NetworkInterfaceAddressesTable {
  eni_id: string;
  subnet_id: string;
  private_ip: string;
  is_primary: number;
}

// NAT gateways and VPC peering connections (migration 0029).
export interface NatGatewaysTable {
  nat_gateway_id: string;
  account_id: string;
  region: string;
  vpc_id: string;
  subnet_id: string;
  connectivity_type: string;
  allocation_id: string | null;
  public_ip: string | null;
  eni_id: string;
  private_ip: string;
  state: string;
  failure_code: string | null;
  failure_message: string | null;
  created_at: string;
  deleted_at: string | null;
}

export interface VpcPeeringConnectionsTable {
  pcx_id: string;
  account_id: string;
  region: string;
  vpc_id: string;
  vpc_cidr: string;
  peer_account_id: string;
  peer_region: string;
  peer_vpc_id: string;
  peer_vpc_cidr: string | null;
  status: string;
  message: string;
  created_at: string;
  changed_at: string;
}

// EC2's import and export tasks (migration 0027): import-ami-…, import-snap-…, export-ami-…, and
// store-image tasks keyed by the AMI and bucket; `detail` is the service's JSON.
// CloudWatch metrics (migration 0030; services/cloudwatch/metrics/)
export interface CwMetricsTable {
  /** hash of account, region and metric_key */
  metric_id: string;
  account_id: string;
  region: string;
  namespace: string;
  metric_name: string;
  /** [[name, value], …] sorted by name, JSON */
  dimensions: string;
  /** [namespace, name, dimensions] JSON: the sort and identity key within a scope */
  metric_key: string;
  /** ms since the epoch of the latest PutMetricData (ListMetrics: two weeks; RecentlyActive) */
  last_put: number;
}

/** One period of one metric in one tier (1, 60, 300, 3600 s) and unit. */
export interface CwDatapointsTable {
  metric_id: string;
  tier: number;
  unit: string;
  /** the period's start, ms since the epoch */
  ts: number;
  sample_count: number;
  sum: number;
  min: number;
  max: number;
  /** raw values "v" or "v*count", comma-separated (tiers 1 and 60); null where not all are kept */
  vals: string | null;
}

export interface ImportExportTasksTable {
  task_id: string;
  account_id: string;
  region: string;
  /** import-image | import-snapshot | export-image | store-image */
  kind: string;
  status: string;
  detail: string;
  created_at: string;
}

// CloudWatch alarms (migration 0031): the definition as JSON (alarms/alarm-model.ts), the state.
export interface CloudwatchAlarmsTable {
  account_id: string;
  region: string;
  name: string;
  /** MetricAlarm | CompositeAlarm */
  alarm_type: string;
  /** MetricAlarmDefinition | CompositeAlarmDefinition without name and tags, JSON */
  definition: string;
  actions_enabled: number;
  /** a single-metric alarm's metric (DescribeAlarmsForMetric) */
  namespace: string | null;
  metric_name: string | null;
  state_value: string;
  state_reason: string;
  state_reason_data: string | null;
  state_updated_at: string;
  state_transitioned_at: string;
  config_updated_at: string;
  /** [{Key, Value}] JSON */
  tags: string;
}

export interface CloudwatchAlarmHistoryTable {
  seq: Generated<number>;
  account_id: string;
  region: string;
  alarm_name: string;
  alarm_type: string;
  /** ConfigurationUpdate | StateUpdate | Action */
  item_type: string;
  /** ms since the epoch */
  at: number;
  summary: string;
  /** HistoryData, JSON as AWS writes it */
  data: string;
}
