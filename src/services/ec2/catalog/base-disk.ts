// The catalog's base disks: one small, deterministic disk per architecture, as a real GPT disk
// (protective MBR, primary and backup headers and partition arrays with their CRC32s) with one
// EFI System Partition holding a FAT16 file system and a README. Only the blocks that hold
// data are produced (three 512 KiB blocks of an 8 GiB disk); the rest of the disk is zeros.
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { BLOCK_SIZE } from '../../../blocks/block-size.js';
import { buildFat16 } from './fat16-volume.js';

const SECTOR = 512;
const GIB = 1024 ** 3;
const ENTRIES = 128;
const ENTRY_SIZE = 128;
const ENTRY_SECTORS = (ENTRIES * ENTRY_SIZE) / SECTOR;
const PARTITION_FIRST_LBA = 2048; // 1 MiB aligned
const PARTITION_SECTORS = 16384; // 8 MiB
const EFI_SYSTEM_PARTITION = 'C12A7328-F81F-11D2-BA4B-00A0C93EC93B';
/** the catalog's images were all "built" at this instant (file times inside the disk) */
const BUILD_TIME = new Date('2024-10-01T00:00:00Z');

export const BASE_DISK_GIB = 8;

export interface BaseDisk {
  /** e.g. `linux-x86_64` */
  key: string;
  sizeBytes: number;
  /** the non-zero 512 KiB blocks by block index */
  blocks: Map<number, Buffer>;
  /** SHA-256 over the blocks (index and content): names this exact content */
  digest: string;
}

/** A GUID as GPT stores it: the first three fields little-endian. */
export function guidBytes(guid: string): Buffer {
  const hex = guid.replace(/-/g, '');
  const b = Buffer.from(hex, 'hex');
  b.subarray(0, 4).reverse();
  b.subarray(4, 6).reverse();
  b.subarray(6, 8).reverse();
  return b;
}

/** A version-4-shaped GUID derived from a seed. */
function derivedGuid(seed: string): string {
  const h = createHash('sha256').update(seed).digest();
  h[6] = (h[6] & 0x0f) | 0x40;
  h[8] = (h[8] & 0x3f) | 0x80;
  const x = h.subarray(0, 16).toString('hex').toUpperCase();
  return `${x.slice(0, 8)}-${x.slice(8, 12)}-${x.slice(12, 16)}-${x.slice(16, 20)}-${x.slice(20, 32)}`;
}

function gptHeader(o: { current: number; backup: number; entriesLba: number; lastLba: number; diskGuid: string; entriesCrc: number }): Buffer {
  const h = Buffer.alloc(SECTOR);
  h.write('EFI PART', 0, 'latin1');
  h.writeUInt32LE(0x00010000, 8);
  h.writeUInt32LE(92, 12);
  h.writeBigUInt64LE(BigInt(o.current), 24);
  h.writeBigUInt64LE(BigInt(o.backup), 32);
  h.writeBigUInt64LE(34n, 40); // first usable
  h.writeBigUInt64LE(BigInt(o.lastLba - ENTRY_SECTORS - 1), 48); // last usable
  guidBytes(o.diskGuid).copy(h, 56);
  h.writeBigUInt64LE(BigInt(o.entriesLba), 72);
  h.writeUInt32LE(ENTRIES, 80);
  h.writeUInt32LE(ENTRY_SIZE, 84);
  h.writeUInt32LE(o.entriesCrc, 88);
  h.writeUInt32LE(crc32(h.subarray(0, 92)), 16);
  return h;
}

function readme(architecture: string): string {
  return [
    `Imago catalog base disk (${architecture})`,
    '',
    'This disk backs the public images of Imago\'s catalog (Amazon Linux, Ubuntu, Debian and the',
    'AWS Marketplace examples) for this architecture. It is a real GPT disk whose EFI System',
    'Partition holds this FAT16 file system, so volumes restored from these images read back',
    'real bytes. It does not boot an operating system.',
    '',
    'To publish your own base images, see "The public image catalog" in Imago\'s README.',
    '',
  ].join('\r\n');
}

/** The base disk for an architecture (`x86_64`, `arm64`). Deterministic. */
export function buildBaseDisk(architecture: string): BaseDisk {
  const key = `linux-${architecture}`;
  const sizeBytes = BASE_DISK_GIB * GIB;
  const lastLba = sizeBytes / SECTOR - 1;
  const diskGuid = derivedGuid(`imago-catalog/${key}/disk`);

  // partition array
  const entries = Buffer.alloc(ENTRIES * ENTRY_SIZE);
  guidBytes(EFI_SYSTEM_PARTITION).copy(entries, 0);
  guidBytes(derivedGuid(`imago-catalog/${key}/esp`)).copy(entries, 16);
  entries.writeBigUInt64LE(BigInt(PARTITION_FIRST_LBA), 32);
  entries.writeBigUInt64LE(BigInt(PARTITION_FIRST_LBA + PARTITION_SECTORS - 1), 40);
  Buffer.from('EFI System Partition', 'utf16le').copy(entries, 56);
  const entriesCrc = crc32(entries);

  // block 0: protective MBR, primary header, primary array
  const first = Buffer.alloc(BLOCK_SIZE);
  const mbr = first.subarray(0, SECTOR);
  mbr.set([0x00, 0x00, 0x02, 0x00, 0xee, 0xff, 0xff, 0xff], 446);
  mbr.writeUInt32LE(1, 454);
  mbr.writeUInt32LE(Math.min(lastLba, 0xffffffff), 458);
  mbr.writeUInt16LE(0xaa55, 510);
  gptHeader({ current: 1, backup: lastLba, entriesLba: 2, lastLba, diskGuid, entriesCrc }).copy(first, SECTOR);
  entries.copy(first, 2 * SECTOR);

  // the partition's file system
  const fs = buildFat16({
    sectors: PARTITION_SECTORS,
    hiddenSectors: PARTITION_FIRST_LBA,
    volumeId: createHash('sha256').update(`imago-catalog/${key}/fat`).digest().readUInt32LE(0),
    label: 'IMAGO',
    files: [{ name: 'README.TXT', data: Buffer.from(readme(architecture), 'utf8') }],
    time: BUILD_TIME,
  });
  const blocks = new Map<number, Buffer>([[0, first]]);
  const fsOffset = PARTITION_FIRST_LBA * SECTOR;
  for (let at = 0; at < fs.length; at += BLOCK_SIZE) {
    const block = Buffer.alloc(BLOCK_SIZE);
    fs.copy(block, 0, at, Math.min(fs.length, at + BLOCK_SIZE));
    blocks.set((fsOffset + at) / BLOCK_SIZE, block);
  }

  // last block: backup array, then backup header in the last sector
  const last = Buffer.alloc(BLOCK_SIZE);
  const backupEntriesLba = lastLba - ENTRY_SECTORS;
  const lastBlockLba = (sizeBytes - BLOCK_SIZE) / SECTOR;
  entries.copy(last, (backupEntriesLba - lastBlockLba) * SECTOR);
  gptHeader({ current: lastLba, backup: 1, entriesLba: backupEntriesLba, lastLba, diskGuid, entriesCrc }).copy(last, (lastLba - lastBlockLba) * SECTOR);
  blocks.set(sizeBytes / BLOCK_SIZE - 1, last);

  const digest = createHash('sha256');
  for (const [index, block] of [...blocks].sort((a, b) => a[0] - b[0])) digest.update(`${index}:`).update(block);
  return { key, sizeBytes, blocks, digest: digest.digest('hex') };
}
