// GetLaunchTemplateData: the launch template data that would launch an instance like this one —
// its AMI, type, key, placement, network (subnet and security groups on the primary interface),
// EBS volumes as mappings (size, type, encryption, source snapshot), user data, attributes and
// user tags — built from what the instance service describes.
import type { LaunchTemplateBlockDeviceMapping, ResponseLaunchTemplateData, Tag } from '../../../api/ec2/types.js';
import type { Store } from '../../../store/store.js';
import type { Scope } from '../../../store/scope.js';
import type { InstanceService } from '../instances/instance-service.js';
import { isReservedKey } from '../tags/tag-rules.js';

export async function templateDataOf(store: Store, instances: InstanceService, caller: Scope, instanceId: string): Promise<ResponseLaunchTemplateData> {
  const { reservations } = await instances.query.describe(caller, { InstanceIds: [instanceId] });
  const i = reservations[0].Instances![0];
  const [row] = await instances.lifecycle.owned(caller, [instanceId]);
  const attr = async (name: string) => instances.attributes.describe(caller, row, name);
  const mappings: LaunchTemplateBlockDeviceMapping[] = [];
  for (const m of i.BlockDeviceMappings ?? []) {
    const volume = m.Ebs?.VolumeId ? await store.volumes.get(m.Ebs.VolumeId) : undefined;
    mappings.push({
      DeviceName: m.DeviceName,
      Ebs: {
        DeleteOnTermination: m.Ebs?.DeleteOnTermination,
        ...(volume
          ? {
              Encrypted: Boolean(volume.encrypted),
              SnapshotId: volume.snapshot_id ?? undefined,
              KmsKeyId: volume.kms_key_arn ?? undefined,
              VolumeSize: volume.size_gib,
              VolumeType: volume.volume_type as never,
              // only the types where they can be chosen (gp2's IOPS follow its size)
              Iops: ['io1', 'io2', 'gp3'].includes(volume.volume_type) ? (volume.iops ?? undefined) : undefined,
              Throughput: volume.volume_type === 'gp3' ? (volume.throughput ?? undefined) : undefined,
            }
          : {}),
      },
    });
  }
  const tags: Tag[] = (i.Tags ?? []).filter((t) => !isReservedKey(t.Key ?? ''));
  return {
    ImageId: i.ImageId,
    InstanceType: i.InstanceType,
    KeyName: i.KeyName,
    KernelId: i.KernelId,
    RamDiskId: i.RamdiskId,
    EbsOptimized: i.EbsOptimized,
    IamInstanceProfile: i.IamInstanceProfile?.Arn ? { Arn: i.IamInstanceProfile.Arn } : undefined,
    BlockDeviceMappings: mappings,
    NetworkInterfaces: [
      {
        DeviceIndex: 0,
        AssociatePublicIpAddress: false,
        DeleteOnTermination: true,
        Description: '',
        Groups: (i.SecurityGroups ?? []).map((g) => g.GroupId!),
        SubnetId: i.SubnetId,
        InterfaceType: 'interface',
      },
    ],
    Placement: { AvailabilityZone: i.Placement?.AvailabilityZone, GroupName: '', Tenancy: i.Placement?.Tenancy ?? 'default' },
    Monitoring: { Enabled: i.Monitoring?.State === 'enabled' || i.Monitoring?.State === 'pending' },
    DisableApiTermination: (await attr('disableApiTermination')).DisableApiTermination?.Value,
    DisableApiStop: (await attr('disableApiStop')).DisableApiStop?.Value,
    InstanceInitiatedShutdownBehavior: (await attr('instanceInitiatedShutdownBehavior')).InstanceInitiatedShutdownBehavior?.Value as ResponseLaunchTemplateData['InstanceInitiatedShutdownBehavior'],
    UserData: (await attr('userData')).UserData?.Value,
    TagSpecifications: tags.length ? [{ ResourceType: 'instance', Tags: tags }] : undefined,
    CpuOptions: i.CpuOptions ? { CoreCount: i.CpuOptions.CoreCount, ThreadsPerCore: i.CpuOptions.ThreadsPerCore } : undefined,
    CapacityReservationSpecification: { CapacityReservationPreference: 'open' },
    HibernationOptions: { Configured: i.HibernationOptions?.Configured ?? false },
    MetadataOptions: i.MetadataOptions
      ? {
          HttpTokens: i.MetadataOptions.HttpTokens,
          HttpPutResponseHopLimit: i.MetadataOptions.HttpPutResponseHopLimit,
          HttpEndpoint: i.MetadataOptions.HttpEndpoint,
          HttpProtocolIpv6: i.MetadataOptions.HttpProtocolIpv6,
          InstanceMetadataTags: i.MetadataOptions.InstanceMetadataTags,
        }
      : undefined,
    EnclaveOptions: { Enabled: i.EnclaveOptions?.Enabled ?? false },
    MaintenanceOptions: { AutoRecovery: i.MaintenanceOptions?.AutoRecovery ?? 'default' },
    PrivateDnsNameOptions: i.PrivateDnsNameOptions,
  };
}
