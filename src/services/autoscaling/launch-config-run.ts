// RunInstances for one instance of a group that launches from a launch configuration: its
// parameters mapped onto EC2's (security group ids vs names, block devices, monitoring, the
// instance profile by name or ARN, a public address on the primary interface when the group
// names a subnet), placed in the chosen zone or subnet, with the group's tags.
import type { BlockDeviceMapping, RunInstancesRequest, TagSpecification } from '../../api/ec2/types.js';
import type { LaunchRequest } from './compute-port.js';
import type { LaunchConfigData } from './launch-configs.js';

export function runRequestOf(lc: LaunchConfigData, req: LaunchRequest, userTags: { Key: string; Value: string }[]): RunInstancesRequest {
  const groups = lc.SecurityGroups ?? [];
  const ids = groups.filter((g) => g.startsWith('sg-'));
  const names = groups.filter((g) => !g.startsWith('sg-'));
  const tagSpecs: TagSpecification[] = userTags.length ? [{ ResourceType: 'instance', Tags: userTags }] : [];
  const profile = lc.IamInstanceProfile;
  const network: Partial<RunInstancesRequest> =
    req.subnetId && lc.AssociatePublicIpAddress !== undefined
      ? { NetworkInterfaces: [{ DeviceIndex: 0, SubnetId: req.subnetId, AssociatePublicIpAddress: lc.AssociatePublicIpAddress, ...(ids.length ? { Groups: ids } : {}) }] }
      : {
          ...(req.subnetId ? { SubnetId: req.subnetId } : {}),
          ...(ids.length ? { SecurityGroupIds: ids } : {}),
          ...(names.length ? { SecurityGroups: names } : {}),
        };
  return {
    MinCount: 1,
    MaxCount: 1,
    ClientToken: req.clientToken,
    ImageId: req.imageId ?? lc.ImageId,
    InstanceType: lc.InstanceType as RunInstancesRequest['InstanceType'],
    Placement: req.subnetId ? undefined : { AvailabilityZone: req.zone, ...(lc.PlacementTenancy ? { Tenancy: lc.PlacementTenancy as 'default' } : {}) },
    ...network,
    ...(lc.KeyName ? { KeyName: lc.KeyName } : {}),
    ...(lc.UserData ? { UserData: lc.UserData } : {}),
    ...(lc.KernelId ? { KernelId: lc.KernelId } : {}),
    ...(lc.RamdiskId ? { RamdiskId: lc.RamdiskId } : {}),
    ...(lc.BlockDeviceMappings?.length
      ? {
          BlockDeviceMappings: lc.BlockDeviceMappings.map(
            (b): BlockDeviceMapping => ({
              DeviceName: b.DeviceName,
              ...(b.VirtualName ? { VirtualName: b.VirtualName } : {}),
              ...(b.NoDevice ? { NoDevice: '' } : {}),
              ...(b.Ebs ? { Ebs: { ...b.Ebs, VolumeType: b.Ebs.VolumeType as NonNullable<BlockDeviceMapping['Ebs']>['VolumeType'] } } : {}),
            }),
          ),
        }
      : {}),
    Monitoring: { Enabled: lc.InstanceMonitoring?.Enabled ?? true },
    ...(profile ? { IamInstanceProfile: profile.startsWith('arn:') ? { Arn: profile } : { Name: profile } } : {}),
    ...(lc.EbsOptimized ? { EbsOptimized: true } : {}),
    ...(lc.MetadataOptions ? { MetadataOptions: lc.MetadataOptions } : {}),
    ...(tagSpecs.length ? { TagSpecifications: tagSpecs } : {}),
  };
}
