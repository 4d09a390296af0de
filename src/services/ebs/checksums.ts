// The EBS direct APIs' checksums: base64 SHA-256 of each 512 KiB block, and CompleteSnapshot's
// LINEAR aggregate: "arrange the checksums for each written block in ascending order of their
// block index, concatenate them to form a single string, and then generate the checksum on the
// entire string". Whether the base64 strings or the raw digests are concatenated is not said:
// we accept either.
import { createHash } from 'node:crypto';
import { ZERO_BLOCK } from '../../blocks/block-storage.js';

export const sha256 = (data: Uint8Array): Buffer => createHash('sha256').update(data).digest();

export const ZERO_BLOCK_SHA256: Buffer = sha256(ZERO_BLOCK);

/** The SHA-256 (hex) a base64 checksum header names, or undefined when it names none (not exactly 32 bytes in canonical base64). */
export function claimedSha256(header: string): string | undefined {
  const claimed = Buffer.from(header, 'base64');
  return claimed.length === 32 && claimed.toString('base64') === header ? claimed.toString('hex') : undefined;
}

/** The two readings of the LINEAR aggregate of per-block digests (in block index order). */
export function linearAggregates(digests: readonly Buffer[]): string[] {
  const overStrings = createHash('sha256');
  const overDigests = createHash('sha256');
  for (const d of digests) {
    overStrings.update(d.toString('base64'));
    overDigests.update(d);
  }
  return [overStrings.digest('base64'), overDigests.digest('base64')];
}
