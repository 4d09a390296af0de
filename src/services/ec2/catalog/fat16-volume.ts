// A small FAT16 file system as bytes: one boot sector, two FATs, a root directory holding a
// volume label and plain 8.3 files, one 512-byte sector per cluster. Enough for the catalog's
// base disks to carry real, mountable content (`mount -o loop,offset=…`, mtools, any OS).
// Deterministic: fixed timestamps and a caller-chosen volume id.

export interface FatFile {
  /** 8.3 name, upper case, e.g. `README.TXT` */
  name: string;
  data: Buffer;
}

export interface FatOptions {
  /** total sectors of the volume (must give 4085..65524 clusters) */
  sectors: number;
  /** sectors before the volume on its disk (the partition's first LBA) */
  hiddenSectors: number;
  volumeId: number;
  /** up to 11 characters */
  label: string;
  files: readonly FatFile[];
  /** file times */
  time: Date;
}

const SECTOR = 512;
const RESERVED = 4;
const FATS = 2;
const ROOT_ENTRIES = 512;
const ROOT_SECTORS = (ROOT_ENTRIES * 32) / SECTOR;

function shortName(name: string): Buffer {
  const m = /^([A-Z0-9_~-]{1,8})(?:\.([A-Z0-9_~-]{1,3}))?$/.exec(name);
  if (!m) throw new Error(`not an upper-case 8.3 name: ${name}`);
  return Buffer.from(m[1].padEnd(8) + (m[2] ?? '').padEnd(3), 'latin1');
}

function fatDate(t: Date): number {
  return ((t.getUTCFullYear() - 1980) << 9) | ((t.getUTCMonth() + 1) << 5) | t.getUTCDate();
}

function fatTime(t: Date): number {
  return (t.getUTCHours() << 11) | (t.getUTCMinutes() << 5) | Math.floor(t.getUTCSeconds() / 2);
}

/** Sectors per FAT so that every cluster of the data area has an entry. */
function fatSectors(total: number): number {
  for (let f = 1; ; f++) {
    const clusters = total - RESERVED - FATS * f - ROOT_SECTORS;
    if ((clusters + 2) * 2 <= f * SECTOR) return f;
  }
}

/** The volume's non-zero prefix (everything after it is zero): boot sector to the last file. */
export function buildFat16(o: FatOptions): Buffer {
  const fat = fatSectors(o.sectors);
  const clusters = o.sectors - RESERVED - FATS * fat - ROOT_SECTORS;
  if (clusters < 4085 || clusters > 65524) throw new Error(`${clusters} clusters do not make a FAT16 volume`);
  const dataStart = RESERVED + FATS * fat + ROOT_SECTORS;
  const used = o.files.reduce((n, f) => n + Math.max(1, Math.ceil(f.data.length / SECTOR)), 0);
  const image = Buffer.alloc((dataStart + used) * SECTOR);

  // boot sector with the BIOS parameter block
  const boot = image.subarray(0, SECTOR);
  boot.set([0xeb, 0x3c, 0x90], 0);
  boot.write('IMAGO   ', 3, 'latin1');
  boot.writeUInt16LE(SECTOR, 11);
  boot.writeUInt8(1, 13); // sectors per cluster
  boot.writeUInt16LE(RESERVED, 14);
  boot.writeUInt8(FATS, 16);
  boot.writeUInt16LE(ROOT_ENTRIES, 17);
  if (o.sectors < 0x10000) boot.writeUInt16LE(o.sectors, 19);
  else boot.writeUInt32LE(o.sectors, 32);
  boot.writeUInt8(0xf8, 21); // fixed disk
  boot.writeUInt16LE(fat, 22);
  boot.writeUInt16LE(63, 24);
  boot.writeUInt16LE(255, 26);
  boot.writeUInt32LE(o.hiddenSectors, 28);
  boot.writeUInt8(0x80, 36);
  boot.writeUInt8(0x29, 38); // extended boot signature
  boot.writeUInt32LE(o.volumeId >>> 0, 39);
  boot.write(o.label.toUpperCase().padEnd(11).slice(0, 11), 43, 'latin1');
  boot.write('FAT16   ', 54, 'latin1');
  boot.writeUInt16LE(0xaa55, 510);

  const fatTable = Buffer.alloc(fat * SECTOR);
  fatTable.writeUInt16LE(0xfff8, 0);
  fatTable.writeUInt16LE(0xffff, 2);
  const root = image.subarray((RESERVED + FATS * fat) * SECTOR, dataStart * SECTOR);
  const entry = (i: number) => root.subarray(i * 32, i * 32 + 32);
  const label = entry(0);
  label.write(o.label.toUpperCase().padEnd(11).slice(0, 11), 0, 'latin1');
  label.writeUInt8(0x08, 11);
  label.writeUInt16LE(fatTime(o.time), 22);
  label.writeUInt16LE(fatDate(o.time), 24);

  let cluster = 2;
  o.files.forEach((f, i) => {
    const count = Math.max(1, Math.ceil(f.data.length / SECTOR));
    const e = entry(i + 1);
    shortName(f.name).copy(e, 0);
    e.writeUInt8(0x21, 11); // archive, read-only
    for (const at of [14, 22]) e.writeUInt16LE(fatTime(o.time), at);
    for (const at of [16, 18, 24]) e.writeUInt16LE(fatDate(o.time), at);
    e.writeUInt16LE(f.data.length ? cluster : 0, 26);
    e.writeUInt32LE(f.data.length, 28);
    if (f.data.length) {
      for (let c = 0; c < count; c++) fatTable.writeUInt16LE(c === count - 1 ? 0xffff : cluster + c + 1, (cluster + c) * 2);
      f.data.copy(image, (dataStart + cluster - 2) * SECTOR);
    }
    cluster += count;
  });
  for (let n = 0; n < FATS; n++) fatTable.copy(image, (RESERVED + n * fat) * SECTOR);
  return image;
}
