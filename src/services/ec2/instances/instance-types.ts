// Static facts about instance types: a catalog of the common families (vCPUs, memory,
// architectures, boot modes, hypervisor) for DescribeInstanceTypes and launch checks. Types the
// model knows but the catalog does not still launch; their architecture follows the family
// name (Graviton families carry a `g`: m6g, c7gn, t4g; `a1` is Arm; mac1/mac2 are Macs).
import type { InstanceTypeInfo } from '../../../api/ec2/types.js';

interface Family {
  arch: string[];
  /** GiB of memory per vCPU */
  ratio: number;
  nitro: boolean;
  current: boolean;
  manufacturer: string;
  ghz: number;
}

const intel = (ratio: number, current = true): Family => ({ arch: ['x86_64'], ratio, nitro: true, current, manufacturer: 'Intel', ghz: 3.1 });
const amd = (ratio: number): Family => ({ arch: ['x86_64'], ratio, nitro: true, current: true, manufacturer: 'AMD', ghz: 3.3 });
const graviton = (ratio: number): Family => ({ arch: ['arm64'], ratio, nitro: true, current: true, manufacturer: 'AWS', ghz: 2.5 });

const FAMILIES: Record<string, Family> = {
  m5: intel(4), m5a: amd(4), m6i: intel(4), m6a: amd(4), m7i: intel(4), m7a: amd(4), m6g: graviton(4), m7g: graviton(4), m8g: graviton(4),
  c5: intel(2), c5a: amd(2), c6i: intel(2), c6a: amd(2), c7i: intel(2), c7a: amd(2), c6g: graviton(2), c7g: graviton(2), c8g: graviton(2),
  r5: intel(8), r5a: amd(8), r6i: intel(8), r6a: amd(8), r7i: intel(8), r6g: graviton(8), r7g: graviton(8),
  a1: { ...graviton(2), current: false },
};

const SIZES: Record<string, number> = { medium: 1, large: 2, xlarge: 4, '2xlarge': 8, '4xlarge': 16, '8xlarge': 32, '12xlarge': 48, '16xlarge': 64, '24xlarge': 96 };

export interface TypeFacts {
  name: string;
  vcpus: number;
  memoryMiB: number;
  architectures: string[];
  bootModes: string[];
  hypervisor: 'xen' | 'nitro';
  burstable: boolean;
  current: boolean;
  freeTier: boolean;
  manufacturer: string;
  ghz: number;
}

// burstable and older types, listed one by one: [vcpus, MiB]
const LISTED: Record<string, [number, number]> = {
  'm1.small': [1, 1740],
  't2.nano': [1, 512], 't2.micro': [1, 1024], 't2.small': [1, 2048], 't2.medium': [2, 4096], 't2.large': [2, 8192], 't2.xlarge': [4, 16384], 't2.2xlarge': [8, 32768],
  't3.nano': [2, 512], 't3.micro': [2, 1024], 't3.small': [2, 2048], 't3.medium': [2, 4096], 't3.large': [2, 8192], 't3.xlarge': [4, 16384], 't3.2xlarge': [8, 32768],
  't3a.nano': [2, 512], 't3a.micro': [2, 1024], 't3a.small': [2, 2048], 't3a.medium': [2, 4096], 't3a.large': [2, 8192], 't3a.xlarge': [4, 16384], 't3a.2xlarge': [8, 32768],
  't4g.nano': [2, 512], 't4g.micro': [2, 1024], 't4g.small': [2, 2048], 't4g.medium': [2, 4096], 't4g.large': [2, 8192], 't4g.xlarge': [4, 16384], 't4g.2xlarge': [8, 32768],
};

function listed(name: string): TypeFacts | undefined {
  const row = LISTED[name];
  if (!row) return undefined;
  const family = name.split('.')[0];
  const xen = family === 't2' || family === 'm1';
  const arm = family === 't4g';
  return {
    name,
    vcpus: row[0],
    memoryMiB: row[1],
    architectures: arm ? ['arm64'] : xen ? ['i386', 'x86_64'] : ['x86_64'],
    bootModes: arm ? ['uefi'] : xen ? ['legacy-bios'] : ['legacy-bios', 'uefi'],
    hypervisor: xen ? 'xen' : 'nitro',
    burstable: family !== 'm1',
    current: family !== 'm1',
    freeTier: name === 't2.micro' || name === 't3.micro',
    manufacturer: arm ? 'AWS' : family === 't3a' ? 'AMD' : 'Intel',
    ghz: arm ? 2.5 : 2.5,
  };
}

const facts = new Map<string, TypeFacts | undefined>();

/** The catalog's facts about a type, when it has them. */
export function typeFacts(name: string): TypeFacts | undefined {
  if (!facts.has(name)) facts.set(name, computeFacts(name));
  return facts.get(name);
}

function computeFacts(name: string): TypeFacts | undefined {
  const known = listed(name);
  if (known) return known;
  const [family, size] = name.split('.');
  const f = FAMILIES[family];
  const vcpus = SIZES[size];
  if (!f || !vcpus || (size === 'medium' && !f.arch.includes('arm64'))) return undefined;
  return {
    name,
    vcpus,
    memoryMiB: Math.round(vcpus * f.ratio * 1024),
    architectures: f.arch,
    bootModes: f.arch.includes('arm64') ? ['uefi'] : ['legacy-bios', 'uefi'],
    hypervisor: 'nitro',
    burstable: false,
    current: f.current,
    freeTier: false,
    manufacturer: f.manufacturer,
    ghz: f.ghz,
  };
}

const ANY_SIZE: Record<string, number> = { nano: 1, micro: 1, small: 1, ...SIZES, '3xlarge': 12, '6xlarge': 24, '9xlarge': 36, '18xlarge': 72, '32xlarge': 128, '48xlarge': 192, metal: 96 };

/**
 * Facts for any type the model names: the catalog's, else an estimate from the name (vCPUs by
 * size, 4 GiB per vCPU, architecture by family) so that DescribeInstanceTypes can answer.
 */
export function anyTypeFacts(name: string): TypeFacts {
  const known = typeFacts(name);
  if (known) return known;
  const [, size = 'large'] = name.split('.');
  const vcpus = ANY_SIZE[size.replace(/-.*$/, '')] ?? 2;
  const archs = architecturesOf(name);
  const arm = archs.includes('arm64');
  return { name, vcpus, memoryMiB: vcpus * 4096, architectures: archs, bootModes: arm ? ['uefi'] : ['legacy-bios', 'uefi'], hypervisor: 'nitro', burstable: false, current: true, freeTier: false, manufacturer: arm ? 'AWS' : 'Intel', ghz: 3.0 };
}

export function catalogTypes(): TypeFacts[] {
  const names = [...Object.keys(LISTED), ...Object.keys(FAMILIES).flatMap((f) => Object.keys(SIZES).map((s) => `${f}.${s}`))];
  return names.map(typeFacts).filter((t): t is TypeFacts => t !== undefined);
}

/** The architectures a type runs (catalog, else by family name). */
export function architecturesOf(name: string): string[] {
  const known = typeFacts(name);
  if (known) return known.architectures;
  const family = name.split('.')[0];
  if (family.startsWith('mac2')) return ['arm64_mac'];
  if (family.startsWith('mac')) return ['x86_64_mac'];
  if (family === 'a1' || /^[a-z]+\d+[a-z]*g[a-z]*$/.test(family)) return ['arm64'];
  return ['x86_64'];
}

export function typeInfoOut(t: TypeFacts): InstanceTypeInfo {
  const threads = t.vcpus > 1 && t.manufacturer !== 'AWS' ? 2 : 1;
  return {
    InstanceType: t.name as InstanceTypeInfo['InstanceType'],
    CurrentGeneration: t.current,
    FreeTierEligible: t.freeTier,
    SupportedUsageClasses: ['on-demand', 'spot'],
    SupportedRootDeviceTypes: ['ebs'],
    SupportedVirtualizationTypes: t.hypervisor === 'xen' ? ['hvm', 'paravirtual'] : ['hvm'],
    BareMetal: false,
    Hypervisor: t.hypervisor,
    ProcessorInfo: { SupportedArchitectures: t.architectures as never, SustainedClockSpeedInGhz: t.ghz, Manufacturer: t.manufacturer },
    VCpuInfo: { DefaultVCpus: t.vcpus, DefaultCores: t.vcpus / threads, DefaultThreadsPerCore: threads },
    MemoryInfo: { SizeInMiB: t.memoryMiB },
    InstanceStorageSupported: false,
    EbsInfo: { EbsOptimizedSupport: t.hypervisor === 'nitro' ? 'default' : 'unsupported', EncryptionSupport: 'supported', NvmeSupport: t.hypervisor === 'nitro' ? 'required' : 'unsupported' },
    NetworkInfo: {
      NetworkPerformance: t.vcpus >= 16 ? 'Up to 12.5 Gigabit' : 'Up to 5 Gigabit',
      MaximumNetworkInterfaces: Math.min(15, Math.max(2, t.vcpus)),
      MaximumNetworkCards: 1,
      DefaultNetworkCardIndex: 0,
      Ipv4AddressesPerInterface: Math.min(50, Math.max(2, t.vcpus * 3)),
      Ipv6AddressesPerInterface: Math.min(50, Math.max(2, t.vcpus * 3)),
      Ipv6Supported: t.hypervisor === 'nitro',
      EnaSupport: t.hypervisor === 'nitro' ? 'required' : 'unsupported',
      EfaSupported: false,
      EncryptionInTransitSupported: false,
    },
    PlacementGroupInfo: { SupportedStrategies: ['partition', 'spread', ...(t.burstable ? [] : (['cluster'] as const))] },
    HibernationSupported: t.hypervisor === 'nitro',
    BurstablePerformanceSupported: t.burstable,
    DedicatedHostsSupported: !t.burstable,
    AutoRecoverySupported: true,
    SupportedBootModes: t.bootModes as never,
    NitroEnclavesSupport: 'unsupported',
    NitroTpmSupport: t.hypervisor === 'nitro' ? 'supported' : 'unsupported',
    PhcSupport: 'unsupported',
  };
}
