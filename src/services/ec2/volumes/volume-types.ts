// The EBS volume types and their limits (CreateVolume / ModifyVolume / CopyVolumes references,
// "Amazon EBS volume types"): sizes, IOPS and throughput ranges, and the ratios between them.
// Messages follow the ones AWS sends (e.g. "Volume of 2000GiB is too large for volume type
// standard; maximum is 1024GiB", "Iops to volume size ratio of 750.000000 is too high; maximum
// is 500", "The parameter iops must be specified for io1 volumes.").
import { invalidParameterCombination, invalidParameterValue } from '../ec2-errors.js';

export type VolumeTypeName = 'standard' | 'io1' | 'io2' | 'gp2' | 'sc1' | 'st1' | 'gp3';

interface TypeLimits {
  size: [number, number];
  /** provisioned IOPS range and maximum IOPS per GiB (gp3/io1/io2 only) */
  iops?: { range: [number, number]; perGib: number; baseline?: number };
  /** provisioned throughput range (MiB/s) and maximum MiB/s per IOPS (gp3 only) */
  throughput?: { range: [number, number]; perIops: number };
}

export const VOLUME_TYPES: Record<VolumeTypeName, TypeLimits> = {
  gp2: { size: [1, 16384] },
  gp3: { size: [1, 65536], iops: { range: [3000, 80000], perGib: 500, baseline: 3000 }, throughput: { range: [125, 2000], perIops: 0.25 } },
  io1: { size: [4, 16384], iops: { range: [100, 64000], perGib: 50 } },
  io2: { size: [4, 65536], iops: { range: [100, 256000], perGib: 1000 } },
  st1: { size: [125, 16384] },
  sc1: { size: [125, 16384] },
  standard: { size: [1, 1024] },
};

export const DEFAULT_VOLUME_TYPE: VolumeTypeName = 'gp2';
export const GP3_DEFAULT_IOPS = 3000;
export const GP3_DEFAULT_THROUGHPUT = 125;

export function limitsOf(type: string): TypeLimits {
  const limits = VOLUME_TYPES[type as VolumeTypeName];
  if (!limits) throw invalidParameterValue(`Value (${type}) for parameter volumeType is invalid.`);
  return limits;
}

export function checkSize(type: string, sizeGib: number): void {
  const [min, max] = limitsOf(type).size;
  if (!Number.isInteger(sizeGib) || sizeGib > max) {
    throw invalidParameterValue(`Volume of ${sizeGib}GiB is too large for volume type ${type}; maximum is ${max}GiB`);
  }
  if (sizeGib < min) throw invalidParameterValue(`Volume of ${sizeGib}GiB is too small for volume type ${type}; minimum is ${min}GiB`);
}

/** gp2's baseline IOPS, which AWS reports as the volume's Iops: 3 per GiB, 100 to 16,000. */
export function gp2Iops(sizeGib: number): number {
  return Math.min(16000, Math.max(100, 3 * sizeGib));
}

export interface Performance {
  iops: number | null;
  throughput: number | null;
}

/**
 * Checks size, IOPS and throughput for a volume type and fills in what is implied: gp2's
 * baseline IOPS, and the `defaults` (gp3's 3,000 IOPS / 125 MiB/s on creation; the retained
 * values on modification). io1/io2 need IOPS given or defaulted.
 */
export function resolvePerformance(type: string, sizeGib: number, iops: number | undefined, throughput: number | undefined, defaults: Partial<Performance> = {}): Performance {
  const limits = limitsOf(type);
  checkSize(type, sizeGib);
  if (!limits.iops && iops !== undefined) throw invalidParameterCombination(`The parameter iops is not supported for ${type} volumes.`);
  if (!limits.throughput && throughput !== undefined) throw invalidParameterCombination('throughput can only be specified for volumeType gp3.');
  if (!limits.iops) return { iops: type === 'gp2' ? gp2Iops(sizeGib) : null, throughput: null };

  const effectiveIops = iops ?? defaults.iops ?? undefined;
  if (effectiveIops === undefined || effectiveIops === null) {
    throw invalidParameterCombination(`The parameter iops must be specified for ${type} volumes.`);
  }
  const [minIops, maxIops] = limits.iops.range;
  if (!Number.isInteger(effectiveIops) || effectiveIops < minIops) throw invalidParameterValue(`Volume iops of ${effectiveIops} is too low; minimum is ${minIops}.`);
  if (effectiveIops > maxIops) throw invalidParameterValue(`Volume iops of ${effectiveIops} is too high; maximum is ${maxIops}.`);
  // gp3's baseline is available at every size; only IOPS above it are bound to the size
  if (effectiveIops > (limits.iops.baseline ?? 0) && effectiveIops > limits.iops.perGib * sizeGib) {
    throw invalidParameterValue(`Iops to volume size ratio of ${(effectiveIops / sizeGib).toFixed(6)} is too high; maximum is ${limits.iops.perGib}`);
  }
  if (!limits.throughput) return { iops: effectiveIops, throughput: null };

  const effectiveThroughput = throughput ?? defaults.throughput ?? GP3_DEFAULT_THROUGHPUT;
  const [minTp, maxTp] = limits.throughput.range;
  if (!Number.isInteger(effectiveThroughput) || effectiveThroughput < minTp || effectiveThroughput > maxTp) {
    throw invalidParameterValue(`Value (${effectiveThroughput}) for parameter throughput is invalid. Expected a value between ${minTp} and ${maxTp} MiB/s.`);
  }
  if (effectiveThroughput > minTp && effectiveThroughput > limits.throughput.perIops * effectiveIops) {
    throw invalidParameterValue(
      `Throughput (MiBps) to iops ratio of ${(effectiveThroughput / effectiveIops).toFixed(6)} is too high; maximum is ${limits.throughput.perIops.toFixed(6)} MiBps per iops.`,
    );
  }
  return { iops: effectiveIops, throughput: effectiveThroughput };
}

export function supportsMultiAttach(type: string): boolean {
  return type === 'io1' || type === 'io2';
}
