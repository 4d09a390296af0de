import { test } from 'node:test';
import assert from 'node:assert/strict';
import { diskSerial, nbdBlockdev, qemuArgs, qemuValue, rootPorts, type VmSpec } from './qemu-command.js';
import { smbiosUuid } from './qemu-driver.js';

const spec: VmSpec = {
  instanceId: 'i-0123456789abcdef0',
  accel: 'tcg',
  vcpus: 2,
  memoryMiB: 1024,
  firmware: { kind: 'bios' },
  disks: [
    { volumeId: 'vol-0000000000000000a', boot: true },
    { volumeId: 'vol-0000000000000000b', boot: false },
  ],
  sparePorts: 2,
  macAddress: '0e:01:02:03:04:05',
  privateIp: '172.31.16.4',
  gateway: '172.31.16.1',
  dns: '172.31.0.2',
  smbios: { uuid: 'ec2ab1b2-0000-1111-2222-333344445555', product: 't3.micro' },
  sockets: { qmp: '/run/i/qmp.sock', nbd: '/run/i/nbd.sock', imds: '/run/i/imds.sock' },
  socat: '/usr/bin/socat',
  consoleLog: '/data/i-0123456789abcdef0/console.log',
};

/** The values following each occurrence of an option. */
const values = (args: string[], option: string) => args.flatMap((a, i) => (a === option ? [args[i + 1]] : []));

test('the network is slirp with restrict=on: the metadata service by guestfwd, the instance address by DHCP', () => {
  const [netdev] = values(qemuArgs(spec), '-netdev');
  assert.match(netdev, /^user,id=net0,restrict=on,ipv6=off,net=160\.0\.0\.0\/4,/);
  assert.match(netdev, /host=172\.31\.16\.1,dns=172\.31\.0\.2,dhcpstart=172\.31\.16\.4,/);
  assert.match(netdev, /guestfwd=tcp:169\.254\.169\.254:80-cmd:\/usr\/bin\/socat STDIO UNIX-CONNECT:\/run\/i\/imds\.sock$/);
  assert.ok(!netdev.includes('hostfwd'), 'forwards are added live, never at start');
  const nic = values(qemuArgs(spec), '-device').find((d) => d.startsWith('virtio-net-pci'))!;
  assert.match(nic, /mac=0e:01:02:03:04:05,romfile=,bus=port1/);
});

test('with the server’s guest socket, one more guestfwd: Imago’s API at 169.254.169.252:80, nothing else', () => {
  const [netdev] = values(qemuArgs({ ...spec, sockets: { ...spec.sockets, api: '/run/api.sock' } }), '-netdev');
  assert.match(netdev, /guestfwd=tcp:169\.254\.169\.254:80-cmd:\/usr\/bin\/socat STDIO UNIX-CONNECT:\/run\/i\/imds\.sock,guestfwd=tcp:169\.254\.169\.252:80-cmd:\/usr\/bin\/socat STDIO UNIX-CONNECT:\/run\/api\.sock$/);
  assert.equal(netdev.match(/guestfwd=/g)?.length, 2);
});

test('disks are NBD exports of the volumes on the instance socket; the root one boots', () => {
  const args = qemuArgs(spec);
  const blockdevs = values(args, '-blockdev').map((b) => JSON.parse(b) as Record<string, unknown>);
  assert.deepEqual(blockdevs[0], { driver: 'raw', 'node-name': 'disk-vol-0000000000000000a', discard: 'unmap', file: { driver: 'nbd', server: { type: 'unix', path: '/run/i/nbd.sock' }, export: 'vol-0000000000000000a' } });
  assert.deepEqual(blockdevs[1], nbdBlockdev(spec, 'vol-0000000000000000b'));
  const disks = values(args, '-device').filter((d) => d.startsWith('virtio-blk-pci'));
  assert.equal(disks[0], 'virtio-blk-pci,drive=disk-vol-0000000000000000a,id=dev-vol-0000000000000000a,serial=vol0000000000000000a,bus=port2,bootindex=0');
  assert.ok(!disks[1].includes('bootindex'));
  assert.deepEqual(rootPorts(spec), ['port1', 'port2', 'port3', 'port4', 'port5']);
  assert.equal(values(args, '-device').filter((d) => d.startsWith('pcie-root-port')).length, 5);
  assert.equal(diskSerial('vol-0123456789abcdef0').length, 20);
});

test('least privilege: no defaults, no host files but firmware, seccomp on, strict boot', () => {
  const args = qemuArgs(spec);
  for (const flag of ['-nodefaults', '-no-user-config', '-no-shutdown']) assert.ok(args.includes(flag), flag);
  assert.deepEqual(values(args, '-display'), ['none']);
  assert.match(values(args, '-sandbox')[0], /^on,obsolete=deny,.*resourcecontrol=deny/);
  assert.deepEqual(values(args, '-boot'), ['strict=on']);
  assert.deepEqual(values(args, '-drive'), [], 'BIOS boots need no host file at all');
  assert.deepEqual(values(args, '-accel'), ['tcg,tb-size=64']);
  assert.ok(values(args, '-device').includes('virtio-balloon-pci,free-page-reporting=on'), 'freed guest memory goes back to the host');
  assert.deepEqual(values(args, '-smp'), ['2']);
  assert.deepEqual(values(args, '-m'), ['1024']);
  assert.match(values(args, '-smbios')[0], /manufacturer=Amazon EC2,product=t3\.micro,uuid=ec2ab1b2-0000-1111-2222-333344445555,serial=ec2ab1b2-/);
});

test('the serial console goes straight to the instance’s log file, appended to, never through a pipe', () => {
  const args = qemuArgs({ ...spec, consoleLog: '/data/i,x/console.log' });
  assert.deepEqual(values(args, '-chardev'), ['file,id=serial0,path=/data/i,,x/console.log,append=on']);
  assert.deepEqual(values(args, '-serial'), ['chardev:serial0']);
  assert.ok(!args.some((a) => a.includes('stdio')), 'nothing on stdio: a full pipe made QEMU drop bytes');
});

test('UEFI: OVMF code read-only, the instance’s own variables; KVM uses the host CPU', () => {
  const args = qemuArgs({ ...spec, accel: 'kvm', firmware: { kind: 'uefi', code: '/usr/share/OVMF/OVMF_CODE_4M.fd', vars: '/data/i,x/efi-vars.fd' } });
  assert.deepEqual(values(args, '-drive'), ['if=pflash,format=raw,unit=0,readonly=on,file=/usr/share/OVMF/OVMF_CODE_4M.fd', 'if=pflash,format=raw,unit=1,file=/data/i,,x/efi-vars.fd']);
  assert.deepEqual(values(args, '-accel'), ['kvm']);
  assert.deepEqual(values(args, '-cpu'), ['host']);
});

test('option values escape commas; SMBIOS UUIDs tell cloud-init it is on EC2', () => {
  assert.equal(qemuValue('a,b,,c'), 'a,,b,,,,c');
  const uuid = smbiosUuid('i-0123456789abcdef0');
  assert.match(uuid, /^ec2[0-9a-f]{5}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
  assert.equal(smbiosUuid('i-0123456789abcdef0'), uuid);
  assert.notEqual(smbiosUuid('i-0123456789abcdef1'), uuid);
});
