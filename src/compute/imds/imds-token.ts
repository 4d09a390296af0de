// IMDSv2 session tokens, stateless: base64url(version ‖ expiry ms ‖ HMAC-SHA256(key, label ‖
// instance id ‖ version ‖ expiry)). Nothing is stored, so a token survives a restart of the
// server (the key is derived from the data directory's master key), cannot be forged or
// extended, and is refused by every other instance: the MAC binds it to one instance id, as EC2
// documents ("The token is not valid on other EC2 instances").
import { createHmac, timingSafeEqual } from 'node:crypto';

/** The PUT's X-aws-ec2-metadata-token-ttl-seconds: 1 second to six hours. */
export const MIN_TTL_SECONDS = 1;
export const MAX_TTL_SECONDS = 21_600;

const VERSION = 1;
const LABEL = Buffer.from('imago imds token\0');
const MAC_BYTES = 32;
const TOKEN_BYTES = 1 + 8 + MAC_BYTES;
const TOKEN_CHARS = Math.ceil((TOKEN_BYTES * 4) / 3);

export class ImdsTokens {
  constructor(private readonly key: Buffer) {
    if (key.length < 16) throw new RangeError('IMDS token key must have at least 128 bits');
  }

  issue(instanceId: string, ttlSeconds: number, now: number): string {
    const head = Buffer.alloc(9);
    head[0] = VERSION;
    head.writeBigUInt64BE(BigInt(Math.floor(now) + ttlSeconds * 1000), 1);
    return Buffer.concat([head, this.mac(instanceId, head)]).toString('base64url');
  }

  /** Milliseconds the token has left for this instance, or undefined when it is not valid (forged, foreign, expired, malformed). */
  remainingMs(instanceId: string, token: string, now: number): number | undefined {
    if (token.length !== TOKEN_CHARS || !/^[A-Za-z0-9_-]+$/.test(token)) return undefined;
    const bytes = Buffer.from(token, 'base64url');
    if (bytes.length !== TOKEN_BYTES || bytes[0] !== VERSION) return undefined;
    const head = bytes.subarray(0, 9);
    if (!timingSafeEqual(bytes.subarray(9), this.mac(instanceId, head))) return undefined;
    const left = Number(head.readBigUInt64BE(1)) - now;
    return left > 0 ? left : undefined;
  }

  private mac(instanceId: string, head: Buffer): Buffer {
    return createHmac('sha256', this.key).update(LABEL).update(instanceId).update('\0').update(head).digest();
  }
}
