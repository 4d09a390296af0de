import { test } from 'node:test';
import assert from 'node:assert/strict';
import { blockstatsCounters, cpuUtilization, diskPeriod, grew, networkPeriod, parseProcStat, parseSchedstat, vmPeriod, type DiskCounters, type VmCounters } from './vm-counters.js';

const disk = (o: Partial<DiskCounters> = {}): DiskCounters => ({ readBytes: 0, writeBytes: 0, readOps: 0, writeOps: 0, readTimeNs: 0, writeTimeNs: 0, flushTimeNs: 0, ...o });

test('CPUUtilization: vCPU seconds over wall seconds times vCPUs, clamped', () => {
  assert.equal(cpuUtilization({ at: 0, cpuSeconds: 10, vcpus: 2 }, { at: 60_000, cpuSeconds: 40, vcpus: 2 }), 25);
  assert.equal(cpuUtilization({ at: 0, cpuSeconds: 0, vcpus: 1 }, { at: 1000, cpuSeconds: 1.5, vcpus: 1 }), 100); // accounting jitter
  assert.equal(cpuUtilization({ at: 0, cpuSeconds: 5, vcpus: 1 }, { at: 1000, cpuSeconds: 5, vcpus: 1 }), 0);
  // a restarted VM: its counter started over
  assert.equal(cpuUtilization({ at: 0, cpuSeconds: 500, vcpus: 1 }, { at: 10_000, cpuSeconds: 2, vcpus: 1 }), 20);
  assert.equal(cpuUtilization({ at: 0, vcpus: 1 }, { at: 1000, cpuSeconds: 1, vcpus: 1 }), undefined);
  assert.equal(cpuUtilization({ at: 1000, cpuSeconds: 0, vcpus: 1 }, { at: 1000, cpuSeconds: 1, vcpus: 1 }), undefined);
});

test('a counter that went down started over', () => {
  assert.equal(grew(10, 15), 5);
  assert.equal(grew(10, 3), 3);
});

test('disk period: bytes, ops, times in seconds, idle time and queue length', () => {
  const p = diskPeriod(disk({ readBytes: 1000, readOps: 10, readTimeNs: 1e9 }), disk({ readBytes: 5096, writeBytes: 8192, readOps: 11, writeOps: 2, readTimeNs: 3e9, writeTimeNs: 1e9, flushTimeNs: 1e9 }), 60);
  assert.deepEqual(p, { readBytes: 4096, writeBytes: 8192, readOps: 1, writeOps: 2, readTime: 2, writeTime: 1, idleTime: 56, queueLength: 4 / 60 });
  // nothing happened: idle the whole period, nothing queued
  assert.deepEqual(diskPeriod(disk(), disk(), 60), { readBytes: 0, writeBytes: 0, readOps: 0, writeOps: 0, readTime: 0, writeTime: 0, idleTime: 60, queueLength: 0 });
  // overlapping operations: busy beyond the period, idle 0, queue length above 1
  const busy = diskPeriod(disk(), disk({ readOps: 100, readTimeNs: 120e9 }), 60);
  assert.equal(busy.idleTime, 0);
  assert.equal(busy.queueLength, 2);
});

test('network period', () => {
  assert.deepEqual(networkPeriod({ inBytes: 100, inPackets: 2, outBytes: 50, outPackets: 1 }, { inBytes: 1600, inPackets: 3, outBytes: 50, outPackets: 1 }), { inBytes: 1500, inPackets: 1, outBytes: 0, outPackets: 0 });
});

test('VM period: volumes in both samples, network when both have it', () => {
  const a: VmCounters = { at: 0, vcpus: 1, cpuSeconds: 1, disks: { 'vol-a': disk(), 'vol-gone': disk() } };
  const b: VmCounters = { at: 5000, vcpus: 1, cpuSeconds: 2, disks: { 'vol-a': disk({ writeOps: 1, writeBytes: 512 }), 'vol-new': disk() }, network: { inBytes: 1, inPackets: 1, outBytes: 1, outPackets: 1 } };
  const p = vmPeriod(a, b)!;
  assert.equal(p.seconds, 5);
  assert.equal(p.cpuUtilization, 20);
  assert.deepEqual(Object.keys(p.disks), ['vol-a']);
  assert.equal(p.disks['vol-a'].writeBytes, 512);
  assert.equal(p.network, undefined);
  assert.equal(p.metadataNoToken, undefined);
  assert.equal(vmPeriod({ ...a, metadataNoToken: 2 }, { ...b, metadataNoToken: 5 })!.metadataNoToken, 3);
  assert.equal(vmPeriod(b, b), undefined);
});

test('/proc parsing: schedstat ns, stat ticks with a name holding spaces and parentheses', () => {
  assert.equal(parseSchedstat('2500000000 64855469 45\n'), 2.5);
  assert.equal(parseSchedstat(''), undefined);
  const stat = '3671 (CPU 0/TCG) (x) S 3666 3666 1 0 -1 4194368 0 0 0 0 150 25 0 0 20 0 4 0 123 0 0';
  assert.equal(parseProcStat(stat), 1.75);
  assert.equal(parseProcStat('garbage'), undefined);
});

test('query-blockstats: counters of volume disks by node name', () => {
  const answer = [
    { device: '', 'node-name': 'disk-vol-1', qdev: '/machine/peripheral/dev-vol-1/virtio-backend', stats: { rd_bytes: 512, wr_bytes: 1024, rd_operations: 1, wr_operations: 2, rd_total_time_ns: 10, wr_total_time_ns: 20, flush_total_time_ns: 5 } },
    { device: '', 'node-name': '#block009', stats: { rd_bytes: 9 } },
  ];
  const got = blockstatsCounters(answer, (node) => (node.startsWith('disk-') ? node.slice(5) : undefined));
  assert.deepEqual(got, { 'vol-1': { readBytes: 512, writeBytes: 1024, readOps: 1, writeOps: 2, readTimeNs: 10, writeTimeNs: 20, flushTimeNs: 5 } });
  assert.deepEqual(blockstatsCounters(null, () => 'x'), {});
});
