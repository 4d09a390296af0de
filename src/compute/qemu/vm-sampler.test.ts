// The sampler's parsing, and the sampler against a live QEMU (no guest OS: SeaBIOS finds nothing
// to boot and keeps its vCPU busy retrying) when qemu-system-x86_64 is installed.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cpuUtilization, vmPeriod } from '../vm-counters.js';
import { which } from './qemu-probe.js';
import { QemuProcess } from './qemu-process.js';
import { VmSampler } from './vm-sampler.js';
import { countFrames, macBytes, VmNetworkCounter, type PcapCursor } from './vm-network-counter.js';

const MAC = '0e:00:00:00:00:01';

function record(src: string, len: number): Buffer {
  const header = Buffer.alloc(16);
  header.writeUInt32LE(14, 8);
  header.writeUInt32LE(len, 12);
  const frame = Buffer.concat([Buffer.alloc(6, 0xff), macBytes(src), Buffer.from([0x08, 0x00])]);
  return Buffer.concat([header, frame]);
}

test('pcap records: direction by source MAC, full frame lengths, records split across reads', () => {
  const file = Buffer.concat([Buffer.alloc(24), record(MAC, 1514), record('52:55:0a:00:02:02', 60), record(MAC, 98)]);
  const totals = { inBytes: 0, inPackets: 0, outBytes: 0, outPackets: 0 };
  const cursor: PcapCursor = { skip: 24, leftover: Buffer.alloc(0) };
  const cuts = [0, 10, 30, 41, 77, file.length];
  for (let i = 1; i < cuts.length; i++) countFrames(file.subarray(cuts[i - 1], cuts[i]), cursor, macBytes(MAC), totals);
  assert.deepEqual(totals, { inBytes: 60, inPackets: 1, outBytes: 1612, outPackets: 2 });
  assert.equal(cursor.leftover.length, 0);
});

const qemu = which('qemu-system-x86_64');

describe('a live QEMU', { skip: qemu ? false : 'qemu-system-x86_64 is not installed' }, () => {
  let dir: string;
  let proc: QemuProcess;
  let net: VmNetworkCounter;
  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'imago-sampler-'));
    const qmp = join(dir, 'qmp.sock');
    proc = new QemuProcess(qemu!, [
      '-machine', 'q35', '-accel', 'tcg', '-display', 'none', '-nodefaults', '-no-user-config', '-m', '64',
      '-qmp', `unix:${qmp},server=on,wait=off`,
      '-blockdev', JSON.stringify({ driver: 'raw', 'node-name': 'disk-vol-1', file: { driver: 'null-co', size: 1 << 20, 'read-zeroes': true } }),
      '-device', 'virtio-blk-pci,drive=disk-vol-1,id=dev-vol-1',
      '-netdev', 'user,id=net0,restrict=on', '-device', `virtio-net-pci,netdev=net0,mac=${MAC}`,
    ], qmp);
    await proc.start();
    net = new VmNetworkCounter(proc, dir, 'net0', MAC);
    await net.start();
  });
  after(async () => {
    net?.dispose();
    await proc?.quit();
    rmSync(dir, { recursive: true, force: true });
  });

  test('CPU time of the vCPU thread, the volume disk, the network frames', async () => {
    const sampler = new VmSampler(proc, 1, () => net.read());
    const a = await sampler.sample();
    assert.deepEqual(Object.keys(a.disks), ['vol-1']);
    await proc.hmp('hostfwd_add net0 tcp:127.0.0.1:0-:22').catch(() => '');
    // a host connection to a forwarded port makes slirp look for the guest: a frame towards it
    const fwd = (await proc.hmp('info usernet')).match(/HOST_FORWARD\]\s+\d+\s+127\.0\.0\.1\s+(\d+)/);
    if (fwd) await new Promise<void>((resolve) => connect(Number(fwd[1]), '127.0.0.1').on('connect', () => setTimeout(resolve, 500)).on('error', () => resolve()));
    await new Promise((r) => setTimeout(r, 1000));
    const b = await sampler.sample();
    const period = vmPeriod(a, b)!;
    assert.ok(period.cpuUtilization! > 0, `CPUUtilization ${period.cpuUtilization}`);
    assert.equal(cpuUtilization(a, b), period.cpuUtilization);
    assert.ok(b.network, 'network counted');
    assert.ok(fwd, 'the forward was made');
    assert.ok(b.network.inPackets >= 1, JSON.stringify(b.network));
  });
});
