// Opening a pack directory after whatever stopped the last process: finishes or undoes a
// compaction, re-indexes complete records past each pack's committed length (written, never
// flushed) and cuts off a torn tail, so appends continue after the last valid record.
import { closeSync, existsSync, fstatSync, fsyncSync, ftruncateSync, openSync, readSync, unlinkSync } from 'node:fs';
import { dirname } from 'node:path';
import type { IndexedChunk, PackIndex, PackRow } from './pack-index.js';
import { fsyncDirSync, listPackFiles, packPath } from './pack-files.js';
import { RECORD_HEADER_SIZE, parseRecordHeader, recordChecksumOk } from './pack-record.js';

export interface Recovered {
  /** the pack to append to and where, if the index names one */
  active?: { pack: number; end: number };
  /** the highest pack id in the index or on disk (0 if none) */
  maxPack: number;
}

export function recoverPacks(dir: string, index: PackIndex): Recovered {
  const files = listPackFiles(dir);
  const rows = index.packs();
  const known = new Set(rows.map((r) => r.id));
  const touchedDirs = new Set<string>();
  let maxPack = 0;
  for (const id of [...files.keys(), ...known]) maxPack = Math.max(maxPack, id);

  // Compaction committed its switch but did not finish removing the old packs.
  for (const row of rows.filter((r) => r.state === 'retired')) {
    const path = files.get(row.id);
    if (path) {
      unlinkSync(path);
      touchedDirs.add(dirname(path));
    }
    index.dropPack(row.id);
  }
  // Files no row knows: a compaction's output from before its switch.
  for (const [id, path] of files) {
    if (known.has(id)) continue;
    unlinkSync(path);
    touchedDirs.add(dirname(path));
  }
  touchedDirs.forEach(fsyncDirSync);

  let active: Recovered['active'];
  for (const row of rows) {
    if (row.state === 'retired') continue;
    const end = recoverTail(dir, index, row);
    if (row.state === 'active') active = { pack: row.id, end };
  }
  return { active, maxPack };
}

/** Returns where the next append to this pack may go. */
function recoverTail(dir: string, index: PackIndex, row: PackRow): number {
  const path = packPath(dir, row.id);
  if (!existsSync(path)) return row.length;
  const fd = openSync(path, 'r+');
  try {
    const size = fstatSync(fd).size;
    if (size <= row.length) return row.length; // shorter than committed: reads will report the loss
    const entries: IndexedChunk[] = [];
    const header = Buffer.alloc(RECORD_HEADER_SIZE);
    let pos = row.length;
    while (pos + RECORD_HEADER_SIZE <= size) {
      if (readSync(fd, header, 0, RECORD_HEADER_SIZE, pos) < RECORD_HEADER_SIZE) break;
      const parsed = parseRecordHeader(header);
      if (!parsed || pos + RECORD_HEADER_SIZE + parsed.size > size) break;
      const data = Buffer.alloc(parsed.size);
      if (readSync(fd, data, 0, parsed.size, pos + RECORD_HEADER_SIZE) < parsed.size) break;
      if (!recordChecksumOk(header, data)) break;
      entries.push({ id: Buffer.from(parsed.id), pack: row.id, offset: pos, size: parsed.size, writtenAt: parsed.writtenAt });
      pos += RECORD_HEADER_SIZE + parsed.size;
    }
    if (pos < size) ftruncateSync(fd, pos);
    fsyncSync(fd); // the recovered records are on disk before the index names them
    index.recover(row.id, entries, pos);
    return pos;
  } finally {
    closeSync(fd);
  }
}
