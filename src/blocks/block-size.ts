// The EBS direct API block size: snapshots are cut into fixed blocks of this size, and an all-zero
// block is never stored (a manifest records it as absent).

export const BLOCK_SIZE = 524288;

// Shared and never written: comparing against it is one memcmp (tens of GB/s here).
const ZEROS = Buffer.alloc(BLOCK_SIZE);

/** True when every byte of `buf` is zero (an empty buffer counts as zero). */
export function isZeroBlock(buf: Uint8Array): boolean {
  for (let offset = 0; offset < buf.length; offset += BLOCK_SIZE) {
    const end = Math.min(offset + BLOCK_SIZE, buf.length);
    if (Buffer.compare(ZEROS.subarray(0, end - offset), buf.subarray(offset, end)) !== 0) return false;
  }
  return true;
}
