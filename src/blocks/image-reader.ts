// Reading a raw disk image in order, a few pieces ahead (`imago import`, the catalog's built images).
//
// With O_DIRECT where the filesystem allows it: a hole of a sparse image then comes back as
// zeros written straight into our buffer (tens of GB/s here), where an ordinary read makes the
// kernel add a zero page to the page cache for every 4 KiB of it — fine for a few GiB (2-4 GB/s),
// but 16 GiB of holes on a 24 GiB machine fills the cache and crawls at ~0.4 GB/s. (Node has no
// SEEK_DATA to skip holes outright.) Data is then read from the disk, once, as import needs it.
//
// O_DIRECT wants buffers aligned to the filesystem's block size, which Node cannot ask for: each
// buffer is over-allocated by 4 KiB and, the first time a read of it is refused (EINVAL; reads
// of holes are never checked), the aligned offset is found by trying. Without O_DIRECT (tmpfs,
// other systems) or without an offset that works, ordinary reads are used.
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';

const ALIGN = 4096;

interface Slot {
  raw: Buffer;
  /** where the aligned window starts in `raw` (-1: not found yet) */
  offset: number;
}

export class ImageReader {
  /** handles opened (a fallback opens a second one; reads may still run on the first) */
  private readonly handles: FileHandle[];

  private constructor(
    private fh: FileHandle,
    private direct: boolean,
    private readonly path: string,
  ) {
    this.handles = [fh];
  }

  static async open(path: string): Promise<ImageReader> {
    try {
      return new ImageReader(await open(path, constants.O_RDONLY | constants.O_DIRECT), true, path);
    } catch {
      return new ImageReader(await open(path, 'r'), false, path);
    }
  }

  /** Whether reads bypass the page cache (for figures and tests). */
  get bypassesCache(): boolean {
    return this.direct;
  }

  async close(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.close()));
  }

  /**
   * The file from the start in pieces of `pieceBytes` (a multiple of 4 KiB), `ahead` reads
   * running beyond the one handed out. A piece's buffer is reused once the next is asked for.
   */
  async *pieces(size: number, pieceBytes: number, ahead: number): AsyncGenerator<{ offset: number; data: Buffer }> {
    const slots: Slot[] = Array.from({ length: ahead + 1 }, () => ({ raw: Buffer.allocUnsafe(pieceBytes + ALIGN), offset: 0 }));
    const reads: Promise<number>[] = [];
    const start = (k: number) => {
      if (k * pieceBytes < size) reads[k % slots.length] = this.readPiece(slots[k % slots.length], pieceBytes, k * pieceBytes);
    };
    try {
      for (let k = 0; k <= ahead; k++) start(k);
      for (let k = 0; k * pieceBytes < size; k++) {
        const slot = slots[k % slots.length];
        const got = await reads[k % slots.length];
        yield { offset: k * pieceBytes, data: slot.raw.subarray(slot.offset, slot.offset + got) };
        start(k + ahead + 1);
        if (got < pieceBytes) return;
      }
    } finally {
      await Promise.allSettled(reads); // the caller stopped early: reads ahead end before the file closes
    }
  }

  private async readPiece(slot: Slot, length: number, position: number): Promise<number> {
    if (!this.direct) return this.readFully(slot.raw, 0, length, position).then((n) => ((slot.offset = 0), n));
    try {
      return await this.readFully(slot.raw, slot.offset, length, position);
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EINVAL') throw e;
    }
    // refused: find this buffer's aligned offset on this (data-holding) position
    for (let offset = 0; offset < ALIGN; offset += 16) {
      try {
        const n = await this.readFully(slot.raw, offset, length, position);
        slot.offset = offset;
        return n;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EINVAL') throw e;
      }
    }
    // no offset works: this filesystem wants something else; ordinary reads from here on
    if (this.direct) {
      this.fh = await open(this.path, 'r');
      this.handles.push(this.fh);
      this.direct = false;
    }
    return this.readPiece(slot, length, position);
  }

  /** Up to `length` bytes at `position` into `buf` at `at`; fewer only at the end of the file. */
  private async readFully(buf: Buffer, at: number, length: number, position: number): Promise<number> {
    // a direct read is short only at the end of the file (and may not continue unaligned)
    if (this.direct) return (await this.fh.read(buf, at, length, position)).bytesRead;
    let done = 0;
    while (done < length) {
      const { bytesRead } = await this.fh.read(buf, at + done, length - done, position + done);
      if (bytesRead === 0) break;
      done += bytesRead;
    }
    return done;
  }
}
