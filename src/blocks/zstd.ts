// zstd through zstd-napi's low-level binding: one compression and one decompression context per
// instance, reused for every block, writing into caller-owned buffers (no per-block allocation of
// contexts or 512 KiB scratch). Synchronous: a block takes ~1-2 ms, less than a thread hop is worth.
import { createRequire } from 'node:module';
import type * as ZstdBinding from 'zstd-napi/binding.js';

const zstd = createRequire(import.meta.url)('zstd-napi/binding') as typeof ZstdBinding;

export class Zstd {
  readonly #cctx = new zstd.CCtx();
  readonly #dctx = new zstd.DCtx();
  readonly #level: number;

  constructor(level: number) {
    this.#level = level;
  }

  /** Worst-case compressed size of `srcSize` bytes (incompressible input grows a little). */
  static bound(srcSize: number): number {
    return zstd.compressBound(srcSize);
  }

  /** Compresses `src` into `dst` (at least `Zstd.bound(src.length)` bytes); returns the length. */
  compressInto(dst: Uint8Array, src: Uint8Array): number {
    return this.#cctx.compress(dst, src, this.#level);
  }

  /** Decompresses one whole frame into `dst`; throws if it does not fit or is malformed. */
  decompressInto(dst: Uint8Array, src: Uint8Array): number {
    return this.#dctx.decompress(dst, src);
  }
}
