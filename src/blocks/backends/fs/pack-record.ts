// One chunk inside a pack file: a fixed header, then the chunk's bytes. The header repeats the
// chunk id and size so a pack can be re-indexed by scanning it, and a crc32 over header and data
// catches torn writes (a crash mid-append) and bit rot on read.
//
//   0  u32  magic 'IMCR'          20  32 B  chunk id
//   4  u8   version (1)           52  u32   crc32 of bytes 0..51 and the data
//   5  3 B  reserved (0)          56  ...   data
//   8  u32  data length
//  12  f64  writtenAt (ms since epoch)
import { crc32 } from 'node:zlib';

export const RECORD_HEADER_SIZE = 56;
/** Sanity bound on one chunk: a scan treats a larger length as garbage. */
export const MAX_RECORD_DATA = 64 * 1024 * 1024;

const MAGIC = 0x52434d49; // 'IMCR' read little-endian
const VERSION = 1;
const CRC_AT = 52;

export interface RecordHeader {
  id: Buffer;
  size: number;
  writtenAt: number;
  crc: number;
}

export function encodeRecordHeader(id: Buffer, data: Uint8Array, writtenAt: number): Buffer {
  const header = Buffer.alloc(RECORD_HEADER_SIZE);
  header.writeUInt32LE(MAGIC, 0);
  header.writeUInt8(VERSION, 4);
  header.writeUInt32LE(data.length, 8);
  header.writeDoubleLE(writtenAt, 12);
  id.copy(header, 20, 0, 32);
  header.writeUInt32LE(recordChecksum(header, data), CRC_AT);
  return header;
}

/** The header's fields, or undefined when the bytes cannot be a record header. */
export function parseRecordHeader(header: Buffer): RecordHeader | undefined {
  if (header.length < RECORD_HEADER_SIZE) return undefined;
  if (header.readUInt32LE(0) !== MAGIC || header.readUInt8(4) !== VERSION) return undefined;
  const size = header.readUInt32LE(8);
  if (size > MAX_RECORD_DATA) return undefined;
  return {
    id: header.subarray(20, 52),
    size,
    writtenAt: header.readDoubleLE(12),
    crc: header.readUInt32LE(CRC_AT),
  };
}

export function recordChecksumOk(header: Buffer, data: Uint8Array): boolean {
  return recordChecksum(header, data) === header.readUInt32LE(CRC_AT);
}

function recordChecksum(header: Buffer, data: Uint8Array): number {
  const crc = crc32(header.subarray(0, CRC_AT));
  // zlib answers 0 for an empty buffer without backing memory, whatever the running value
  return data.length === 0 ? crc : crc32(data, crc);
}
