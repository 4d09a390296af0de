// What collecting instance metrics costs per VM (issue 13: <= 0.5% of a core per VM at a 60 s
// period). Real QEMU processes (no guest OS, paused with -S so their own vCPUs add nothing),
// each with a virtio-blk disk on a `disk-vol-…` node and a slirp netdev with the frame counter,
// exactly what the qemu driver samples; the sampler (compute/qemu/vm-sampler.ts) is run against
// each of them in turn, many rounds, and the cost is the CPU time it took: this process's
// (/proc reads, QMP round trips, parsing, the period arithmetic and the datapoints built from
// it) plus the QEMU processes' (answering query-blockstats and query-cpus-fast), per sample.
// Not in the figure: the metric store's write of the datapoints (CloudWatch's bench measures
// PutMetricData) and the frame counter's per-frame cost inside QEMU (a ~30-byte write a frame;
// it depends on the guest's traffic, which paused VMs do not have).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { which } from '../../src/compute/qemu/qemu-probe.js';
import { QemuProcess } from '../../src/compute/qemu/qemu-process.js';
import { VmSampler } from '../../src/compute/qemu/vm-sampler.js';
import { VmNetworkCounter } from '../../src/compute/qemu/vm-network-counter.js';
import { vmPeriod, type VmCounters } from '../../src/compute/vm-counters.js';
import { instanceData, statusValues, usageValues, volumeData } from '../../src/services/ec2/monitoring/instance-datapoints.js';
import { table } from '../lib/report.js';
import { judge } from '../lib/targets.js';

/** CPU seconds of a whole process (every thread), from /proc/<pid>/stat. */
function processCpu(pid: number): number {
  const text = readFileSync(`/proc/${pid}/stat`, 'latin1');
  const f = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) / 100;
}

export async function metricsCollection(o: { vms: number; rounds: number }): Promise<void> {
  const qemu = which('qemu-system-x86_64');
  if (!qemu) {
    console.log('qemu-system-x86_64 is not installed: skipped');
    return;
  }
  const dir = mkdtempSync(join(tmpdir(), 'bench-metrics-'));
  const vms: { proc: QemuProcess; net: VmNetworkCounter; sampler: VmSampler; last?: VmCounters }[] = [];
  try {
    for (let i = 0; i < o.vms; i++) {
      const qmp = join(dir, `qmp${i}.sock`);
      const mac = `0e:00:00:00:00:${(i + 1).toString(16).padStart(2, '0')}`;
      const proc = new QemuProcess(qemu, [
        '-S', '-machine', 'q35', '-accel', 'tcg', '-display', 'none', '-nodefaults', '-no-user-config', '-m', '64',
        '-qmp', `unix:${qmp},server=on,wait=off`,
        '-blockdev', JSON.stringify({ driver: 'raw', 'node-name': `disk-vol-${i}`, file: { driver: 'null-co', size: 1 << 30 } }),
        '-device', `virtio-blk-pci,drive=disk-vol-${i},id=dev-vol-${i}`,
        '-netdev', 'user,id=net0,restrict=on', '-device', `virtio-net-pci,netdev=net0,mac=${mac}`,
      ], qmp);
      await proc.start();
      const net = new VmNetworkCounter(proc, dir, 'net0', mac);
      await net.start();
      vms.push({ proc, net, sampler: new VmSampler(proc, 1, () => net.read()) });
    }
    const facts = { imageId: 'ami-0123456789abcdef0', instanceType: 't3.micro', detailed: true, autoScalingGroupName: 'web' };
    const round = async () => {
      for (const [i, vm] of vms.entries()) {
        const c = await vm.sampler.sample();
        const period = vm.last && vmPeriod(vm.last, c);
        vm.last = c;
        const t = new Date();
        if (period) void [instanceData({ ...facts, instanceId: `i-${i}` }, [...usageValues(period), ...statusValues({ system: 'ok', instance: 'ok' })], t), volumeData(period, t)];
      }
    };
    await round(); // warm-up: threads looked up, code compiled
    const qemuBefore = vms.reduce((n, vm) => n + processCpu(vm.proc.pid!), 0);
    const nodeBefore = process.cpuUsage();
    const wallBefore = performance.now();
    for (let r = 0; r < o.rounds; r++) await round();
    const wall = (performance.now() - wallBefore) / 1000;
    const node = process.cpuUsage(nodeBefore);
    const qemuCpu = vms.reduce((n, vm) => n + processCpu(vm.proc.pid!), 0) - qemuBefore;
    const samples = o.rounds * vms.length;
    const nodePer = (node.user + node.system) / 1e6 / samples;
    const qemuPer = qemuCpu / samples;
    const per = nodePer + qemuPer;
    const share = (periodSeconds: number) => (per / periodSeconds) * 100;
    console.log(`${vms.length} QEMU processes, ${samples} samples in ${wall.toFixed(2)} s (${((wall / samples) * 1e3).toFixed(2)} ms a sample, wall)`);
    console.log(
      table(
        ['samples', 'CPU a sample: Imago µs', 'QEMU µs', 'total µs', '% of a core per VM at 60 s', 'at 1 s'],
        [[samples, nodePer * 1e6, qemuPer * 1e6, per * 1e6, share(60).toFixed(4), share(1).toFixed(2)]],
      ),
    );
    judge('metrics collection per VM at a 60 s period', `${share(60).toFixed(4)}% of a core`, '<= 0.5%', share(60) <= 0.5);
  } finally {
    for (const vm of vms) {
      vm.net.dispose();
      await vm.proc.quit();
    }
    rmSync(dir, { recursive: true, force: true });
  }
}
