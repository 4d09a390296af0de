// The object CreateStoreImageTask writes and CreateRestoreImageTask reads (`ami-….bin`). AWS's
// format is its own and undocumented; Imago's is: "IMAGO-AMI\n", a 4-byte big-endian length and
// that many bytes of JSON (the image's attributes and its devices), then for each device in order
// its non-zero blocks as [4-byte index][512 KiB] records ended by index 0xFFFFFFFF. Written to
// and read from a file block by block: no whole image in memory.
import { open } from 'node:fs/promises';
import type { BlockStorage, LineageKey } from '../../../blocks/block-storage.js';
import { BLOCK_SIZE, isZeroBlock } from '../../../blocks/block-size.js';
import type { SnapshotRow } from '../../../store/repos/snapshots.js';
import type { ImageRow } from '../../../store/repos/images.js';
import { TaskFailure } from './task-failure.js';

export const MAGIC = Buffer.from('IMAGO-AMI\n');
const END = 0xffffffff;
/** The header's largest size (a few devices' worth of JSON). */
export const MAX_HEADER = 1024 * 1024;

export interface ArchiveHeader {
  format: 'imago-ami-1';
  image: Partial<ImageRow> & { name: string };
  devices: { deviceName: string; volumeSize: number; volumeType: string | null; deleteOnTermination: boolean }[];
}

/** The header of an archive's first bytes (at least MAGIC + 4 + its length). */
export function parseHeader(head: Buffer): ArchiveHeader {
  const bad = () => new TaskFailure('ClientError: The object is not an AMI stored by CreateStoreImageTask.');
  if (head.length < MAGIC.length + 4 || !head.subarray(0, MAGIC.length).equals(MAGIC)) throw bad();
  const length = head.readUInt32BE(MAGIC.length);
  if (length > MAX_HEADER - MAGIC.length - 4 || head.length < MAGIC.length + 4 + length) throw bad();
  let header: ArchiveHeader;
  try {
    header = JSON.parse(head.toString('utf8', MAGIC.length + 4, MAGIC.length + 4 + length)) as ArchiveHeader;
  } catch {
    throw bad();
  }
  if (header.format !== 'imago-ami-1' || typeof header.image?.name !== 'string' || !Array.isArray(header.devices) || !header.devices.length) throw bad();
  for (const d of header.devices) if (typeof d.deviceName !== 'string' || !Number.isInteger(d.volumeSize) || d.volumeSize < 1 || d.volumeSize > 16384) throw bad();
  return header;
}

export async function writeArchive(
  path: string,
  header: ArchiveHeader,
  blocks: BlockStorage,
  sources: { row: SnapshotRow; key: LineageKey | undefined }[],
  onProgress: (done: number, total: number) => Promise<void>,
): Promise<void> {
  const json = Buffer.from(JSON.stringify(header));
  const fh = await open(path, 'w');
  try {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(json.length);
    let at = 0;
    const write = async (b: Buffer) => {
      await fh.write(b, 0, b.length, at);
      at += b.length;
    };
    await write(Buffer.concat([MAGIC, len, json]));
    const maps = await Promise.all(sources.map((s) => blocks.resolve(s.row.map_id)));
    const total = maps.reduce((n, m) => n + m.entries.size, 0);
    let done = 0;
    for (const [i, map] of maps.entries()) {
      for (const [index, chunk] of [...map.entries].sort((a, b) => a[0] - b[0])) {
        const data = await blocks.loadBlock(chunk, sources[i].key);
        if (!isZeroBlock(data)) {
          const idx = Buffer.alloc(4);
          idx.writeUInt32BE(index);
          await write(idx);
          await write(data);
        }
        await onProgress(++done, total);
      }
      const end = Buffer.alloc(4);
      end.writeUInt32BE(END);
      await write(end);
    }
  } finally {
    await fh.close();
  }
}

/** Fills each (writable, unsealed) snapshot's map from the archive at `path`. */
export async function readArchive(path: string, blocks: BlockStorage, snaps: SnapshotRow[]): Promise<void> {
  const fh = await open(path, 'r');
  try {
    const head = Buffer.alloc(MAX_HEADER);
    const { bytesRead } = await fh.read(head, 0, MAX_HEADER, 0);
    const header = parseHeader(head.subarray(0, bytesRead));
    if (header.devices.length !== snaps.length) throw new TaskFailure('ClientError: The stored AMI changed since the restore began.');
    let at = MAGIC.length + 4 + head.readUInt32BE(MAGIC.length);
    const idx = Buffer.alloc(4);
    for (const [i, snap] of snaps.entries()) {
      const limit = header.devices[i].volumeSize * (1024 ** 3 / BLOCK_SIZE);
      const entries: [number, string][] = [];
      for (;;) {
        if ((await fh.read(idx, 0, 4, at)).bytesRead !== 4) throw new TaskFailure('ClientError: The stored AMI is truncated.');
        at += 4;
        const index = idx.readUInt32BE(0);
        if (index === END) break;
        if (index >= limit) throw new TaskFailure('ClientError: The stored AMI names a block beyond its volume.');
        const data = Buffer.allocUnsafe(BLOCK_SIZE);
        if ((await fh.read(data, 0, BLOCK_SIZE, at)).bytesRead !== BLOCK_SIZE) throw new TaskFailure('ClientError: The stored AMI is truncated.');
        at += BLOCK_SIZE;
        const id = await blocks.storeBlock(data);
        if (id) entries.push([index, id]);
      }
      await blocks.flush();
      await blocks.putEntries(snap.map_id, entries);
    }
  } finally {
    await fh.close();
  }
}
