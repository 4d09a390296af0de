// Can this host run instances, and how: QEMU and socat on PATH, and KVM only when it really
// runs a guest. `/dev/kvm` is not enough: on hosts whose KVM is PVM (`kvm_pvm`, no vmx/svm
// flag) QEMU starts, then a stock kernel never gets past its decompressor. So KVM is used when
// the CPU has hardware virtualization AND a probe guest (a 512-byte boot sector that writes a
// marker to the serial port) prints within a timeout; otherwise TCG.
import { spawn, spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { delimiter, join } from 'node:path';

export interface QemuHost {
  qemu: string;
  socat: string;
  accel: 'kvm' | 'tcg';
  /** OVMF firmware (code, vars template) for uefi instances, when installed */
  ovmf?: { code: string; vars: string };
  version: string;
}

export class QemuUnavailable extends Error {}

export function which(binary: string): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const path = join(dir, binary);
    try {
      accessSync(path, constants.X_OK);
      return path;
    } catch {
      /* next */
    }
  }
  return undefined;
}

const MARKER = 'IMAGO-PROBE-OK';

/**
 * Real mode: DS=0, print the marker on COM1 (0x3f8), halt. Hand-assembled; offsets in comments.
 * Real mode alone passes on PVM too, which is why the CPU flags are checked first.
 */
export function probeBootSector(): Buffer {
  const code = [
    0x31, 0xc0, // 0: xor ax, ax
    0x8e, 0xd8, // 2: mov ds, ax
    0xfc, // 4: cld
    0xbe, 0x17, 0x7c, // 5: mov si, 0x7c17 (the message)
    0xba, 0xf8, 0x03, // 8: mov dx, 0x3f8
    0xac, // 11: lodsb
    0x84, 0xc0, // 12: test al, al
    0x74, 0x03, // 14: jz 19
    0xee, // 16: out dx, al
    0xeb, 0xf8, // 17: jmp 11
    0xfa, // 19: cli
    0xf4, // 20: hlt
    0xeb, 0xfc, // 21: jmp 19
  ];
  // SeaBIOS will not boot a disk of one sector: the sector leads a 1 MiB image
  const sector = Buffer.alloc(1 << 20);
  Buffer.from(code).copy(sector, 0);
  Buffer.from(`${MARKER}\r\n\0`, 'latin1').copy(sector, 23);
  sector[510] = 0x55;
  sector[511] = 0xaa;
  return sector;
}

/** Boots the probe sector; resolves whether the marker appeared within `timeoutMs`. */
export function bootsProbe(qemu: string, accel: 'kvm' | 'tcg', dir: string, timeoutMs: number): Promise<boolean> {
  const disk = join(dir, 'probe.img');
  writeFileSync(disk, probeBootSector());
  return new Promise((resolve) => {
    const child = spawn(qemu, ['-machine', 'q35', '-accel', accel, '-nodefaults', '-display', 'none', '-m', '16', '-serial', 'stdio', '-drive', `file=${disk},format=raw,if=virtio,readonly=on`], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    const done = (ok: boolean) => {
      clearTimeout(timer);
      child.kill('SIGKILL');
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), timeoutMs);
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString('latin1');
      if (out.includes(MARKER)) done(true);
    });
    child.once('error', () => done(false));
    child.once('exit', () => done(out.includes(MARKER)));
  });
}

function hardwareVirtualization(): boolean {
  try {
    return /\b(vmx|svm)\b/.test(readFileSync('/proc/cpuinfo', 'utf8'));
  } catch {
    return false;
  }
}

/** What runs VMs here; throws QemuUnavailable saying what is missing. */
export async function probeQemu(workDir: string, opts: { kvmTimeoutMs?: number } = {}): Promise<QemuHost> {
  const qemu = which('qemu-system-x86_64');
  if (!qemu) throw new QemuUnavailable('qemu-system-x86_64 is not installed (Debian: apt-get install qemu-system-x86)');
  const socat = which('socat');
  if (!socat) throw new QemuUnavailable('socat is not installed (Debian: apt-get install socat); the metadata service needs it');
  const v = spawnSync(qemu, ['--version'], { encoding: 'utf8', timeout: 10_000 });
  if (v.status !== 0) throw new QemuUnavailable(`${qemu} --version failed: ${v.stderr || v.error}`);
  const version = /version ([\d.]+)/.exec(v.stdout)?.[1] ?? 'unknown';
  let accel: 'kvm' | 'tcg' = 'tcg';
  let kvmUsable = false;
  try {
    accessSync('/dev/kvm', constants.R_OK | constants.W_OK);
    kvmUsable = hardwareVirtualization();
  } catch {
    /* no KVM */
  }
  if (kvmUsable && (await bootsProbe(qemu, 'kvm', workDir, opts.kvmTimeoutMs ?? 20_000))) accel = 'kvm';
  else if (!(await bootsProbe(qemu, 'tcg', workDir, 60_000))) throw new QemuUnavailable(`${qemu} could not boot a probe guest under TCG`);
  const code = '/usr/share/OVMF/OVMF_CODE_4M.fd';
  const vars = '/usr/share/OVMF/OVMF_VARS_4M.fd';
  return { qemu, socat, accel, version, ovmf: existsSync(code) && existsSync(vars) ? { code, vars } : undefined };
}
