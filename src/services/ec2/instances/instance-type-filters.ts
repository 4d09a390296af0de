// DescribeInstanceTypes' filters over InstanceTypeInfo (the API reference's names; facts the
// static catalog does not hold match nothing).
import type { InstanceTypeInfo } from '../../../api/ec2/types.js';
import type { FilterSpec } from '../filters.js';

const none = () => undefined;

const UNKNOWN = [
  'ebs-info.attachment-limit-type', 'ebs-info.maximum-ebs-attachments', 'ebs-info.ebs-optimized-info.baseline-bandwidth-in-mbps',
  'ebs-info.ebs-optimized-info.baseline-iops', 'ebs-info.ebs-optimized-info.baseline-throughput-in-mbps',
  'ebs-info.ebs-optimized-info.maximum-bandwidth-in-mbps', 'ebs-info.ebs-optimized-info.maximum-iops',
  'ebs-info.ebs-optimized-info.maximum-throughput-in-mbps', 'instance-storage-info.disk.count', 'instance-storage-info.disk.size-in-gb',
  'instance-storage-info.disk.type', 'instance-storage-info.encryption-support', 'instance-storage-info.nvme-support',
  'instance-storage-info.total-size-in-gb', 'network-info.bandwidth-weightings', 'network-info.efa-info.maximum-efa-interfaces',
  'network-info.flexible-ena-queues-support', 'nitro-tpm-info.supported-versions', 'processor-info.supported-features',
  'reboot-migration-support', 'vcpu-info.valid-cores', 'vcpu-info.valid-threads-per-core',
];

export const INSTANCE_TYPE_FILTERS: FilterSpec<InstanceTypeInfo> = {
  fields: {
    ...Object.fromEntries(UNKNOWN.map((n) => [n, none])),
    'auto-recovery-supported': (t) => t.AutoRecoverySupported,
    'bare-metal': (t) => t.BareMetal,
    'burstable-performance-supported': (t) => t.BurstablePerformanceSupported,
    'current-generation': (t) => t.CurrentGeneration,
    'dedicated-hosts-supported': (t) => t.DedicatedHostsSupported,
    'ebs-info.ebs-optimized-support': (t) => t.EbsInfo?.EbsOptimizedSupport,
    'ebs-info.encryption-support': (t) => t.EbsInfo?.EncryptionSupport,
    'ebs-info.nvme-support': (t) => t.EbsInfo?.NvmeSupport,
    'free-tier-eligible': (t) => t.FreeTierEligible,
    'hibernation-supported': (t) => t.HibernationSupported,
    hypervisor: (t) => t.Hypervisor,
    'instance-storage-supported': (t) => t.InstanceStorageSupported,
    'instance-type': (t) => t.InstanceType,
    'memory-info.size-in-mib': (t) => t.MemoryInfo?.SizeInMiB,
    'network-info.efa-supported': (t) => t.NetworkInfo?.EfaSupported,
    'network-info.ena-support': (t) => t.NetworkInfo?.EnaSupport,
    'network-info.encryption-in-transit-supported': (t) => t.NetworkInfo?.EncryptionInTransitSupported,
    'network-info.ipv4-addresses-per-interface': (t) => t.NetworkInfo?.Ipv4AddressesPerInterface,
    'network-info.ipv6-addresses-per-interface': (t) => t.NetworkInfo?.Ipv6AddressesPerInterface,
    'network-info.ipv6-supported': (t) => t.NetworkInfo?.Ipv6Supported,
    'network-info.maximum-network-cards': (t) => t.NetworkInfo?.MaximumNetworkCards,
    'network-info.maximum-network-interfaces': (t) => t.NetworkInfo?.MaximumNetworkInterfaces,
    'network-info.network-performance': (t) => t.NetworkInfo?.NetworkPerformance,
    'nitro-enclaves-support': (t) => t.NitroEnclavesSupport,
    'nitro-tpm-support': (t) => t.NitroTpmSupport,
    'processor-info.supported-architecture': (t) => t.ProcessorInfo?.SupportedArchitectures,
    'processor-info.sustained-clock-speed-in-ghz': (t) => t.ProcessorInfo?.SustainedClockSpeedInGhz,
    'supported-boot-mode': (t) => t.SupportedBootModes,
    'supported-root-device-type': (t) => t.SupportedRootDeviceTypes,
    'supported-usage-class': (t) => t.SupportedUsageClasses,
    'supported-virtualization-type': (t) => t.SupportedVirtualizationTypes,
    'vcpu-info.default-cores': (t) => t.VCpuInfo?.DefaultCores,
    'vcpu-info.default-threads-per-core': (t) => t.VCpuInfo?.DefaultThreadsPerCore,
    'vcpu-info.default-vcpus': (t) => t.VCpuInfo?.DefaultVCpus,
  },
};
