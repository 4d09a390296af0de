// The QEMU command line of one instance, from what it needs: a pure function, so what a VM may
// touch is visible in one place and unit-tested.
//
// - Machine: q35 with `graphics=off` (SeaBIOS and GRUB print to the serial port), no default
//   devices, `-no-shutdown` (a guest power-off pauses QEMU, so the driver tells a guest's own
//   shutdown from a reboot and can reset it), strict boot order from the root disk only.
// - CPU: KVM when the probe saw it boot, else TCG with a 64 MiB translation cache (the default
//   1 GiB makes an idle 512 MiB guest cost ~1.2 GB of host memory; 64 MiB costs nothing
//   measurable in speed, while 32 MiB made Debian's boot ~45% slower: measured, bench vm-boot).
//   vCPUs are capped by the host's cores. A virtio balloon with free page reporting hands the
//   memory the guest frees back to the host (idle 512 MiB Debian: ~390 -> ~346 MiB RSS).
// - Firmware: SeaBIOS for legacy-bios, OVMF (pflash code read-only + the instance's own vars)
//   for uefi; either way the disk boots with its own bootloader, as on EC2.
// - Disks: NBD over the instance's unix socket, one export per volume (Imago's block store),
//   virtio-blk with the volume id as serial (/dev/disk/by-id/virtio-vol…), each on a PCIe root
//   port so non-root volumes can be hot-plugged and unplugged; spare ports for AttachVolume.
// - Network: slirp user networking with `restrict=on`: the guest has no route to the host or
//   anywhere else; the only ways in or out are the metadata service (guestfwd to a per-instance
//   unix socket, which identifies the instance without trusting addresses) and the host
//   forwards the driver adds for security group rules. 160.0.0.0/4 holds both the VPC's
//   172.31.x addresses (the instance gets its private address by DHCP) and 169.254.169.254.
//   One more guestfwd, when the server offers it, is Imago's own API at GUEST_API_ADDRESS:80
//   (a unix socket the server listens on): what instance profile credentials are for. It is
//   that one address and port, not a route to the host.
// - SMBIOS says "Amazon EC2" with an ec2… UUID: cloud-init then knows it is on AWS (IMDSv2).
// - Serial console: written by QEMU itself to the instance's console log, O_APPEND (a file never
//   holds a byte back, as a full pipe did: console-log.ts).
// - Sandbox: seccomp on, no obsolete syscalls or resource control. Spawning and set*id stay
//   allowed only because guestfwd runs one `socat` per metadata connection, in a new session
//   (libslirp's child calls setsid(), which `elevateprivileges=deny` kills: measured).

export interface VmDisk {
  /** the volume id: NBD export name, block node and device ids */
  volumeId: string;
  /** the root volume: boot index 0 */
  boot: boolean;
}

export interface VmSpec {
  instanceId: string;
  accel: 'kvm' | 'tcg';
  vcpus: number;
  memoryMiB: number;
  firmware: { kind: 'bios' } | { kind: 'uefi'; code: string; vars: string };
  disks: VmDisk[];
  /** PCIe root ports beyond the disks', for hot-plugged volumes */
  sparePorts: number;
  macAddress: string;
  /** the instance's private address, handed out by slirp's DHCP */
  privateIp: string;
  /** the subnet's router (.1), the guest's gateway */
  gateway: string;
  /** the VPC's DNS address (base + 2); slirp answers nothing there under restrict=on */
  dns: string;
  smbios: { uuid: string; product: string };
  /** `api`: Imago's API for guests (GUEST_API_ADDRESS), when the server serves it */
  sockets: { qmp: string; nbd: string; imds: string; api?: string };
  /** the socat binary guestfwd runs (absolute) */
  socat: string;
  /** the file QEMU appends the serial console to (console-log.ts reads it) */
  consoleLog: string;
}

/** Where a guest reaches Imago's API (port 80), as 169.254.169.254 is the metadata service. */
export const GUEST_API_ADDRESS = '169.254.169.252';

/** QEMU's option syntax: a comma inside a value is written twice. */
export const qemuValue = (s: string) => s.replaceAll(',', ',,');

/** The block node and device ids of a volume's disk. */
export const diskNode = (volumeId: string) => `disk-${volumeId}`;
export const diskDevice = (volumeId: string) => `dev-${volumeId}`;

/** A volume as a QMP blockdev-add argument (also the -blockdev JSON of disks present at start). */
export function nbdBlockdev(spec: Pick<VmSpec, 'sockets'>, volumeId: string): Record<string, unknown> {
  return {
    driver: 'raw',
    'node-name': diskNode(volumeId),
    discard: 'unmap',
    file: { driver: 'nbd', server: { type: 'unix', path: spec.sockets.nbd }, export: volumeId },
  };
}

/** virtio-blk serials hold 20 characters: exactly a volume id without its dash. */
export const diskSerial = (volumeId: string) => volumeId.replace('-', '').slice(0, 20);

export function qemuArgs(spec: VmSpec): string[] {
  const args = [
    '-name', `guest=${spec.instanceId},debug-threads=on`,
    '-machine', 'q35,graphics=off',
    '-accel', spec.accel === 'kvm' ? 'kvm' : 'tcg,tb-size=64',
    ...(spec.accel === 'kvm' ? ['-cpu', 'host'] : []),
    '-smp', String(spec.vcpus),
    '-m', String(spec.memoryMiB),
    '-nodefaults',
    '-no-user-config',
    '-display', 'none',
    '-no-shutdown',
    '-boot', 'strict=on',
    '-msg', 'timestamp=off',
    '-sandbox', 'on,obsolete=deny,elevateprivileges=allow,spawn=allow,resourcecontrol=deny',
    '-chardev', `file,id=serial0,path=${qemuValue(spec.consoleLog)},append=on`,
    '-serial', 'chardev:serial0',
    '-qmp', `unix:${qemuValue(spec.sockets.qmp)},server=on,wait=off`,
    '-smbios', `type=1,manufacturer=Amazon EC2,product=${qemuValue(spec.smbios.product)},uuid=${spec.smbios.uuid},serial=${spec.smbios.uuid}`,
    '-device', 'virtio-rng-pci',
    '-device', 'virtio-balloon-pci,free-page-reporting=on',
  ];
  if (spec.firmware.kind === 'uefi') {
    args.push('-drive', `if=pflash,format=raw,unit=0,readonly=on,file=${qemuValue(spec.firmware.code)}`);
    args.push('-drive', `if=pflash,format=raw,unit=1,file=${qemuValue(spec.firmware.vars)}`);
  }
  let port = 0;
  const rootPort = () => {
    port++;
    args.push('-device', `pcie-root-port,id=port${port},chassis=${port}`);
    return `port${port}`;
  };
  const imds = `${spec.socat} STDIO UNIX-CONNECT:${spec.sockets.imds}`;
  const api = spec.sockets.api && `,guestfwd=tcp:${GUEST_API_ADDRESS}:80-cmd:${qemuValue(`${spec.socat} STDIO UNIX-CONNECT:${spec.sockets.api}`)}`;
  args.push(
    '-netdev',
    `user,id=net0,restrict=on,ipv6=off,net=160.0.0.0/4,host=${spec.gateway},dns=${spec.dns},dhcpstart=${spec.privateIp},guestfwd=tcp:169.254.169.254:80-cmd:${qemuValue(imds)}${api || ''}`,
    '-device',
    `virtio-net-pci,netdev=net0,mac=${spec.macAddress},romfile=,bus=${rootPort()}`,
  );
  for (const disk of spec.disks) {
    args.push('-blockdev', JSON.stringify(nbdBlockdev(spec, disk.volumeId)));
    const boot = disk.boot ? ',bootindex=0' : '';
    args.push('-device', `virtio-blk-pci,drive=${diskNode(disk.volumeId)},id=${diskDevice(disk.volumeId)},serial=${diskSerial(disk.volumeId)},bus=${rootPort()}${boot}`);
  }
  for (let i = 0; i < spec.sparePorts; i++) rootPort();
  return args;
}

/** The root port ids a spec creates (the first is the NIC's): free ones take hot-plugged disks. */
export function rootPorts(spec: Pick<VmSpec, 'disks' | 'sparePorts'>): string[] {
  return Array.from({ length: 1 + spec.disks.length + spec.sparePorts }, (_, i) => `port${i + 1}`);
}
