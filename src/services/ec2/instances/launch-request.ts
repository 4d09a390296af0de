// RunInstances with a launch template: the template's data fills what the request leaves out
// ("any parameters that you specify in RunInstances override the same parameters in the launch
// template"). Block device mappings merge by device name and tags by resource type and key,
// the request's entries winning; everything else is taken whole from one side.
import type { BlockDeviceMapping, RequestLaunchTemplateData, RunInstancesRequest, TagSpecification } from '../../../api/ec2/types.js';

function mergeMappings(template: BlockDeviceMapping[] | undefined, request: BlockDeviceMapping[] | undefined): BlockDeviceMapping[] | undefined {
  if (!template?.length) return request;
  const out = new Map<string | undefined, BlockDeviceMapping>(template.map((m) => [m.DeviceName, m]));
  for (const m of request ?? []) out.set(m.DeviceName, m);
  return [...out.values()];
}

function mergeTags(template: TagSpecification[] | undefined, request: TagSpecification[] | undefined): TagSpecification[] | undefined {
  if (!template?.length) return request;
  const byType = new Map<string | undefined, Map<string | undefined, string | undefined>>();
  for (const spec of [...template, ...(request ?? [])]) {
    const tags = byType.get(spec.ResourceType) ?? new Map();
    for (const t of spec.Tags ?? []) tags.set(t.Key, t.Value);
    byType.set(spec.ResourceType, tags);
  }
  return [...byType].map(([ResourceType, tags]) => ({ ResourceType: ResourceType as TagSpecification['ResourceType'], Tags: [...tags].map(([Key, Value]) => ({ Key, Value })) }));
}

export function withTemplate(req: RunInstancesRequest, t: RequestLaunchTemplateData): RunInstancesRequest {
  const network = req.NetworkInterfaces?.length || req.SubnetId !== undefined || req.SecurityGroupIds?.length || req.SecurityGroups?.length;
  return {
    ...req,
    ImageId: req.ImageId ?? t.ImageId,
    InstanceType: req.InstanceType ?? t.InstanceType,
    KeyName: req.KeyName ?? t.KeyName,
    UserData: req.UserData ?? t.UserData,
    KernelId: req.KernelId ?? t.KernelId,
    RamdiskId: req.RamdiskId ?? t.RamDiskId,
    EbsOptimized: req.EbsOptimized ?? t.EbsOptimized,
    IamInstanceProfile: req.IamInstanceProfile ?? t.IamInstanceProfile,
    BlockDeviceMappings: mergeMappings(t.BlockDeviceMappings as BlockDeviceMapping[] | undefined, req.BlockDeviceMappings),
    // a request naming its own network replaces the template's whole network
    NetworkInterfaces: network ? req.NetworkInterfaces : t.NetworkInterfaces,
    SecurityGroupIds: network ? req.SecurityGroupIds : t.SecurityGroupIds,
    SecurityGroups: network ? req.SecurityGroups : t.SecurityGroups,
    Monitoring: req.Monitoring ?? (t.Monitoring?.Enabled !== undefined ? { Enabled: t.Monitoring.Enabled } : undefined),
    Placement: { ...t.Placement, ...req.Placement },
    DisableApiTermination: req.DisableApiTermination ?? t.DisableApiTermination,
    DisableApiStop: req.DisableApiStop ?? t.DisableApiStop,
    InstanceInitiatedShutdownBehavior: req.InstanceInitiatedShutdownBehavior ?? t.InstanceInitiatedShutdownBehavior,
    TagSpecifications: mergeTags(t.TagSpecifications as TagSpecification[] | undefined, req.TagSpecifications),
    MetadataOptions: req.MetadataOptions ?? t.MetadataOptions,
    CpuOptions: req.CpuOptions ?? t.CpuOptions,
    CreditSpecification: req.CreditSpecification ?? t.CreditSpecification,
    HibernationOptions: req.HibernationOptions ?? t.HibernationOptions,
    EnclaveOptions: req.EnclaveOptions ?? t.EnclaveOptions,
  };
}
