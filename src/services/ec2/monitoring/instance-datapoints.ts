// What one instance publishes to CloudWatch for one period, as AWS names it (pure: the collector,
// instance-metrics.ts, feeds it what it sampled).
//
// AWS/EC2, dimension InstanceId, plus the aggregates AWS publishes: AutoScalingGroupName for a
// group's members (basic and detailed monitoring), ImageId, InstanceType and the dimensionless
// all-instances aggregate (detailed monitoring only). Metrics, as on a Nitro instance whose
// volumes are all EBS (no instance store: DiskRead/Write* are not published):
//   CPUUtilization (Percent), EBSReadOps/EBSWriteOps (Count), EBSReadBytes/EBSWriteBytes (Bytes),
//   NetworkIn/NetworkOut (Bytes), NetworkPacketsIn/NetworkPacketsOut (Count), MetadataNoToken
//   (Count: metadata requests answered without a token) — where the driver has a source; StatusCheckFailed_Instance/_System/_AttachedEBS and StatusCheckFailed (Count,
//   0 or 1) every minute whatever the monitoring, once the checks are no longer initializing.
// AWS/EBS, dimension VolumeId, every minute for attached volumes: VolumeReadBytes/WriteBytes
// (Bytes), VolumeReadOps/WriteOps (Count), VolumeTotalReadTime/TotalWriteTime/IdleTime
// (Seconds), VolumeQueueLength (Count).
//
// Basic monitoring publishes every fifth period: the five periods' values as one statistic set
// (SampleCount 5, Sum, Minimum, Maximum) stamped with the start of the five, so Sum is the
// bytes of five minutes and Average the per-minute mean, as AWS's 5-minute data.
import type { InstanceHealth } from '../../../compute/instance-driver.js';
import type { VmPeriod } from '../../../compute/vm-counters.js';
import type { Dimension, MetricDatum, StatisticSet } from '../../cloudwatch/metrics/metric-store.js';

export interface InstanceFacts {
  instanceId: string;
  imageId: string;
  instanceType: string;
  /** detailed monitoring */
  detailed: boolean;
  autoScalingGroupName?: string;
}

export interface Value {
  namespace: string;
  metricName: string;
  unit: string;
  value: number;
}

const ec2 = (metricName: string, unit: string, value: number): Value => ({ namespace: 'AWS/EC2', metricName, unit, value });

/** The per-instance AWS/EC2 values of one period (what the driver measured). */
export function usageValues(period: VmPeriod): Value[] {
  const out: Value[] = [];
  if (period.cpuUtilization !== undefined) out.push(ec2('CPUUtilization', 'Percent', period.cpuUtilization));
  const disks = Object.values(period.disks);
  if (disks.length) {
    const sum = (f: (d: (typeof disks)[number]) => number) => disks.reduce((n, d) => n + f(d), 0);
    out.push(ec2('EBSReadOps', 'Count', sum((d) => d.readOps)), ec2('EBSWriteOps', 'Count', sum((d) => d.writeOps)));
    out.push(ec2('EBSReadBytes', 'Bytes', sum((d) => d.readBytes)), ec2('EBSWriteBytes', 'Bytes', sum((d) => d.writeBytes)));
  }
  const n = period.network;
  if (n) {
    out.push(ec2('NetworkIn', 'Bytes', n.inBytes), ec2('NetworkOut', 'Bytes', n.outBytes));
    out.push(ec2('NetworkPacketsIn', 'Count', n.inPackets), ec2('NetworkPacketsOut', 'Count', n.outPackets));
  }
  if (period.metadataNoToken !== undefined) out.push(ec2('MetadataNoToken', 'Count', period.metadataNoToken));
  return out;
}

/** The status check values (none while the checks initialize: AWS has no data then). */
export function statusValues(health: InstanceHealth | undefined): Value[] {
  if (!health || health.instance === 'initializing' || health.system === 'initializing') return [];
  const instance = health.instance === 'impaired' ? 1 : 0;
  const system = health.system === 'impaired' ? 1 : 0;
  // the attached volumes are reached through the host: they fail with it
  return [ec2('StatusCheckFailed_Instance', 'Count', instance), ec2('StatusCheckFailed_System', 'Count', system), ec2('StatusCheckFailed_AttachedEBS', 'Count', system), ec2('StatusCheckFailed', 'Count', Math.max(instance, system))];
}

/** AWS/EBS values of each volume for one period. */
export function volumeData(period: VmPeriod, timestamp: Date): MetricDatum[] {
  const out: MetricDatum[] = [];
  for (const [volumeId, d] of Object.entries(period.disks)) {
    const dimensions = [{ name: 'VolumeId', value: volumeId }];
    const v = (metricName: string, unit: string, value: number): MetricDatum => ({ namespace: 'AWS/EBS', metricName, dimensions, timestamp, unit, values: [{ value, count: 1 }], storageResolution: 60 });
    out.push(
      v('VolumeReadBytes', 'Bytes', d.readBytes),
      v('VolumeWriteBytes', 'Bytes', d.writeBytes),
      v('VolumeReadOps', 'Count', d.readOps),
      v('VolumeWriteOps', 'Count', d.writeOps),
      v('VolumeTotalReadTime', 'Seconds', d.readTime),
      v('VolumeTotalWriteTime', 'Seconds', d.writeTime),
      v('VolumeIdleTime', 'Seconds', d.idleTime),
      v('VolumeQueueLength', 'Count', d.queueLength),
    );
  }
  return out;
}

/** The dimension sets an instance's AWS/EC2 metrics are published under. */
export function dimensionSets(facts: InstanceFacts): Dimension[][] {
  const sets: Dimension[][] = [[{ name: 'InstanceId', value: facts.instanceId }]];
  if (facts.autoScalingGroupName) sets.push([{ name: 'AutoScalingGroupName', value: facts.autoScalingGroupName }]);
  if (facts.detailed) sets.push([{ name: 'ImageId', value: facts.imageId }], [{ name: 'InstanceType', value: facts.instanceType }], []);
  return sets;
}

/** Values (or statistic sets) under every dimension set of the instance. */
export function instanceData(facts: InstanceFacts, values: readonly (Value | (Omit<Value, 'value'> & { set: StatisticSet }))[], timestamp: Date): MetricDatum[] {
  const out: MetricDatum[] = [];
  for (const dimensions of dimensionSets(facts)) {
    for (const v of values) {
      const base = { namespace: v.namespace, metricName: v.metricName, dimensions, timestamp, unit: v.unit, storageResolution: 60 as const };
      out.push('set' in v ? { ...base, statisticValues: v.set } : { ...base, values: [{ value: v.value, count: 1 }] });
    }
  }
  return out;
}

/** Basic monitoring's five periods of one instance, gathered into statistic sets. */
export class FivePeriods {
  private readonly sets = new Map<string, Omit<Value, 'value'> & { set: StatisticSet }>();

  add(values: readonly Value[]): void {
    for (const v of values) {
      const key = `${v.namespace}\u0000${v.metricName}`;
      const got = this.sets.get(key);
      if (!got) this.sets.set(key, { namespace: v.namespace, metricName: v.metricName, unit: v.unit, set: { sampleCount: 1, sum: v.value, minimum: v.value, maximum: v.value } });
      else {
        const s = got.set;
        s.sampleCount++;
        s.sum += v.value;
        s.minimum = Math.min(s.minimum, v.value);
        s.maximum = Math.max(s.maximum, v.value);
      }
    }
  }

  /** what was gathered, emptied */
  take(): (Omit<Value, 'value'> & { set: StatisticSet })[] {
    const out = [...this.sets.values()];
    this.sets.clear();
    return out;
  }
}
