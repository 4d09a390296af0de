// NetworkIn/Out and NetworkPacketsIn/Out of a VM. Its network is QEMU's user-mode (slirp)
// netdev, which keeps no counters and whose traffic never crosses a host interface, so the
// count is taken where every frame passes: a `filter-dump` object on the netdev writes a pcap
// record per frame, cut to its first 14 bytes (the Ethernet header: 30 bytes a frame with the
// record's), to a file in the VM's run directory. Each record carries the frame's full length;
// the source MAC tells direction (the instance's own: sent, NetworkOut; any other: received).
// A sample reads what was appended since the last one. Past ROTATE_BYTES the filter is replaced
// by one writing a fresh file (the old one is read to its end and deleted); frames that pass in
// the instant between the two QMP commands are not counted. Writing to a file never blocks the
// VM (a pipe would, when full).
import { closeSync, fstatSync, openSync, readSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { NetworkCounters } from '../vm-counters.js';
import type { QemuProcess } from './qemu-process.js';

/** pcap: global header, then per frame a record header (ts_sec, ts_usec, caplen, len) and caplen bytes. */
const GLOBAL_HEADER = 24;
const RECORD_HEADER = 16;
const SNAP = 14;
const ROTATE_BYTES = 8 << 20;

export interface PcapCursor {
  /** bytes of the file's global header still to skip */
  skip: number;
  /** an incomplete record carried to the next read */
  leftover: Buffer;
}

/** Adds the frames in `chunk` to `totals` (pure but for the cursor and totals it updates). */
export function countFrames(chunk: Buffer, cursor: PcapCursor, mac: Buffer, totals: NetworkCounters): void {
  let buf = cursor.leftover.length ? Buffer.concat([cursor.leftover, chunk]) : chunk;
  if (cursor.skip) {
    const n = Math.min(cursor.skip, buf.length);
    cursor.skip -= n;
    buf = buf.subarray(n);
  }
  let at = 0;
  while (buf.length - at >= RECORD_HEADER) {
    const caplen = buf.readUInt32LE(at + 8);
    const len = buf.readUInt32LE(at + 12);
    if (buf.length - at < RECORD_HEADER + caplen) break;
    const frame = buf.subarray(at + RECORD_HEADER, at + RECORD_HEADER + caplen);
    if (frame.length >= 12 && frame.subarray(6, 12).equals(mac)) {
      totals.outBytes += len;
      totals.outPackets++;
    } else {
      totals.inBytes += len;
      totals.inPackets++;
    }
    at += RECORD_HEADER + caplen;
  }
  cursor.leftover = Buffer.from(buf.subarray(at));
}

export const macBytes = (mac: string) => Buffer.from(mac.split(':').map((h) => parseInt(h, 16)));

export class VmNetworkCounter {
  private readonly totals: NetworkCounters = { inBytes: 0, inPackets: 0, outBytes: 0, outPackets: 0 };
  private readonly mac: Buffer;
  private current: { id: string; path: string; fd: number; offset: number; cursor: PcapCursor } | undefined;
  private serial = 0;
  private readonly buffer = Buffer.alloc(256 << 10);

  constructor(
    private readonly process: QemuProcess,
    private readonly dir: string,
    private readonly netdev: string,
    mac: string,
  ) {
    this.mac = macBytes(mac);
  }

  /** Starts counting (a new filter and file). */
  async start(): Promise<void> {
    const id = `imago-count${++this.serial}`;
    const path = join(this.dir, `${id}.pcap`);
    await this.process.execute('object-add', { 'qom-type': 'filter-dump', id, netdev: this.netdev, file: path, maxlen: SNAP });
    this.current = { id, path, fd: openSync(path, 'r'), offset: 0, cursor: { skip: GLOBAL_HEADER, leftover: Buffer.alloc(0) } };
  }

  /** The totals so far (undefined when not counting). */
  async read(): Promise<NetworkCounters | undefined> {
    const cur = this.current;
    if (!cur) return undefined;
    this.drain(cur);
    if (cur.offset >= ROTATE_BYTES) {
      await this.process.execute('object-del', { id: cur.id });
      this.drain(cur);
      this.close(cur);
      this.current = undefined;
      await this.start();
    }
    return { ...this.totals };
  }

  private drain(cur: NonNullable<VmNetworkCounter['current']>): void {
    const size = fstatSync(cur.fd).size;
    while (cur.offset < size) {
      const n = readSync(cur.fd, this.buffer, 0, Math.min(this.buffer.length, size - cur.offset), cur.offset);
      if (n <= 0) break;
      cur.offset += n;
      countFrames(this.buffer.subarray(0, n), cur.cursor, this.mac, this.totals);
    }
  }

  private close(cur: NonNullable<VmNetworkCounter['current']>): void {
    closeSync(cur.fd);
    rmSync(cur.path, { force: true });
  }

  /** Stops reading (the VM is gone; its run directory goes with it). */
  dispose(): void {
    if (this.current) closeSync(this.current.fd);
    this.current = undefined;
  }
}
