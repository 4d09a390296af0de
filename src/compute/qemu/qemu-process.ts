// One QEMU process: spawned with the instance's command line, driven through QMP (its serial
// console goes to a file: console-log.ts). It knows nothing of EC2; the driver interprets what
// it reports.
//
// The process is started through `setpriv --pdeathsig KILL` when available, so a VM never
// outlives a server that was killed (kill -9, OOM): the server's restart boots it again from
// its volumes, which hold everything the guest flushed.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { EventEmitter } from 'node:events';
import { QmpClient, type QmpEvent } from './qmp-client.js';
import { which } from './qemu-probe.js';

export interface QemuProcessEvents {
  /** the guest powered itself off (QEMU paused: -no-shutdown) */
  poweroff: [];
  /** the guest reset (rebooted) itself */
  reset: [];
  /** the guest's OS configured its network interface (virtio-net rx filter set) */
  'nic-up': [];
  /** a device finished unplugging (the guest let go of it) */
  'device-deleted': [string];
  /** the process ended; `expected` when quit() or kill() asked for it */
  exit: [{ code: number | null; signal: string | null; expected: boolean; stderr: string }];
}

const setpriv = which('setpriv');

export class QemuProcess extends EventEmitter<QemuProcessEvents> {
  private child: ChildProcess | undefined;
  private qmp: QmpClient | undefined;
  private stderr = '';
  private ending = false;
  private exited: Promise<void> = Promise.resolve();
  private running = false;

  constructor(
    private readonly binary: string,
    private readonly args: string[],
    private readonly qmpSocket: string,
  ) {
    super();
  }

  get alive(): boolean {
    return this.running;
  }

  get pid(): number | undefined {
    return this.child?.pid;
  }

  /** Spawns QEMU and connects to its QMP socket; rejects (with QEMU's own message) if it fails to come up. */
  async start(timeoutMs = 30_000): Promise<void> {
    const [cmd, argv] = setpriv ? [setpriv, ['--pdeathsig', 'KILL', '--', this.binary, ...this.args]] : [this.binary, this.args];
    const child = spawn(cmd, argv, { stdio: ['ignore', 'ignore', 'pipe'], env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LANG: 'C' } });
    this.child = child;
    this.running = true;
    child.stderr!.on('data', (d: Buffer) => (this.stderr = (this.stderr + d.toString()).slice(-4096)));
    this.exited = new Promise((resolve) => {
      child.once('exit', (code, signal) => {
        this.running = false;
        this.qmp?.close();
        this.emit('exit', { code, signal, expected: this.ending, stderr: this.stderr.trim() });
        resolve();
      });
    });
    child.once('error', (e) => (this.stderr += `\n${e.message}`));
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      if (!this.running) throw new Error(`QEMU exited at start: ${this.stderr.trim() || 'no message'}`);
      if (existsSync(this.qmpSocket)) {
        try {
          this.qmp = await QmpClient.connect(this.qmpSocket, 5_000);
          break;
        } catch {
          /* not listening yet */
        }
      }
      if (Date.now() > deadline) {
        await this.kill();
        throw new Error(`QEMU did not open its QMP socket within ${timeoutMs} ms`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
    this.qmp.on('event', (e) => this.event(e));
    // the rx-filter event fires once until the filter is queried again: arm it
    await this.qmp.execute('query-rx-filter', { name: 'net0' }).catch(() => undefined);
  }

  private event(e: QmpEvent): void {
    if (e.event === 'SHUTDOWN' && e.data?.guest === true) this.emit('poweroff');
    else if (e.event === 'RESET' && e.data?.guest === true) this.emit('reset');
    else if (e.event === 'DEVICE_DELETED' && typeof e.data?.device === 'string') this.emit('device-deleted', e.data.device);
    else if (e.event === 'NIC_RX_FILTER_CHANGED') {
      this.emit('nic-up');
      void this.qmp?.execute('query-rx-filter', { name: 'net0' }).catch(() => undefined);
    }
  }

  /** A QMP command (rejects once the process is gone). */
  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    if (!this.qmp || !this.running) return Promise.reject(new Error('the VM is not running'));
    return this.qmp.execute<T>(command, args);
  }

  /** An HMP command's text output. */
  hmp(commandLine: string): Promise<string> {
    if (!this.qmp || !this.running) return Promise.reject(new Error('the VM is not running'));
    return this.qmp.hmp(commandLine);
  }

  /** The run state QEMU reports: running, paused, shutdown (guest powered off), … */
  async runState(): Promise<string> {
    const s = await this.execute<{ status: string }>('query-status');
    return s.status;
  }

  /** Ends QEMU (QMP quit, then SIGKILL if it lingers) and waits for it. */
  async quit(): Promise<void> {
    if (!this.running) return;
    this.ending = true;
    await Promise.race([this.execute('quit').catch(() => undefined), new Promise((r) => setTimeout(r, 5_000))]);
    const timer = setTimeout(() => this.child?.kill('SIGKILL'), 5_000);
    await this.exited;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    if (!this.running) return;
    this.ending = true;
    this.child?.kill('SIGKILL');
    await this.exited;
  }

  /** Resolves when the process has ended. */
  whenExited(): Promise<void> {
    return this.exited;
  }
}
