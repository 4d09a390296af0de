// Instance rows as the EC2 wire shape (Instance, with its block devices, security groups and
// network interfaces: the primary one, from the row (and its own interface row once it has one),
// then the others attached, by device index). As on AWS: a pending instance reports StateReason `pending`;
// a terminated one keeps its identity but no longer has an address, a network interface,
// security groups or block devices. A running instance with a public address shows it with
// its public DNS name, on the instance and on its interface's association.
import type { Instance, InstanceBlockDeviceMapping, InstanceNetworkInterface, Tag } from '../../../api/ec2/types.js';
import type { AttachmentRow, InstanceRow } from '../../../store/repos/instances.js';
import type { Row } from '../../../store/repos/vpc-family.js';
import { findZone } from '../../../config/regions.js';
import { derivedId } from '../resource-ids.js';
import { privateDnsName } from '../networking/default-network.js';
import { publicDnsName } from '../networking/public-addresses.js';
import { groupsOf, specOf, stateOf } from './instance-row.js';
import { monitoringOut } from './instance-monitoring.js';

export interface OutputContext {
  attachments: Map<string, AttachmentRow[]>;
  groupNames: Map<string, string>;
  tags: Map<string, Tag[]>;
  /** network interfaces with rows of their own, by instance, and their secondary addresses (none: no instance has any) */
  interfaces?: { byInstance: Map<string, Row<'network_interfaces'>[]>; secondaries: Map<string, string[]> };
}

/** An attached interface with a row of its own (device index ≥ 1) as the instance shows it. */
function interfaceOut(n: Row<'network_interfaces'>, ctx: OutputContext): InstanceNetworkInterface {
  const dns = privateDnsName(n.region, n.private_ip);
  const groups = (JSON.parse(n.groups) as string[]).map((GroupId) => ({ GroupId, GroupName: ctx.groupNames.get(GroupId) }));
  return {
    Attachment: { AttachTime: new Date(n.attach_time!), AttachmentId: n.attachment_id!, DeleteOnTermination: n.delete_on_termination === 1, DeviceIndex: n.device_index!, Status: 'attached', NetworkCardIndex: 0 },
    Description: n.description,
    Groups: groups,
    Ipv6Addresses: [],
    MacAddress: n.mac_address,
    NetworkInterfaceId: n.eni_id,
    OwnerId: n.account_id,
    PrivateDnsName: dns,
    PrivateIpAddress: n.private_ip,
    PrivateIpAddresses: [{ Primary: true, PrivateDnsName: dns, PrivateIpAddress: n.private_ip }, ...secondaryAddresses(n.eni_id, n.region, ctx)],
    SourceDestCheck: n.source_dest_check === 1,
    Status: 'in-use',
    SubnetId: n.subnet_id,
    VpcId: n.vpc_id,
    InterfaceType: 'interface',
  };
}

const secondaryAddresses = (eniId: string, region: string, ctx: OutputContext) =>
  (ctx.interfaces?.secondaries.get(eniId) ?? []).map((ip) => ({ Primary: false, PrivateDnsName: privateDnsName(region, ip), PrivateIpAddress: ip }));

export function blockDevicesOut(attachments: AttachmentRow[] = []): InstanceBlockDeviceMapping[] {
  return [...attachments]
    .sort((a, b) => (a.device_name < b.device_name ? -1 : 1))
    .map((a) => ({
      DeviceName: a.device_name,
      Ebs: { VolumeId: a.volume_id, Status: a.status as 'attached', AttachTime: new Date(a.attach_time), DeleteOnTermination: Boolean(a.delete_on_termination) },
    }));
}

function stateReason(row: InstanceRow): Instance['StateReason'] {
  if (row.state_reason_code) return { Code: row.state_reason_code, Message: row.state_reason_message ?? row.state_reason_code };
  return row.state === 'pending' ? { Code: 'pending', Message: 'pending' } : undefined;
}

export function instanceOut(row: InstanceRow, ctx: OutputContext): Instance {
  const spec = specOf(row);
  const gone = row.state === 'terminated';
  const dns = gone ? '' : privateDnsName(row.region, row.private_ip);
  const groups = gone ? [] : groupsOf(row).map((GroupId) => ({ GroupId, GroupName: ctx.groupNames.get(GroupId) }));
  const zone = findZone(row.availability_zone);
  const publicIp = gone ? undefined : (row.public_ip ?? undefined);
  const publicDns = publicIp ? publicDnsName(row.region, publicIp) : '';
  const association = publicIp ? { IpOwnerId: 'amazon', PublicDnsName: publicDns, PublicIp: publicIp } : undefined;
  const nics = ctx.interfaces?.byInstance.get(row.instance_id) ?? [];
  // the primary interface's own row, once it has one (its description, attachment, secondary addresses)
  const own = nics.find((n) => n.instance_primary === 1);
  const others = nics.filter((n) => n.instance_primary !== 1).sort((a, b) => a.device_index! - b.device_index!);
  return {
    InstanceId: row.instance_id,
    ImageId: row.image_id,
    State: stateOf(row),
    PrivateDnsName: dns,
    PublicDnsName: publicDns,
    PublicIpAddress: publicIp,
    StateTransitionReason: row.transition_reason,
    KeyName: row.key_name ?? undefined,
    AmiLaunchIndex: row.launch_index,
    ProductCodes: spec.productCodes.map((p) => ({ ProductCodeId: p.code, ProductCodeType: p.type as 'marketplace' })),
    InstanceType: row.instance_type as Instance['InstanceType'],
    LaunchTime: new Date(row.launch_time),
    Placement: { AvailabilityZone: row.availability_zone, AvailabilityZoneId: zone?.zone.id, GroupName: '', Tenancy: spec.tenancy as 'default' },
    KernelId: spec.kernelId,
    RamdiskId: spec.ramdiskId,
    // AWS answers `windows` (the model's enum says `Windows`; DescribeImages says `windows` too)
    Platform: spec.platform === 'windows' ? ('windows' as Instance['Platform']) : undefined,
    Monitoring: monitoringOut(spec),
    SubnetId: gone ? undefined : row.subnet_id,
    VpcId: gone ? undefined : row.vpc_id,
    PrivateIpAddress: gone ? undefined : row.private_ip,
    Architecture: row.architecture as Instance['Architecture'],
    RootDeviceType: 'ebs',
    RootDeviceName: row.root_device_name,
    BlockDeviceMappings: gone ? [] : blockDevicesOut(ctx.attachments.get(row.instance_id)),
    VirtualizationType: spec.virtualizationType as Instance['VirtualizationType'],
    ClientToken: row.client_token ?? '',
    // an untagged instance has no tagSet, as on AWS (and as volumes and snapshots here)
    Tags: ctx.tags.get(row.instance_id)?.length ? ctx.tags.get(row.instance_id) : undefined,
    SecurityGroups: groups,
    SourceDestCheck: spec.sourceDestCheck,
    Hypervisor: spec.hypervisor as Instance['Hypervisor'],
    NetworkInterfaces: gone
      ? []
      : [
          {
            Attachment: {
              AttachTime: new Date(own?.attach_time ?? row.launch_time),
              AttachmentId: own?.attachment_id ?? derivedId('eni-attach', { accountId: row.account_id, region: row.region }, row.eni_id),
              DeleteOnTermination: own ? own.delete_on_termination === 1 : true,
              DeviceIndex: 0,
              Status: 'attached',
              NetworkCardIndex: 0,
            },
            Association: association,
            Description: own?.description ?? '',
            Groups: groups,
            Ipv6Addresses: [],
            MacAddress: row.mac_address,
            NetworkInterfaceId: row.eni_id,
            OwnerId: row.account_id,
            PrivateDnsName: dns,
            PrivateIpAddress: row.private_ip,
            PrivateIpAddresses: [{ Association: association, Primary: true, PrivateDnsName: dns, PrivateIpAddress: row.private_ip }, ...secondaryAddresses(row.eni_id, row.region, ctx)],
            SourceDestCheck: spec.sourceDestCheck,
            Status: 'in-use',
            SubnetId: row.subnet_id,
            VpcId: row.vpc_id,
            InterfaceType: 'interface',
          },
          ...others.map((n) => interfaceOut(n, ctx)),
        ],
    EbsOptimized: spec.ebsOptimized,
    EnaSupport: spec.enaSupport,
    SriovNetSupport: spec.sriovNetSupport,
    StateReason: stateReason(row),
    CpuOptions: { CoreCount: spec.cpu.coreCount, ThreadsPerCore: spec.cpu.threadsPerCore },
    CapacityReservationSpecification: { CapacityReservationPreference: 'open' },
    HibernationOptions: { Configured: spec.hibernation },
    Licenses: [],
    MetadataOptions: {
      State: row.state === 'pending' ? 'pending' : 'applied',
      HttpTokens: spec.metadata.httpTokens,
      HttpPutResponseHopLimit: spec.metadata.hopLimit,
      HttpEndpoint: spec.metadata.httpEndpoint,
      HttpProtocolIpv6: spec.metadata.httpProtocolIpv6,
      InstanceMetadataTags: spec.metadata.instanceMetadataTags,
    },
    EnclaveOptions: { Enabled: false },
    BootMode: spec.bootMode as Instance['BootMode'],
    CurrentInstanceBootMode: spec.currentBootMode,
    PlatformDetails: spec.platformDetails,
    UsageOperation: spec.usageOperation,
    UsageOperationUpdateTime: new Date(row.launch_time),
    PrivateDnsNameOptions: { HostnameType: 'ip-name', EnableResourceNameDnsARecord: false, EnableResourceNameDnsAAAARecord: false },
    MaintenanceOptions: { AutoRecovery: 'default' },
    TpmSupport: spec.tpmSupport,
    IamInstanceProfile: spec.iamInstanceProfile && { Arn: spec.iamInstanceProfile.arn, Id: spec.iamInstanceProfile.id },
    NetworkPerformanceOptions: { BandwidthWeighting: 'default' },
  };
}
