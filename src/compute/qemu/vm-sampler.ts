// Reads a running QEMU VM's counters for its metrics (compute/vm-counters.ts), cheaply enough to
// run for every VM every period (bench/metrics-collection.ts measures it): no process spawned,
// one small /proc read per vCPU and one QMP command per sample.
//
// - CPU: the vCPU threads' time on a CPU (/proc/<pid>/task/<tid>/schedstat, ns; /stat's ticks
//   where schedstat is missing), the threads named by QMP query-cpus-fast once. Only the vCPU
//   threads count, as EC2's CPUUtilization is the guest's use of its vCPUs: QEMU's own I/O and
//   slirp threads are the host's overhead, not the instance's.
// - Disks: QMP query-blockstats, by the `disk-<volume id>` node of each virtio-blk disk
//   (hot-plugged ones included).
// - Network: the netdev's packet counter (vm-network-counter.ts), when the VM has one.
// - MetadataNoToken: the metadata service's count of requests answered without a token.
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { blockstatsCounters, parseProcStat, parseSchedstat, type NetworkCounters, type VmCounters } from '../vm-counters.js';
import type { QemuProcess } from './qemu-process.js';

const volumeOfNode = (node: string) => (node.startsWith('disk-') ? node.slice(5) : undefined);

export class VmSampler {
  private threads: number[] | undefined;

  constructor(
    private readonly process: QemuProcess,
    private readonly vcpus: number,
    private readonly network?: () => Promise<NetworkCounters | undefined>,
    private readonly metadataNoToken?: () => number,
  ) {}

  async sample(): Promise<VmCounters> {
    const pid = this.process.pid;
    this.threads ??= (await this.process.execute<{ 'thread-id': number }[]>('query-cpus-fast')).map((c) => c['thread-id']);
    const at = performance.timeOrigin + performance.now();
    const cpuSeconds = pid === undefined ? undefined : vcpuSeconds(pid, this.threads);
    if (cpuSeconds === undefined) this.threads = undefined; // asked again next time
    const stats = await this.process.execute('query-blockstats');
    const network = await this.network?.().catch(() => undefined);
    return { at, vcpus: this.vcpus, cpuSeconds, disks: blockstatsCounters(stats, volumeOfNode), network, metadataNoToken: this.metadataNoToken?.() };
  }
}

/** The CPU seconds of these threads of `pid`; undefined if any cannot be read. */
export function vcpuSeconds(pid: number, threads: readonly number[]): number | undefined {
  let total = 0;
  for (const tid of threads) {
    const seconds = threadSeconds(`/proc/${pid}/task/${tid}`);
    if (seconds === undefined) return undefined;
    total += seconds;
  }
  return threads.length ? total : undefined;
}

function threadSeconds(dir: string): number | undefined {
  try {
    return parseSchedstat(readFileSync(`${dir}/schedstat`, 'latin1'));
  } catch {
    try {
      return parseProcStat(readFileSync(`${dir}/stat`, 'latin1'));
    } catch {
      return undefined;
    }
  }
}
