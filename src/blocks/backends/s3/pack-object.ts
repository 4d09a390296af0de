// A pack object: the chunk records of one pack (the fs store's record format, fs/pack-record.ts:
// header with id, size, write time and crc32, then the data), then a footer that indexes them,
// so a node rebuilds its index from one small range read per pack instead of the whole pack.
//
//   records ...                       byte 0 .. recordsEnd
//   entries: count x 48 bytes         id 32 | offset u32 | size u32 | writtenAt f64
//   trailer: 20 bytes                 magic 'IMPK' | version u8 | 3 reserved | count u32 |
//                                     recordsEnd u32 | crc32 of entries and trailer bytes 0..15
//
// The entries list the records that were live when the pack was sealed; a record deleted
// before that is dead space the footer leaves out. Packs stay below 4 GiB (u32 offsets).
import { crc32 } from 'node:zlib';

export const TRAILER_SIZE = 20;
export const ENTRY_SIZE = 48;
const MAGIC = 0x4b504d49; // 'IMPK' read little-endian
const VERSION = 1;

export interface PackEntry {
  id: Buffer;
  offset: number;
  size: number;
  writtenAt: number;
}

export function encodeFooter(entries: readonly PackEntry[], recordsEnd: number): Buffer {
  const footer = Buffer.alloc(entries.length * ENTRY_SIZE + TRAILER_SIZE);
  entries.forEach((e, i) => {
    const at = i * ENTRY_SIZE;
    e.id.copy(footer, at, 0, 32);
    footer.writeUInt32LE(e.offset, at + 32);
    footer.writeUInt32LE(e.size, at + 36);
    footer.writeDoubleLE(e.writtenAt, at + 40);
  });
  const t = entries.length * ENTRY_SIZE;
  footer.writeUInt32LE(MAGIC, t);
  footer.writeUInt8(VERSION, t + 4);
  footer.writeUInt32LE(entries.length, t + 8);
  footer.writeUInt32LE(recordsEnd, t + 12);
  footer.writeUInt32LE(crc32(footer.subarray(0, t + 16)), t + 16);
  return footer;
}

/** The footer's length as told by the trailer (the last TRAILER_SIZE bytes of the pack). */
export function footerLength(trailer: Buffer): number {
  if (trailer.length < TRAILER_SIZE || trailer.readUInt32LE(trailer.length - TRAILER_SIZE) !== MAGIC) throw new PackFormatError('no pack trailer');
  return trailer.readUInt32LE(trailer.length - TRAILER_SIZE + 8) * ENTRY_SIZE + TRAILER_SIZE;
}

/** Parses a footer (exactly its bytes: the tail of the pack object of `objectSize` bytes). */
export function parseFooter(footer: Buffer, objectSize: number): PackEntry[] {
  const t = footer.length - TRAILER_SIZE;
  if (t < 0 || footer.readUInt32LE(t) !== MAGIC) throw new PackFormatError('no pack trailer');
  if (footer.readUInt8(t + 4) !== VERSION) throw new PackFormatError(`pack version ${footer.readUInt8(t + 4)} is not supported`);
  const count = footer.readUInt32LE(t + 8);
  const recordsEnd = footer.readUInt32LE(t + 12);
  if (t !== count * ENTRY_SIZE || recordsEnd + footer.length !== objectSize) throw new PackFormatError('pack footer length mismatch');
  if (crc32(footer.subarray(0, t + 16)) !== footer.readUInt32LE(t + 16)) throw new PackFormatError('pack footer checksum mismatch');
  const entries: PackEntry[] = [];
  for (let at = 0; at < t; at += ENTRY_SIZE) {
    entries.push({
      id: Buffer.from(footer.subarray(at, at + 32)),
      offset: footer.readUInt32LE(at + 32),
      size: footer.readUInt32LE(at + 36),
      writtenAt: footer.readDoubleLE(at + 40),
    });
  }
  return entries;
}

export class PackFormatError extends Error {}
