// Block tokens and page tokens of the EBS direct APIs: opaque, base64, and MACed with a secret
// HKDF-derived from the server's master key, so they survive restarts and cannot be forged.
//
//   block token = base64( 0x01 | expiry (u32 BE, epoch seconds) | HMAC-SHA256(secret,
//                 snapshot id, block index, chunk id, expiry) )            -> 52 characters
//   page token  = base64( 0x02 | next block index (u32 BE) | HMAC(secret, listing, index)[0..16] )
//
// A block token names one block of one snapshot *with its content* (the chunk id), until its
// expiry: GetSnapshotBlock recomputes the MAC from the snapshot's current map.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';

const BLOCK = 0x01;
const PAGE = 0x02;
const BLOCK_TOKEN_BYTES = 1 + 4 + 32;
const PAGE_TOKEN_BYTES = 1 + 4 + 16;

/** How long issued block tokens stay valid (AWS's are valid for about a week). */
export const BLOCK_TOKEN_TTL_MS = 7 * 24 * 3600_000;

export type BlockTokenCheck = 'valid' | 'expired' | 'invalid';

export class EbsTokens {
  private readonly secret: Buffer;

  constructor(
    masterKey: Buffer,
    private readonly now: () => number = Date.now,
  ) {
    this.secret = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'imago ebs tokens v1', 32));
  }

  /** The expiry (epoch seconds) of block tokens issued now; one per listing. */
  expiry(): number {
    return Math.floor((this.now() + BLOCK_TOKEN_TTL_MS) / 1000);
  }

  blockToken(snapshotId: string, index: number, chunkId: string, expiry: number): string {
    const out = Buffer.allocUnsafe(BLOCK_TOKEN_BYTES);
    out[0] = BLOCK;
    out.writeUInt32BE(expiry, 1);
    this.blockMac(snapshotId, index, chunkId, expiry).copy(out, 5);
    return out.toString('base64');
  }

  /** `chunkId`: what the snapshot holds at `index` now (undefined: nothing, so no token fits). */
  checkBlockToken(token: string, snapshotId: string, index: number, chunkId: string | undefined): BlockTokenCheck {
    const raw = decode(token, BLOCK_TOKEN_BYTES, BLOCK);
    if (!raw || chunkId === undefined) return 'invalid';
    const expiry = raw.readUInt32BE(1);
    if (!timingSafeEqual(raw.subarray(5), this.blockMac(snapshotId, index, chunkId, expiry))) return 'invalid';
    return expiry * 1000 <= this.now() ? 'expired' : 'valid';
  }

  /** `listing` names what is paged (operation and snapshots), so a token fits only its listing. */
  pageToken(listing: string, nextIndex: number): string {
    const out = Buffer.allocUnsafe(PAGE_TOKEN_BYTES);
    out[0] = PAGE;
    out.writeUInt32BE(nextIndex, 1);
    this.pageMac(listing, nextIndex).copy(out, 5);
    return out.toString('base64');
  }

  /** The next block index a page token names, or undefined when it is not one of ours for `listing`. */
  parsePageToken(token: string, listing: string): number | undefined {
    const raw = decode(token, PAGE_TOKEN_BYTES, PAGE);
    if (!raw) return undefined;
    const index = raw.readUInt32BE(1);
    return timingSafeEqual(raw.subarray(5), this.pageMac(listing, index)) ? index : undefined;
  }

  private blockMac(snapshotId: string, index: number, chunkId: string, expiry: number): Buffer {
    return createHmac('sha256', this.secret).update(`block\0${snapshotId}\0${index}\0${chunkId}\0${expiry}`).digest();
  }

  private pageMac(listing: string, index: number): Buffer {
    return createHmac('sha256', this.secret).update(`page\0${listing}\0${index}`).digest().subarray(0, 16);
  }
}

function decode(token: string, length: number, version: number): Buffer | undefined {
  if (!/^[A-Za-z0-9+/]+={0,2}$/.test(token)) return undefined;
  const raw = Buffer.from(token, 'base64');
  return raw.length === length && raw[0] === version && raw.toString('base64') === token ? raw : undefined;
}
