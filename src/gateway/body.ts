// Reads a request body into one buffer, refusing anything over the limit without buffering it.
import type { IncomingMessage } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { BLOCK_SIZE } from '../blocks/block-size.js';
import { takeBlockBuffer } from '../blocks/block-buffers.js';

/** Bodies declared at least this long are read into one buffer of their length (no chunks to concatenate). */
const PREALLOCATE_FROM = 64 * 1024;

export class BodyTooLarge extends Error {
  constructor(
    readonly limit: number,
    readonly size?: number,
  ) {
    super('request body too large');
  }
}

export function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(req.headers['content-length'] ?? NaN);
  if (declared > limit) return Promise.reject(new BodyTooLarge(limit, declared));
  if (Number.isInteger(declared) && declared >= PREALLOCATE_FROM) return readDeclared(req, declared);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        req.removeAllListeners('data');
        req.pause();
        reject(new BodyTooLarge(limit));
        return;
      }
      chunks.push(chunk);
    });
    req.on('end', () => resolve(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size)));
    req.on('error', reject);
  });
}

/**
 * A body of a declared length into one buffer of that length (a PutSnapshotBlock's 512 KiB block
 * into a reused one: blocks/block-buffers.ts), owning all of its ArrayBuffer, so the block can
 * move to a codec worker without a copy. The HTTP parser ends the body at Content-Length.
 */
function readDeclared(req: IncomingMessage, declared: number): Promise<Buffer> {
  const body = declared === BLOCK_SIZE ? takeBlockBuffer() : Buffer.allocUnsafeSlow(declared);
  let filled = 0;
  return new Promise((resolve, reject) => {
    req.on('data', (chunk: Buffer) => {
      const n = Math.min(chunk.length, declared - filled);
      chunk.copy(body, filled, 0, n);
      filled += n;
    });
    req.on('end', () => resolve(filled === declared ? body : body.subarray(0, filled)));
    req.on('error', reject);
  });
}

/** Bodies up to this size are read to their end (and dropped) after a refusal, so the refusal arrives instead of a reset. */
export const DRAIN_LIMIT = 16 * 1024 * 1024;

/**
 * Reads the rest of a refused body and drops it, up to DRAIN_LIMIT (then the connection is
 * cut). Closing a socket with unread request bytes makes the kernel send a reset, and the
 * client sees "connection reset" instead of the 413 already written.
 */
export function discardBody(req: IncomingMessage, declared: number | undefined): boolean {
  if (declared !== undefined && declared > DRAIN_LIMIT) return false;
  let size = 0;
  req.removeAllListeners('data');
  req.on('data', (chunk: Buffer) => {
    size += chunk.length;
    if (size > DRAIN_LIMIT) req.destroy();
  });
  req.resume();
  return true;
}

/**
 * A body sent with `Content-Encoding: gzip` (the SDKs compress PutMetricData bodies over 10 KiB),
 * inflated after its signature was checked over the compressed bytes; at most `limit` bytes out.
 * Other encodings leave the body as it is.
 */
export function inflateBody(encoding: string | undefined, body: Buffer, limit: number): Buffer {
  if (!encoding || !/\bgzip\b/i.test(encoding) || body.length === 0) return body;
  try {
    return gunzipSync(body, { maxOutputLength: limit });
  } catch (e) {
    if (e instanceof RangeError || (e as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') throw new BodyTooLarge(limit);
    throw new InvalidEncoding();
  }
}

export class InvalidEncoding extends Error {
  constructor() {
    super('The request body is not valid gzip data.');
  }
}
