// Compaction's copy phase: the live records of the victim packs are copied, as stored (header,
// write time and crc included, so corruption stays detectable), into new packs that no index
// row names yet, then fsynced. Until the caller's index switch they are debris that the next
// open removes, so a crash here loses nothing.
import { mkdir, unlink, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import type { Move, PackIndex } from './pack-index.js';
import { fsyncDir, openForWrite, packDir, packPath, readFully, writeFully } from './pack-files.js';
import type { PackReaders } from './pack-readers.js';
import { RECORD_HEADER_SIZE } from './pack-record.js';

export interface CopyContext {
  dir: string;
  index: PackIndex;
  readers: PackReaders;
  packBytes: number;
  /** allocates a pack id no other pack uses */
  newPack: () => number;
}

export interface CopyResult {
  /** where each copied record went, for the index switch */
  moves: Move[];
  /** the new packs, fsynced, with their lengths */
  outputs: { id: number; length: number }[];
}

const BATCH = 256;

export async function copyLiveRecords(ctx: CopyContext, victims: readonly number[]): Promise<CopyResult> {
  const moves: Move[] = [];
  const outputs: { id: number; length: number }[] = [];
  let out: { pack: number; fh: FileHandle; end: number } | undefined;
  const finish = async () => {
    if (!out) return;
    await out.fh.sync();
    await out.fh.close();
    outputs.push({ id: out.pack, length: out.end });
    out = undefined;
  };
  try {
    for (const victim of victims) {
      for (let from = 0; ; ) {
        const batch = ctx.index.packChunks(victim, from, BATCH);
        if (!batch.length) break;
        for (const chunk of batch) {
          const length = RECORD_HEADER_SIZE + chunk.size;
          const record = await ctx.readers.with(victim, (fh) => readFully(fh, length, chunk.offset));
          if (record.length < length) continue; // lost already: left pointing at the old pack, reads report it
          if (out && out.end > 0 && out.end + length > ctx.packBytes) await finish();
          if (!out) {
            const pack = ctx.newPack();
            await mkdir(packDir(ctx.dir, pack), { recursive: true });
            out = { pack, fh: await openForWrite(packPath(ctx.dir, pack)), end: 0 };
          }
          await writeFully(out.fh, [record], out.end);
          moves.push({ id: chunk.id, fromPack: victim, fromOffset: chunk.offset, toPack: out.pack, toOffset: out.end });
          out.end += length;
        }
        from = batch[batch.length - 1].offset + 1;
      }
    }
    await finish();
    for (const dir of new Set(outputs.flatMap((o) => [packDir(ctx.dir, o.id), join(ctx.dir, 'packs')]))) await fsyncDir(dir);
  } catch (err) {
    // Remove the outputs now rather than at the next open.
    const debris = [...outputs.map((o) => o.id), ...(out ? [out.pack] : [])];
    await out?.fh.close().catch(() => undefined);
    await Promise.all(debris.map((pack) => unlink(packPath(ctx.dir, pack)).catch(() => undefined)));
    throw err;
  }
  return { moves, outputs };
}
