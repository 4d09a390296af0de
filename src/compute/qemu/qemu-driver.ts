// The `qemu` driver: every running instance is a QEMU process booting its root volume the way
// EC2 boots an AMI — firmware, then the disk's own bootloader — with the volumes served from
// Imago's block store over NBD (writes land in the instance's copy-on-write volumes, so
// snapshots and CreateImage capture what the guest wrote), the metadata service on
// 169.254.169.254, its serial console kept for GetConsoleOutput, and the TCP ports its
// security groups open forwarded from its public (loopback) address.
//
// Instances come up when their VM process runs (EC2's `running`); the guest's own boot shows in
// the status checks. Stop and terminate press the ACPI power button and pull the plug after
// `stopTimeoutMs`; a guest that powers itself off is reported to EC2 (shutdown behaviour). The
// VMs are children of the server: a shutdown stops them, and the server's next start boots
// the instances that were running again (like a host reboot on EC2).
import { createHash } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { copyFileSync, existsSync, mkdirSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { DriverLaunchError, type DriverInstance, type DriverListener, type DriverVolume, type InstanceDriver, type InstanceHealth, type LocalVm } from '../instance-driver.js';
import type { QemuHost } from './qemu-probe.js';
import { QemuVm, type VmRuntime } from './qemu-vm.js';
import type { VmSpec } from './qemu-command.js';
import { readConsoleLog } from './console-log.js';
import type { VmCounters } from '../vm-counters.js';

export interface QemuDriverOptions {
  host: QemuHost;
  /** per-instance state kept across restarts (console logs, UEFI variables) */
  stateDir: string;
  /** sockets (a short path: unix socket paths hold 107 bytes) */
  runDir: string;
  /** the unix socket the server serves its API to guests on (GUEST_API_ADDRESS), if it does */
  guestApiSocket?: string;
  memoryBudgetMiB: number;
  /** how long a guest gets to shut down before the plug is pulled */
  stopTimeoutMs: number;
  /** a guest not up after this long fails its instance status check */
  bootTimeoutMs: number;
  runtime: VmRuntime;
}

/** Root ports left free for AttachVolume while running. */
const SPARE_PORTS = 8;
/** How long DetachVolume waits for the guest to release a disk before unplugging it anyway. */
const DETACH_WAIT_MS = 10_000;
/** How long a stop call waits for the guest before answering "not yet". */
const STOP_POLL_MS = 2_000;

export const insufficientCapacity = () => new DriverLaunchError('Server.InsufficientInstanceCapacity', 'Server.InsufficientInstanceCapacity: Insufficient capacity.');

export class QemuDriver implements InstanceDriver {
  readonly name = 'qemu';
  readonly publicNetwork = true;
  private readonly vms = new Map<string, { vm: QemuVm; ready: Promise<void> }>();
  private listener: DriverListener | undefined;

  constructor(private readonly opts: QemuDriverOptions) {
    mkdirSync(opts.runDir, { recursive: true, mode: 0o700 });
  }

  get memoryBudgetMiB(): number {
    return this.opts.memoryBudgetMiB;
  }

  listen(listener: DriverListener): void {
    this.listener = listener;
  }

  private usedMemoryMiB(): number {
    let used = 0;
    for (const { vm } of this.vms.values()) used += vm.memoryMiB;
    return used;
  }

  async start(instance: DriverInstance): Promise<void> {
    const current = this.vms.get(instance.instanceId);
    if (current && !current.vm.dead) return current.ready;
    if (current) await this.drop(instance.instanceId);
    const memoryMiB = instance.instanceType.memoryMiB;
    if (this.usedMemoryMiB() + memoryMiB > this.opts.memoryBudgetMiB) throw insufficientCapacity();
    const vm = new QemuVm(instance, { qemu: this.opts.host.qemu, spec: await this.spec(instance), stateDir: join(this.opts.stateDir, instance.instanceId), runDir: join(this.opts.runDir, instance.instanceId), bootTimeoutMs: this.opts.bootTimeoutMs }, this.opts.runtime);
    vm.process.on('poweroff', () => this.poweredOff(vm));
    const ready = vm.boot().catch(async (e: unknown) => {
      await this.drop(instance.instanceId);
      throw new DriverLaunchError('Server.InternalError', `Server.InternalError: the instance's VM failed to start: ${e instanceof Error ? e.message : String(e)}`);
    });
    this.vms.set(instance.instanceId, { vm, ready });
    return ready;
  }

  private async spec(instance: DriverInstance): Promise<VmSpec> {
    const { host } = this.opts;
    const id = instance.instanceId;
    const run = join(this.opts.runDir, id);
    const volumes = await instance.volumes();
    const root = volumes.find((v) => v.deviceName === instance.rootDeviceName);
    if (!root) throw new DriverLaunchError('Server.InternalError', `Server.InternalError: the instance has no root volume at ${instance.rootDeviceName}`);
    let firmware: VmSpec['firmware'] = { kind: 'bios' };
    if (instance.bootMode === 'uefi') {
      if (!host.ovmf) throw new DriverLaunchError('Server.InternalError', 'Server.InternalError: UEFI firmware (OVMF) is not installed on the host (Debian: apt-get install ovmf)');
      const vars = join(this.opts.stateDir, id, 'efi-vars.fd');
      mkdirSync(join(this.opts.stateDir, id), { recursive: true, mode: 0o700 });
      if (!existsSync(vars)) copyFileSync(host.ovmf.vars, vars);
      firmware = { kind: 'uefi', code: host.ovmf.code, vars };
    }
    const others = volumes.filter((v) => v !== root).sort((a, b) => (a.deviceName < b.deviceName ? -1 : 1));
    return {
      instanceId: id,
      accel: host.accel,
      vcpus: Math.max(1, Math.min(instance.instanceType.vcpus, availableParallelism())),
      memoryMiB: instance.instanceType.memoryMiB,
      firmware,
      disks: [root, ...others].map((v) => ({ volumeId: v.volumeId, boot: v === root })),
      sparePorts: SPARE_PORTS,
      macAddress: instance.network.macAddress,
      privateIp: instance.network.privateIp,
      gateway: instance.network.gateway,
      dns: instance.network.dns,
      smbios: { uuid: smbiosUuid(id), product: instance.instanceType.name },
      sockets: { qmp: join(run, 'qmp.sock'), nbd: join(run, 'nbd.sock'), imds: join(run, 'imds.sock'), ...(this.opts.guestApiSocket ? { api: this.opts.guestApiSocket } : {}) },
      socat: host.socat,
      consoleLog: this.consoleLog(id),
    };
  }

  /** An instance's console log: in its state directory, kept across stops and restarts. */
  private consoleLog(instanceId: string): string {
    return join(this.opts.stateDir, instanceId, 'console.log');
  }

  /** The guest powered off: ours to finish (stop, reboot, image) or the guest's own decision. */
  private poweredOff(vm: QemuVm): void {
    if (vm.phase === 'rebooting') {
      void vm.resume(true).catch((e: unknown) => this.opts.runtime.log('warn', 'vm reboot failed', { instanceId: vm.instance.instanceId, err: String(e) }));
      return;
    }
    if (vm.phase === 'running') this.listener?.guestShutdown(vm.instance.instanceId);
  }

  async stop(instance: DriverInstance, options: { force: boolean }): Promise<boolean> {
    return this.shutDown(instance.instanceId, options.force);
  }

  async terminate(instance: DriverInstance): Promise<boolean> {
    return this.shutDown(instance.instanceId, false);
  }

  private async shutDown(instanceId: string, force: boolean): Promise<boolean> {
    const entry = this.vms.get(instanceId);
    if (!entry) return true;
    await entry.ready.catch(() => undefined);
    const { vm } = entry;
    if (force || vm.dead || (await vm.isOff())) {
      await this.drop(instanceId);
      return true;
    }
    if (vm.powerdownAt === undefined || vm.phase !== 'stopping') await vm.powerdown('stopping');
    const left = vm.powerdownAt! + this.opts.stopTimeoutMs - Date.now();
    if (left <= 0 || (await vm.waitPowerOff(Math.min(left, STOP_POLL_MS))) || (await vm.isOff())) {
      if (left <= 0) this.opts.runtime.log('warn', 'vm did not shut down in time; stopped by force', { instanceId });
      await this.drop(instanceId);
      return true;
    }
    return false;
  }

  async reboot(instance: DriverInstance): Promise<void> {
    const entry = this.vms.get(instance.instanceId);
    if (!entry || entry.vm.dead || entry.vm.phase !== 'running') return;
    const { vm } = entry;
    await vm.powerdown('rebooting');
    // a guest that ignores the power button is reset, as EC2 hard-reboots one that hangs
    setTimeout(() => {
      if (vm.phase === 'rebooting' && !vm.dead) void vm.hardReset().catch(() => undefined);
    }, this.opts.stopTimeoutMs).unref();
  }

  async quiesce(instance: DriverInstance, options: { clean: boolean; timeoutMs: number }): Promise<() => Promise<void>> {
    const entry = this.vms.get(instance.instanceId);
    if (!entry || entry.vm.dead) return async () => undefined;
    await entry.ready;
    const { vm } = entry;
    let off = false;
    if (options.clean) {
      const powered = vm.waitPowerOff(options.timeoutMs);
      await vm.powerdown('quiescing');
      off = (await powered) || (await vm.isOff());
    } else vm.phase = 'quiescing';
    // pausing drains and flushes every disk: what the guest wrote is on the volumes
    if (!off) await vm.process.execute('stop');
    return async () => {
      if (!vm.dead) await vm.resume(off);
    };
  }

  consoleOutput(instanceId: string): Promise<Buffer> {
    // QEMU writes the file itself: the same read whether the VM runs or stopped long ago
    return Promise.resolve(readConsoleLog(this.consoleLog(instanceId)));
  }

  health(instanceId: string): InstanceHealth | undefined {
    const entry = this.vms.get(instanceId);
    // running in EC2 but no VM here (it could not be brought back): the host side failed
    return entry ? entry.vm.health() : undefined;
  }

  localVms(): LocalVm[] {
    const out: LocalVm[] = [];
    for (const [instanceId, { vm }] of this.vms) if (!vm.dead && vm.phase !== 'off') out.push({ instanceId, vcpus: vm.vcpus, memoryMiB: vm.memoryMiB, pid: vm.pid });
    return out;
  }

  async counters(instanceId: string): Promise<VmCounters | undefined> {
    const entry = this.vms.get(instanceId);
    if (!entry || entry.vm.dead || entry.vm.phase === 'off') return undefined;
    return entry.vm.sampler.sample().catch(() => undefined);
  }

  async networkChanged(instance: DriverInstance): Promise<void> {
    const vm = this.vms.get(instance.instanceId)?.vm;
    if (vm && !vm.dead) await vm.applyForwards(instance.network.publicIp, await instance.openPorts());
  }

  async volumeAttached(instance: DriverInstance, volume: DriverVolume): Promise<void> {
    const vm = this.vms.get(instance.instanceId)?.vm;
    if (vm && !vm.dead) await vm.attach(volume.volumeId);
  }

  async volumeDetached(instance: DriverInstance, volumeId: string): Promise<void> {
    const vm = this.vms.get(instance.instanceId)?.vm;
    if (vm && !vm.dead) await vm.detach(volumeId, DETACH_WAIT_MS);
  }

  async forget(instanceIds: readonly string[]): Promise<void> {
    for (const id of instanceIds) {
      if (this.vms.has(id)) continue;
      await rm(join(this.opts.stateDir, id), { recursive: true, force: true });
    }
  }

  private async drop(instanceId: string): Promise<void> {
    const entry = this.vms.get(instanceId);
    if (!entry) return;
    await entry.vm.destroy();
    if (this.vms.get(instanceId) === entry) this.vms.delete(instanceId);
  }

  async close(): Promise<void> {
    const timeoutMs = Math.min(this.opts.stopTimeoutMs, 15_000);
    await Promise.all(
      [...this.vms.values()].map(async ({ vm, ready }) => {
        await ready.catch(() => undefined);
        if (!vm.dead && !(await vm.isOff())) {
          const powered = vm.waitPowerOff(timeoutMs);
          await vm.powerdown('stopping');
          await powered;
        }
        await this.drop(vm.instance.instanceId);
      }),
    );
  }
}

/** cloud-init takes a VM for EC2 when its SMBIOS UUID starts with ec2 (and serial equals it). */
export function smbiosUuid(instanceId: string): string {
  const h = `ec2${createHash('sha256').update(instanceId).digest('hex').slice(3, 32)}`;
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}
