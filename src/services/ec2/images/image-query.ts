// DescribeImages' request -> an indexed catalog query (repos/images.ts), and catalog rows -> the
// Image the caller sees. Every documented filter maps to a column, a block-device-mapping
// column, product codes or the caller's tags; unknown filter names are refused.
import type { Filter, Image, BlockDeviceMapping } from '../../../api/ec2/types.js';
import type { ImageBlockDeviceRow, ImageColumn, ImageQuery, ImageRow, BlockDeviceColumn } from '../../../store/repos/images.js';
import { ec2Error, invalidFilter, invalidParameterValue } from '../ec2-errors.js';
import { protectionView } from './image-lifecycle.js';

export const OWNER_ALIASES = ['amazon', 'aws-marketplace', 'aws-backup-vault'] as const;

const COLUMN_FILTERS: Record<string, { column: ImageColumn; boolean?: boolean }> = {
  architecture: { column: 'architecture' },
  'boot-mode': { column: 'boot_mode' },
  'creation-date': { column: 'creation_date' },
  description: { column: 'description' },
  'ena-support': { column: 'ena_support', boolean: true },
  'free-tier-eligible': { column: 'free_tier_eligible', boolean: true },
  hypervisor: { column: 'hypervisor' },
  'image-id': { column: 'image_id' },
  'image-type': { column: 'image_type' },
  'is-public': { column: 'public', boolean: true },
  'kernel-id': { column: 'kernel_id' },
  'manifest-location': { column: 'image_location' },
  name: { column: 'name' },
  'owner-alias': { column: 'owner_alias' },
  'owner-id': { column: 'account_id' },
  platform: { column: 'platform' },
  'ramdisk-id': { column: 'ramdisk_id' },
  'root-device-name': { column: 'root_device_name' },
  'root-device-type': { column: 'root_device_type' },
  'source-image-id': { column: 'source_image_id' },
  'source-image-region': { column: 'source_image_region' },
  'source-instance-id': { column: 'source_instance_id' },
  'sriov-net-support': { column: 'sriov_net_support' },
  state: { column: 'state' },
  'state-reason-code': { column: 'state_reason_code' },
  'state-reason-message': { column: 'state_reason_message' },
  'virtualization-type': { column: 'virtualization_type' },
};

// Documented filters over data Imago never has (watermarks, Inspector scans, instance-type
// specifications, public SSM parameters): accepted, and no image matches them.
const NEVER_MATCHING_FILTERS = /^(image-watermark\.|scan-result\.|instance-type-specification\.|public-ssm-parameter-name$)/;

const BLOCK_DEVICE_FILTERS: Record<string, { column: BlockDeviceColumn; boolean?: boolean; text?: boolean }> = {
  'block-device-mapping.delete-on-termination': { column: 'delete_on_termination', boolean: true },
  'block-device-mapping.device-name': { column: 'device_name' },
  'block-device-mapping.snapshot-id': { column: 'snapshot_id' },
  'block-device-mapping.volume-size': { column: 'volume_size', text: true },
  'block-device-mapping.volume-type': { column: 'volume_type' },
  'block-device-mapping.encrypted': { column: 'encrypted', boolean: true },
};

export interface DescribeImagesInput {
  ImageIds?: string[];
  Owners?: string[];
  ExecutableUsers?: string[];
  Filters?: Filter[];
  IncludeDeprecated?: boolean;
  IncludeDisabled?: boolean;
}

const ACCOUNT = /^\d{12}$/;

export function malformedUser(value: string) {
  return ec2Error('InvalidUserID.Malformed', `Invalid user id: "${value}"`);
}

/** Builds the query (without paging) for a caller. Throws EC2 errors for bad parameters. */
export function buildImageQuery(
  input: DescribeImagesInput,
  caller: { accountId: string; region: string; orgs: string[] },
  now: Date,
  deregisteredVisibleMs: number,
): ImageQuery {
  let owners: ImageQuery['owners'];
  if (input.Owners?.length) {
    owners = { accounts: [], aliases: [] };
    for (const o of input.Owners) {
      if (o === 'self') owners.accounts.push(caller.accountId);
      else if (ACCOUNT.test(o)) owners.accounts.push(o);
      else if ((OWNER_ALIASES as readonly string[]).includes(o)) owners.aliases.push(o);
      else throw malformedUser(o);
    }
  }
  let executableBy: ImageQuery['executableBy'];
  if (input.ExecutableUsers?.length) {
    executableBy = { self: false, all: false, accounts: [] };
    for (const u of input.ExecutableUsers) {
      if (u === 'self' || u === caller.accountId) executableBy.self = true;
      else if (u === 'all') executableBy.all = true;
      else if (ACCOUNT.test(u)) executableBy.accounts.push(u);
      else throw malformedUser(u);
    }
  }
  const q: ImageQuery = {
    region: caller.region,
    caller: caller.accountId,
    callerOrgs: caller.orgs,
    imageIds: input.ImageIds?.length ? input.ImageIds : undefined,
    owners,
    executableBy,
    includeDeprecated: Boolean(input.IncludeDeprecated),
    includeDisabled: Boolean(input.IncludeDisabled),
    now: now.toISOString(),
    deregisteredSince: new Date(now.getTime() - deregisteredVisibleMs).toISOString(),
    columns: [],
    blockDevices: [],
    tags: [],
    tagKeys: [],
    productCodes: [],
  };
  for (const f of input.Filters ?? []) {
    const name = f.Name;
    if (!name) throw invalidParameterValue('Each filter must have a Name');
    const values = f.Values ?? [];
    if (name.startsWith('tag:')) q.tags.push({ key: name.slice(4), patterns: values });
    else if (name === 'tag-key') q.tagKeys.push(values);
    else if (name === 'product-code') q.productCodes.push({ column: 'product_code', patterns: values });
    else if (name === 'product-code.type') q.productCodes.push({ column: 'type', patterns: values });
    else if (name === 'image-allowed') {
      // Allowed AMIs are not enforced: every image is allowed
      if (!values.includes('true')) q.columns.push({ column: 'image_id', patterns: [] });
    } else if (NEVER_MATCHING_FILTERS.test(name)) q.columns.push({ column: 'image_id', patterns: [] });
    else if (COLUMN_FILTERS[name]) q.columns.push({ ...COLUMN_FILTERS[name], patterns: values });
    else if (BLOCK_DEVICE_FILTERS[name]) q.blockDevices.push({ ...BLOCK_DEVICE_FILTERS[name], patterns: values });
    else throw invalidFilter(name);
  }
  return q;
}

function bdmOut(d: ImageBlockDeviceRow): BlockDeviceMapping {
  if (d.no_device) return { DeviceName: d.device_name, NoDevice: '' };
  if (d.virtual_name) return { DeviceName: d.device_name, VirtualName: d.virtual_name };
  return {
    DeviceName: d.device_name,
    Ebs: {
      DeleteOnTermination: d.delete_on_termination === null ? undefined : Boolean(d.delete_on_termination),
      SnapshotId: d.snapshot_id ?? undefined,
      VolumeSize: d.volume_size ?? undefined,
      VolumeType: (d.volume_type ?? undefined) as NonNullable<BlockDeviceMapping['Ebs']>['VolumeType'],
      Encrypted: d.encrypted === null ? undefined : Boolean(d.encrypted),
      Iops: d.iops ?? undefined,
      Throughput: d.throughput ?? undefined,
      // KmsKeyId is a launch-time parameter: images do not report it (EbsBlockDevice reference)
    },
  };
}

export function blockDeviceMappingsOut(devices: readonly ImageBlockDeviceRow[]): BlockDeviceMapping[] {
  return devices.map(bdmOut);
}

/** An image as `caller` sees it: its own tags; lastLaunchedTime only for the owner. */
export function imageOut(
  row: ImageRow,
  caller: string,
  devices: readonly ImageBlockDeviceRow[],
  tags: { Key: string; Value: string }[] | undefined,
  productCodes: { product_code: string; type: string }[] | undefined,
): Image {
  const owner = row.account_id === caller;
  return {
    ImageId: row.image_id,
    ImageLocation: row.image_location,
    State: row.state as Image['State'],
    OwnerId: row.account_id,
    CreationDate: row.creation_date,
    Public: Boolean(row.public),
    ProductCodes: productCodes?.length ? productCodes.map((p) => ({ ProductCodeId: p.product_code, ProductCodeType: p.type as 'marketplace' })) : undefined,
    Architecture: row.architecture as Image['Architecture'],
    ImageType: row.image_type as Image['ImageType'],
    KernelId: row.kernel_id ?? undefined,
    RamdiskId: row.ramdisk_id ?? undefined,
    Platform: (row.platform ?? undefined) as Image['Platform'],
    PlatformDetails: row.platform_details,
    UsageOperation: row.usage_operation,
    BlockDeviceMappings: blockDeviceMappingsOut(devices),
    Description: row.description ?? undefined,
    EnaSupport: row.ena_support === null ? undefined : Boolean(row.ena_support),
    Hypervisor: row.hypervisor as Image['Hypervisor'],
    ImageOwnerAlias: row.owner_alias ?? undefined,
    Name: row.name,
    RootDeviceName: row.root_device_name ?? undefined,
    RootDeviceType: row.root_device_type as Image['RootDeviceType'],
    SriovNetSupport: row.sriov_net_support ?? undefined,
    StateReason: row.state_reason_code ? { Code: row.state_reason_code, Message: row.state_reason_message ?? undefined } : undefined,
    Tags: tags && tags.length ? tags : undefined,
    VirtualizationType: row.virtualization_type as Image['VirtualizationType'],
    BootMode: (row.boot_mode ?? undefined) as Image['BootMode'],
    TpmSupport: (row.tpm_support ?? undefined) as Image['TpmSupport'],
    DeprecationTime: row.deprecation_time ?? undefined,
    ImdsSupport: (row.imds_support ?? undefined) as Image['ImdsSupport'],
    SourceInstanceId: row.source_instance_id ?? undefined,
    DeregistrationProtection: protectionView(row),
    LastLaunchedTime: owner ? (row.last_launched_time ?? undefined) : undefined,
    SourceImageId: row.source_image_id ?? undefined,
    SourceImageRegion: row.source_image_region ?? undefined,
    FreeTierEligible: Boolean(row.free_tier_eligible),
  };
}
