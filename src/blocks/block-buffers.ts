// Reused 512 KiB buffers for blocks that arrive over HTTP and move to a codec worker.
//
// A fresh 512 KiB allocation is new memory from the kernel: the first write into it page-faults
// 128 times (measured here: a copy into a fresh buffer ~230 us, into a reused one ~36 us), and
// PutSnapshotBlock paid that twice per block (the body's chunks concatenated, the worker's copy).
// Now the gateway reads a 512 KiB body straight into a buffer from here, the block moves to the
// codec worker (transfer, no copy) and comes back with the result (codec-pool.ts), and the pool
// puts its memory back here for the next body.
//
// Safe by construction: only ArrayBuffers that came back from a worker are recycled — new objects
// on this side that no view held before, while every view of the buffer that was sent was
// detached by the transfer. A buffer that never comes back (an error, another request type) is
// collected as usual.
import { BLOCK_SIZE } from './block-size.js';

/** Buffers kept for reuse: enough for the uploads and codec tasks in flight at once. */
const KEEP = 64;
const free: ArrayBuffer[] = [];

/** A block-sized buffer of its own (all of its ArrayBuffer, so it can be transferred); contents undefined. */
export function takeBlockBuffer(): Buffer {
  const reused = free.pop();
  return reused ? Buffer.from(reused) : Buffer.allocUnsafeSlow(BLOCK_SIZE);
}

/** Gives the memory of a buffer nobody references any more (one back from a worker) for reuse. */
export function recycleBlockBuffer(buffer: ArrayBuffer): void {
  if (buffer.byteLength === BLOCK_SIZE && free.length < KEEP) free.push(buffer);
}

/** Buffers waiting for reuse (tests). */
export function freeBlockBuffers(): number {
  return free.length;
}
