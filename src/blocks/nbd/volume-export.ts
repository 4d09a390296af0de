// A VolumeDevice as an NBD device, with block status: a block with no stored chunk (never
// written, zeroed or trimmed) is a hole that reads as zeros, so sparse-aware clients (qemu-img
// convert and map, nbdcopy) skip it instead of reading zeros over the socket.
import { BLOCK_SIZE } from '../block-size.js';
import type { VolumeDevice } from '../volume-device.js';
import type { NbdDevice } from './nbd-export.js';

export function volumeNbdDevice(device: VolumeDevice): NbdDevice {
  return {
    get size() {
      return device.size;
    },
    get readOnly() {
      return device.readOnly;
    },
    read: (offset, length) => device.read(offset, length),
    write: (offset, data) => device.write(offset, data),
    writeZeroes: (offset, length) => device.writeZeroes(offset, length),
    flush: () => device.flush(),
    // queued like any other operation, so it sees every write issued before it
    extents: (offset, length) =>
      device.exclusive(async () => {
        await device.settleLocked(); // cached writes get their chunk (or none, for zeros) first; no fsync needed
        const out: { length: number; zero: boolean }[] = [];
        for (let pos = offset; pos < offset + length; ) {
          const index = Math.floor(pos / BLOCK_SIZE);
          const end = Math.min((index + 1) * BLOCK_SIZE, offset + length);
          out.push({ length: end - pos, zero: !device.chunkOf(index) });
          pos = end;
        }
        return out;
      }),
  };
}
