// What a driver can read of a running VM's work — cumulative counters, sampled — and the pure
// arithmetic that turns two samples into CloudWatch's per-period values (AWS/EC2 CPUUtilization,
// EBS*, Network*; AWS/EBS Volume*). Counters only grow while a VM runs; one that went down (a
// device re-plugged, a VM restarted) starts over, and its delta is its new value.
//
//   CPUUtilization  = vCPU seconds used / (wall seconds × vCPUs) × 100, clamped to 0..100
//   VolumeIdleTime  = wall seconds − busy seconds (the operations' total time, capped at the
//                     period: overlapping operations make busy an upper bound, idle a lower one)
//   VolumeQueueLength = Σ operation time / wall time (Little's law: the mean number of
//                     operations in flight over the period)

export interface DiskCounters {
  readBytes: number;
  writeBytes: number;
  readOps: number;
  writeOps: number;
  /** total time of completed reads, writes and flushes, ns */
  readTimeNs: number;
  writeTimeNs: number;
  flushTimeNs: number;
}

export interface NetworkCounters {
  /** received by the instance */
  inBytes: number;
  inPackets: number;
  /** sent by the instance */
  outBytes: number;
  outPackets: number;
}

export interface VmCounters {
  /** when the sample was taken, ms (a monotonic clock: performance.now() + timeOrigin) */
  at: number;
  vcpus: number;
  /** CPU seconds the VM's vCPUs ran so far; absent when the driver cannot tell */
  cpuSeconds?: number;
  /** by volume id */
  disks: Record<string, DiskCounters>;
  /** absent when the driver has no source for them */
  network?: NetworkCounters;
  /** metadata service requests answered without a session token so far (IMDSv1) */
  metadataNoToken?: number;
}

export interface DiskPeriod {
  readBytes: number;
  writeBytes: number;
  readOps: number;
  writeOps: number;
  /** seconds */
  readTime: number;
  writeTime: number;
  idleTime: number;
  queueLength: number;
}

export interface VmPeriod {
  /** wall seconds between the samples */
  seconds: number;
  cpuUtilization?: number;
  disks: Record<string, DiskPeriod>;
  network?: NetworkCounters;
  metadataNoToken?: number;
}

/** What grew between two readings of one counter (a counter that went down started over). */
export const grew = (before: number, after: number) => (after >= before ? after - before : after);

export function cpuUtilization(a: Pick<VmCounters, 'at' | 'cpuSeconds' | 'vcpus'>, b: Pick<VmCounters, 'at' | 'cpuSeconds' | 'vcpus'>): number | undefined {
  if (a.cpuSeconds === undefined || b.cpuSeconds === undefined) return undefined;
  const wall = (b.at - a.at) / 1000;
  if (wall <= 0 || b.vcpus <= 0) return undefined;
  const pct = (grew(a.cpuSeconds, b.cpuSeconds) / (wall * b.vcpus)) * 100;
  return Math.min(100, Math.max(0, pct));
}

export function diskPeriod(a: DiskCounters, b: DiskCounters, seconds: number): DiskPeriod {
  const readTime = grew(a.readTimeNs, b.readTimeNs) / 1e9;
  const writeTime = grew(a.writeTimeNs, b.writeTimeNs) / 1e9;
  const busy = readTime + writeTime + grew(a.flushTimeNs, b.flushTimeNs) / 1e9;
  const readOps = grew(a.readOps, b.readOps);
  const writeOps = grew(a.writeOps, b.writeOps);
  return {
    readBytes: grew(a.readBytes, b.readBytes),
    writeBytes: grew(a.writeBytes, b.writeBytes),
    readOps,
    writeOps,
    readTime,
    writeTime,
    idleTime: seconds - Math.min(busy, seconds),
    queueLength: seconds > 0 ? busy / seconds : 0,
  };
}

export function networkPeriod(a: NetworkCounters, b: NetworkCounters): NetworkCounters {
  return { inBytes: grew(a.inBytes, b.inBytes), inPackets: grew(a.inPackets, b.inPackets), outBytes: grew(a.outBytes, b.outBytes), outPackets: grew(a.outPackets, b.outPackets) };
}

/** The period between two samples of one VM; volumes present in only one sample are left out. */
export function vmPeriod(a: VmCounters, b: VmCounters): VmPeriod | undefined {
  const seconds = (b.at - a.at) / 1000;
  if (seconds <= 0) return undefined;
  const disks: Record<string, DiskPeriod> = {};
  for (const [volumeId, counters] of Object.entries(b.disks)) {
    const before = a.disks[volumeId];
    if (before) disks[volumeId] = diskPeriod(before, counters, seconds);
  }
  return {
    seconds,
    cpuUtilization: cpuUtilization(a, b),
    disks,
    network: a.network && b.network ? networkPeriod(a.network, b.network) : undefined,
    metadataNoToken: a.metadataNoToken !== undefined && b.metadataNoToken !== undefined ? grew(a.metadataNoToken, b.metadataNoToken) : undefined,
  };
}

/** A task's CPU time from /proc/<pid>/task/<tid>/schedstat (first field: ns on a CPU). */
export function parseSchedstat(text: string): number | undefined {
  const ns = Number(text.trim().split(/\s+/)[0]);
  return Number.isFinite(ns) && text.trim() !== '' ? ns / 1e9 : undefined;
}

/** USER_HZ, the unit of /proc's tick counts: fixed at 100 by the kernel's ABI on Linux. */
const USER_HZ = 100;

/** A task's utime + stime from /proc/<pid>/stat (fields 14 and 15; the name may hold spaces and parentheses). */
export function parseProcStat(text: string): number | undefined {
  const close = text.lastIndexOf(')');
  if (close < 0) return undefined;
  const fields = text.slice(close + 2).split(' ');
  // fields[0] is field 3 (state): utime is field 14, stime field 15
  const utime = Number(fields[11]);
  const stime = Number(fields[12]);
  return Number.isFinite(utime) && Number.isFinite(stime) ? (utime + stime) / USER_HZ : undefined;
}

/** QMP query-blockstats' answer -> counters by volume id (devices whose node is `disk-<volume id>`). */
export function blockstatsCounters(answer: unknown, volumeOf: (nodeName: string) => string | undefined): Record<string, DiskCounters> {
  const out: Record<string, DiskCounters> = {};
  if (!Array.isArray(answer)) return out;
  for (const entry of answer as { 'node-name'?: string; stats?: Record<string, unknown> }[]) {
    const volumeId = entry['node-name'] ? volumeOf(entry['node-name']) : undefined;
    const s = entry.stats;
    if (!volumeId || !s) continue;
    const n = (k: string) => (typeof s[k] === 'number' ? (s[k] as number) : 0);
    out[volumeId] = {
      readBytes: n('rd_bytes'),
      writeBytes: n('wr_bytes'),
      readOps: n('rd_operations'),
      writeOps: n('wr_operations'),
      readTimeNs: n('rd_total_time_ns'),
      writeTimeNs: n('wr_total_time_ns'),
      flushTimeNs: n('flush_total_time_ns'),
    };
  }
  return out;
}
