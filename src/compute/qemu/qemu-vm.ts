// One running instance under the qemu driver: its QEMU process and what serves it — an NBD
// server on a unix socket exporting only the instance's own volumes, the metadata service on
// another, the console log — plus its health as DescribeInstanceStatus reports it and the host
// forwards of its public address.
//
// Health (the instance check, "reachability"): initializing from boot until the guest shows its
// OS is up — its network interface configured (QEMU's rx-filter event), a metadata request, or
// a login prompt on the console — then ok. Impaired when the console shows the firmware found
// nothing to boot, GRUB or the kernel gave up, or nothing came up within the boot timeout. The
// system check is impaired once the QEMU process died without being asked to.
import { mkdirSync, rmSync } from 'node:fs';
import type { NbdServer } from '../../blocks/nbd/nbd-server.js';
import type { DriverInstance, InstanceHealth } from '../instance-driver.js';
import { ConsoleLog } from './console-log.js';
import { diskDevice, diskNode, diskSerial, nbdBlockdev, qemuArgs, rootPorts, type VmSpec } from './qemu-command.js';
import { QemuProcess } from './qemu-process.js';
import { VmSampler } from './vm-sampler.js';
import { VmNetworkCounter } from './vm-network-counter.js';

/** Console text that means the guest will not come up by itself. */
const BOOT_FAILURES = [
  /No bootable device/, // SeaBIOS
  /No bootable option or device was found/, // OVMF
  /UEFI Interactive Shell/, // OVMF fell back to its shell: nothing on the disks booted
  /grub rescue>/,
  /Kernel panic - not syncing/,
  /error: no such (partition|device)/,
];
const GUEST_UP = /\blogin: /;

export interface VmRuntime {
  /** the metadata service: serves one instance on a unix socket */
  serveMetadata(socketPath: string, instance: DriverInstance, onRequest: () => void, onTokenless?: () => void): Promise<{ close(): Promise<void> }>;
  /** an NBD server exporting the instance's volumes */
  nbdServer(instance: DriverInstance): NbdServer;
  log(level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields?: Record<string, unknown>): void;
}

export interface VmOptions {
  qemu: string;
  spec: VmSpec;
  /** where the console log and firmware variables live (survives restarts) */
  stateDir: string;
  /** where the sockets live (short paths) */
  runDir: string;
  bootTimeoutMs: number;
}

export type VmPhase = 'running' | 'stopping' | 'rebooting' | 'quiescing' | 'off';

export class QemuVm {
  readonly process: QemuProcess;
  private readonly console: ConsoleLog;
  /** its counters, for the instance's metrics */
  readonly sampler: VmSampler;
  phase: VmPhase = 'running';
  /** when a shutdown we asked for began */
  powerdownAt: number | undefined;
  private bootedAt = Date.now();
  private guestUp = false;
  private bootFailedAt: number | undefined;
  private diedAt: number | undefined;
  private recent = '';
  private nbd: NbdServer | undefined;
  private metadata: { close(): Promise<void> } | undefined;
  private network: VmNetworkCounter | undefined;
  /** metadata requests answered without a token so far (MetadataNoToken) */
  private metadataNoToken = 0;
  private readonly forwards = new Set<number>();
  private forwardIp: string | undefined;
  private readonly ports: string[];
  private readonly portOf = new Map<string, string>();
  private poweredOff: (() => void)[] = [];
  private destroyed: Promise<void> | undefined;
  private unfollow: (() => void) | undefined;

  constructor(
    readonly instance: DriverInstance,
    private readonly opts: VmOptions,
    private readonly runtime: VmRuntime,
  ) {
    mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 });
    mkdirSync(opts.runDir, { recursive: true, mode: 0o700 });
    this.console = new ConsoleLog(opts.spec.consoleLog);
    this.process = new QemuProcess(opts.qemu, qemuArgs(opts.spec), opts.spec.sockets.qmp);
    this.sampler = new VmSampler(this.process, opts.spec.vcpus, async () => this.network?.read(), () => this.metadataNoToken);
    // the first port is the NIC's; the disks present at boot take the next ones
    this.ports = rootPorts(opts.spec).slice(1);
    opts.spec.disks.forEach((d, i) => this.portOf.set(d.volumeId, this.ports[i]));
  }

  get memoryMiB(): number {
    return this.opts.spec.memoryMiB;
  }

  get vcpus(): number {
    return this.opts.spec.vcpus;
  }

  get pid(): number | undefined {
    return this.process.pid;
  }

  async boot(): Promise<void> {
    const { spec } = this.opts;
    this.nbd = this.runtime.nbdServer(this.instance);
    await this.nbd.listenPath(spec.sockets.nbd);
    this.metadata = await this.runtime.serveMetadata(
      spec.sockets.imds,
      this.instance,
      () => this.guestSignal(),
      () => this.metadataNoToken++,
    );
    // QEMU has not opened the log yet: the one moment it may be rewritten (console-log.ts)
    this.console.compact();
    this.console.mark(`${new Date().toISOString()} starting ${this.instance.instanceId}`);
    this.unfollow = this.console.follow((d) => this.consoleOutput(d));
    this.process.on('nic-up', () => this.guestSignal());
    this.process.on('reset', () => this.restarted());
    this.process.on('poweroff', () => {
      for (const f of this.poweredOff.splice(0)) f();
    });
    this.process.on('exit', ({ code, signal, expected, stderr }) => {
      if (expected) return;
      this.diedAt = Date.now();
      this.console.mark(`the VM stopped unexpectedly (${signal ?? `exit ${code}`})${stderr ? `: ${stderr}` : ''}`);
      this.runtime.log('error', 'vm exited unexpectedly', { instanceId: this.instance.instanceId, code, signal, stderr });
    });
    await this.process.start();
    const network = new VmNetworkCounter(this.process, this.opts.runDir, 'net0', spec.macAddress);
    await network.start().then(
      () => (this.network = network),
      (e: unknown) => this.runtime.log('warn', 'vm network not counted (no NetworkIn/Out metrics)', { instanceId: this.instance.instanceId, err: String(e) }),
    );
    await this.applyForwards(this.instance.network.publicIp, await this.instance.openPorts());
  }

  /** The guest's OS answered: its network came up, or it asked the metadata service. */
  private guestSignal(): void {
    if (!this.guestUp && this.bootFailedAt === undefined) {
      this.guestUp = true;
      this.runtime.log('info', 'vm guest up', { instanceId: this.instance.instanceId, afterMs: Date.now() - this.bootedAt });
    }
  }

  private restarted(): void {
    this.bootedAt = Date.now();
    this.guestUp = false;
    this.bootFailedAt = undefined;
  }

  /** What the guest printed since the last look (the whole of it, and the end of what came before). */
  private consoleOutput(d: Buffer): void {
    const text = this.recent + d.toString('latin1');
    this.recent = text.slice(-512);
    if (this.bootFailedAt === undefined && !this.guestUp && BOOT_FAILURES.some((re) => re.test(text))) this.bootFailedAt = Date.now();
    if (GUEST_UP.test(text)) this.guestSignal();
  }

  health(): InstanceHealth {
    if (this.diedAt !== undefined) return { system: 'impaired', instance: 'impaired', impairedSince: new Date(this.diedAt) };
    if (this.bootFailedAt !== undefined) return { system: 'ok', instance: 'impaired', impairedSince: new Date(this.bootFailedAt) };
    if (this.guestUp) return { system: 'ok', instance: 'ok' };
    const timedOut = Date.now() - this.bootedAt > this.opts.bootTimeoutMs;
    return timedOut ? { system: 'ok', instance: 'impaired', impairedSince: new Date(this.bootedAt + this.opts.bootTimeoutMs) } : { system: 'ok', instance: 'initializing' };
  }

  get dead(): boolean {
    return !this.process.alive;
  }

  /** Whether the guest is powered off (QEMU paused in `shutdown`). */
  async isOff(): Promise<boolean> {
    if (!this.process.alive) return true;
    return (await this.process.runState().catch(() => 'shutdown')) === 'shutdown';
  }

  /** Resolves when the guest powers off, or after `ms`; whether it did. */
  waitPowerOff(ms: number): Promise<boolean> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.poweredOff = this.poweredOff.filter((f) => f !== done);
        resolve(false);
      }, ms);
      const done = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.poweredOff.push(done);
    });
  }

  /** ACPI power button (once per shutdown). */
  async powerdown(phase: VmPhase): Promise<void> {
    this.phase = phase;
    this.powerdownAt ??= Date.now();
    await this.process.execute('system_powerdown').catch(() => undefined);
  }

  /** Starts the guest again after a shutdown or a pause (reboot, CreateImage). */
  async resume(wasOff: boolean): Promise<void> {
    if (wasOff) {
      await this.process.execute('system_reset');
      this.restarted();
    }
    await this.process.execute('cont');
    this.phase = 'running';
    this.powerdownAt = undefined;
  }

  /** Pulls the reset line (a guest that ignored the power button): it boots again. */
  async hardReset(): Promise<void> {
    await this.process.execute('system_reset');
    this.restarted();
    this.phase = 'running';
    this.powerdownAt = undefined;
  }

  /** Makes the host forwards match `ports` on `ip` (QEMU's hostfwd, added and removed live). */
  async applyForwards(ip: string | undefined, ports: number[]): Promise<void> {
    if (!this.process.alive) return;
    const want = new Set(ip ? ports : []);
    if (ip !== this.forwardIp) {
      for (const p of this.forwards) await this.hostfwd(`hostfwd_remove net0 tcp:${this.forwardIp}:${p}`, p, false);
      this.forwardIp = ip;
    }
    for (const p of [...this.forwards]) if (!want.has(p)) await this.hostfwd(`hostfwd_remove net0 tcp:${ip}:${p}`, p, false);
    for (const p of want) if (!this.forwards.has(p)) await this.hostfwd(`hostfwd_add net0 tcp:${ip}:${p}-:${p}`, p, true);
  }

  private async hostfwd(command: string, port: number, add: boolean): Promise<void> {
    const out = (await this.process.hmp(command).catch((e: Error) => e.message)).trim();
    // HMP answers "" (or "… removed") on success and a sentence on failure
    const ok = add ? out === '' : out === '' || out.includes('removed');
    if (ok && add) this.forwards.add(port);
    else if (!add) this.forwards.delete(port);
    if (!ok) {
      const hint = add && port < 1024 && process.getuid?.() !== 0 ? ' (ports below 1024 need root or CAP_NET_BIND_SERVICE)' : '';
      this.runtime.log('warn', 'vm port forward failed', { instanceId: this.instance.instanceId, command, answer: out + hint });
    }
  }

  /** Hot-plugs a volume on a free PCIe root port. */
  async attach(volumeId: string): Promise<void> {
    if (this.portOf.has(volumeId)) return;
    const used = new Set(this.portOf.values());
    const port = this.ports.find((p) => !used.has(p));
    if (!port) throw new Error('no free PCIe port for another volume');
    await this.process.execute('blockdev-add', nbdBlockdev(this.opts.spec, volumeId));
    try {
      await this.process.execute('device_add', { driver: 'virtio-blk-pci', drive: diskNode(volumeId), id: diskDevice(volumeId), serial: diskSerial(volumeId), bus: port });
    } catch (e) {
      await this.process.execute('blockdev-del', { 'node-name': diskNode(volumeId) }).catch(() => undefined);
      throw e;
    }
    this.portOf.set(volumeId, port);
  }

  /** Unplugs a volume: the guest is asked to let go (as EC2 does), then the device goes. */
  async detach(volumeId: string, timeoutMs: number): Promise<void> {
    if (!this.portOf.has(volumeId)) return;
    const id = diskDevice(volumeId);
    const deleted = new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.process.off('device-deleted', onDeleted);
        resolve(false);
      }, timeoutMs);
      const onDeleted = (device: string) => {
        if (device !== id) return;
        clearTimeout(timer);
        this.process.off('device-deleted', onDeleted);
        resolve(true);
      };
      this.process.on('device-deleted', onDeleted);
    });
    await this.process.execute('device_del', { id }).catch(() => undefined);
    if (!(await deleted)) this.runtime.log('warn', 'vm guest did not release a volume in time', { instanceId: this.instance.instanceId, volumeId });
    await this.process.execute('blockdev-del', { 'node-name': diskNode(volumeId) }).catch(() => undefined);
    this.portOf.delete(volumeId);
  }

  /** Ends the VM and what serves it; its NBD clients' writes are flushed to the volumes. */
  destroy(): Promise<void> {
    return (this.destroyed ??= (async () => {
      this.phase = 'off';
      await this.process.quit();
      this.network?.dispose();
      await this.nbd?.close();
      await this.metadata?.close();
      this.unfollow?.();
      this.console.mark(`${new Date().toISOString()} stopped ${this.instance.instanceId}`);
      this.console.compact();
      rmSync(this.opts.runDir, { recursive: true, force: true });
    })());
  }
}
