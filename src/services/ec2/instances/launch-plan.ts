// Everything RunInstances checks before it writes anything, turned into a LaunchPlan: counts,
// the launch template, tags, user data, the image (launch-image.ts), the instance type, the key
// pair, the network (subnet, zone, security groups, addresses, interfaces: launch-network.ts)
// and the block devices (launch-devices.ts). Defaults follow the RunInstances reference: m1.small, a default subnet
// of AWS's choosing, the VPC's default security group, shutdown behaviour `stop`, IMDS tokens
// `required` when the image says ImdsSupport v2.0. An instance profile must exist and hold a role.
import { createHash } from 'node:crypto';
import type { RunInstancesRequest } from '../../../api/ec2/types.js';
import type { Scope } from '../../../store/scope.js';
import { loadServiceModel } from '../../../protocol/model.js';
import { ec2Error, invalidParameterCombination, invalidParameterValue } from '../ec2-errors.js';
import { tagsFromSpecs } from '../tags/tag-rules.js';
import type { SubnetInfo } from '../networking/default-network.js';
import type { NetworkService } from '../networking/network-service.js';
import type { KeyPairService } from '../key-pairs/key-pair-service.js';
import type { ImageService } from '../images/image-service.js';
import type { Store } from '../../../store/store.js';
import { launchImage, type LaunchImage } from './launch-image.js';
import { planDevices, type DeviceDeps, type PlannedDevices } from './launch-devices.js';
import { withTemplate } from './launch-request.js';
import { resolveInstanceProfile } from '../instance-profiles/profile-lookup.js';
import type { LaunchSources } from './launch-sources.js';
import { architecturesOf, typeFacts } from './instance-types.js';
import type { InstanceSpec, MetadataOptions } from './instance-row.js';
import { planNetwork, type PlannedInterface } from './launch-network.js';

export const DEFAULT_INSTANCE_TYPE = 'm1.small';
const USER_DATA_LIMIT = 16384;
const TAGGABLE_AT_LAUNCH = ['instance', 'volume', 'network-interface', 'spot-instances-request', 'elastic-gpu'];

export interface LaunchPlanDeps extends DeviceDeps {
  store: Store;
  images: ImageService;
  network: NetworkService;
  keyPairs: KeyPairService;
  sources: LaunchSources;
}

export interface LaunchPlan {
  caller: Scope;
  minCount: number;
  maxCount: number;
  launch: LaunchImage;
  instanceType: string;
  /** where to launch, in order of preference (one unless AWS may choose the zone) */
  subnets: SubnetInfo[];
  /** the subnets' VPC's primary block */
  vpcCidr: string;
  /** security group id -> name */
  groups: Map<string, string>;
  privateIp?: number;
  /** the launch's interfaces when it is more than one new one (launch-network.ts) */
  interfaces?: PlannedInterface[];
  keyName: string | null;
  userData: string | null;
  devices: PlannedDevices;
  spec: InstanceSpec;
  disableApiTermination: boolean;
  disableApiStop: boolean;
  shutdownBehavior: string;
  tags: Map<string, { key: string; value: string }[]>;
  /** `aws:` tags Imago sets itself (launch template, Auto Scaling group) */
  systemTags: { key: string; value: string }[];
}

const instanceTypes = new Set(loadServiceModel('ec2').enums['_InstanceType'] ?? []);

/** What makes two RunInstances requests "the same" for ClientToken (not the token, not DryRun). */
export function launchRequestHash(req: RunInstancesRequest): string {
  const { ClientToken: _t, DryRun: _d, ...rest } = req;
  return createHash('sha256').update(JSON.stringify(rest)).digest('base64url');
}

function checkCounts(req: RunInstancesRequest): void {
  if (!Number.isInteger(req.MinCount) || req.MinCount < 1) throw invalidParameterValue('Minimum instance count must be greater than zero');
  if (!Number.isInteger(req.MaxCount) || req.MaxCount < 1) throw invalidParameterValue('Maximum instance count must be greater than zero');
  if (req.MinCount > req.MaxCount) throw invalidParameterValue(`Minimum instance count (${req.MinCount}) must not be greater than maximum instance count (${req.MaxCount})`);
}

function checkUserData(userData: string | undefined): string | null {
  if (userData === undefined) return null;
  const clean = userData.replace(/\s+/g, '');
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(clean) || clean.length % 4 === 1) throw invalidParameterValue('Invalid BASE64 encoding of user data.');
  if (Buffer.from(clean, 'base64').length > USER_DATA_LIMIT) throw invalidParameterValue(`User data is limited to ${USER_DATA_LIMIT} bytes`);
  return clean;
}

function checkType(type: string, image: LaunchImage['image']): void {
  if (!instanceTypes.has(type)) throw invalidParameterValue(`Invalid value '${type}' for InstanceType.`);
  const archs = architecturesOf(type);
  if (!archs.includes(image.architecture)) {
    throw invalidParameterValue(
      `The architecture '${archs.find((a) => a !== 'i386') ?? archs[0]}' of the specified instance type does not match the architecture '${image.architecture}' of the specified AMI. Specify an instance type and an AMI that have matching architectures, and try again. You can use 'describe-instance-types' or 'describe-images' to discover the architecture of the instance type or AMI.`,
    );
  }
}

/** The boot mode the instance runs with: the image's, or what the type does by default. */
function bootMode(type: string, imageMode: string | null): 'legacy-bios' | 'uefi' {
  const supported = typeFacts(type)?.bootModes ?? (architecturesOf(type).includes('arm64') ? ['uefi'] : ['legacy-bios', 'uefi']);
  if (imageMode === 'legacy-bios' || imageMode === 'uefi') {
    if (!supported.includes(imageMode)) throw ec2Error('UnsupportedOperation', `The instance type '${type}' does not support the boot mode '${imageMode}' of the specified AMI.`);
    return imageMode;
  }
  // no boot mode on the image: the type's default; uefi-preferred: UEFI where the type has it
  const preferred = imageMode === 'uefi-preferred' ? 'uefi' : 'legacy-bios';
  return (supported.includes(preferred) ? preferred : supported[0]) as 'legacy-bios' | 'uefi';
}

function metadataOptions(req: RunInstancesRequest['MetadataOptions'], imdsSupport: string | null): MetadataOptions {
  const v2 = imdsSupport === 'v2.0';
  const hop = req?.HttpPutResponseHopLimit ?? (v2 ? 2 : 1);
  if (!Number.isInteger(hop) || hop < 1 || hop > 64) throw invalidParameterValue(`The HttpPutResponseHopLimit must be between 1 and 64. Value (${hop}) is invalid.`);
  return {
    httpTokens: req?.HttpTokens ?? (v2 ? 'required' : 'optional'),
    hopLimit: hop,
    httpEndpoint: req?.HttpEndpoint ?? 'enabled',
    httpProtocolIpv6: req?.HttpProtocolIpv6 ?? 'disabled',
    instanceMetadataTags: req?.InstanceMetadataTags ?? 'disabled',
  };
}

export async function planLaunch(deps: LaunchPlanDeps, caller: Scope, request: RunInstancesRequest, systemTags: { key: string; value: string }[] = []): Promise<LaunchPlan> {
  checkCounts(request);
  let req = request;
  let launchTemplate: InstanceSpec['launchTemplate'];
  const extraTags = [...systemTags];
  if (request.LaunchTemplate) {
    const spec = request.LaunchTemplate;
    if (spec.LaunchTemplateId !== undefined && spec.LaunchTemplateName !== undefined) {
      throw invalidParameterCombination('Specify either the launch template ID or the launch template name, but not both.');
    }
    const lt = await deps.sources.launchTemplates(caller, spec);
    req = withTemplate(request, lt.data);
    launchTemplate = { id: lt.templateId, name: lt.templateName, version: String(lt.version) };
    extraTags.push({ key: 'aws:ec2launchtemplate:id', value: lt.templateId }, { key: 'aws:ec2launchtemplate:version', value: String(lt.version) });
  }
  const tags = tagsFromSpecs(req.TagSpecifications, TAGGABLE_AT_LAUNCH);
  const userData = checkUserData(req.UserData);
  if (req.InstanceInitiatedShutdownBehavior !== undefined && !['stop', 'terminate'].includes(req.InstanceInitiatedShutdownBehavior)) {
    throw invalidParameterValue(`Value (${req.InstanceInitiatedShutdownBehavior}) for parameter instanceInitiatedShutdownBehavior is invalid.`);
  }
  const launch = await launchImage(deps, caller, req.ImageId);
  const { image } = launch;
  const instanceType = req.InstanceType ?? DEFAULT_INSTANCE_TYPE;
  checkType(instanceType, image);
  const keyName = req.KeyName !== undefined ? (await deps.keyPairs.get(caller, req.KeyName)).key_name : null;
  const { associatePublicIp, ...network } = await planNetwork(deps.network, caller, req);
  const devices = await planDevices(deps, caller, { devices: launch.devices, rootDeviceName: image.root_device_name ?? '/dev/xvda' }, req.BlockDeviceMappings ?? []);
  const facts = typeFacts(instanceType);
  const threads = req.CpuOptions?.ThreadsPerCore ?? (facts && facts.vcpus > 1 && facts.manufacturer !== 'AWS' ? 2 : 1);
  // an empty IamInstanceProfile (Packer sends IamInstanceProfile.Name= when none is set) is none, as on AWS
  const given = req.IamInstanceProfile;
  const profile = given && (given.Arn || given.Name) ? await resolveInstanceProfile(deps.store, caller.accountId, given) : undefined;
  const spec: InstanceSpec = {
    virtualizationType: image.virtualization_type,
    hypervisor: image.hypervisor,
    platform: image.platform ?? undefined,
    platformDetails: image.platform_details,
    usageOperation: image.usage_operation,
    bootMode: image.boot_mode ?? undefined,
    currentBootMode: bootMode(instanceType, image.boot_mode),
    enaSupport: Boolean(image.ena_support),
    sriovNetSupport: image.sriov_net_support ?? undefined,
    tpmSupport: image.tpm_support ?? undefined,
    kernelId: req.KernelId ?? image.kernel_id ?? undefined,
    ramdiskId: req.RamdiskId ?? image.ramdisk_id ?? undefined,
    productCodes: launch.productCodes,
    ebsOptimized: req.EbsOptimized ?? false,
    sourceDestCheck: true,
    monitoring: req.Monitoring?.Enabled ?? false,
    metadata: metadataOptions(req.MetadataOptions, image.imds_support),
    cpu: { coreCount: req.CpuOptions?.CoreCount ?? Math.max(1, (facts?.vcpus ?? 1) / threads), threadsPerCore: threads },
    hibernation: req.HibernationOptions?.Configured ?? false,
    tenancy: req.Placement?.Tenancy ?? 'default',
    iamInstanceProfile: profile,
    instanceStore: devices.instanceStore,
    associatePublicIp,
    launchTemplate,
    creditSpecification: req.CreditSpecification?.CpuCredits ?? (facts?.burstable ? (instanceType.startsWith('t2.') ? 'standard' : 'unlimited') : undefined),
  };
  return {
    caller,
    minCount: req.MinCount,
    maxCount: req.MaxCount,
    launch,
    instanceType,
    ...network,
    keyName,
    userData,
    devices,
    spec,
    disableApiTermination: req.DisableApiTermination ?? false,
    disableApiStop: req.DisableApiStop ?? false,
    shutdownBehavior: req.InstanceInitiatedShutdownBehavior ?? 'stop',
    tags,
    systemTags: extraTags,
  };
}
