// What the codec pool and its workers say to each other (codec-pool.ts, codec-worker.ts).
// Keys travel as KeyObjects (cloneable across threads); blocks and payloads as Uint8Arrays whose
// ArrayBuffers are transferred, not copied, wherever the sender owns them.
import type { KeyObject } from 'node:crypto';
import { BLOCK_SIZE } from './block-size.js';
import { takeBlockBuffer } from './block-buffers.js';
import { ChecksumMismatchError } from './block-codec.js';
import { ChunkPermanentError, type ChunkId } from './chunk-store.js';

export interface WireKey {
  idKey: KeyObject;
  encryptionKey: KeyObject;
}

export type CodecRequest =
  | { seq: number; op: 'encode'; block: Uint8Array; key?: WireKey; id?: ChunkId; sha256?: string }
  | { seq: number; op: 'decode'; id: ChunkId; payload: Uint8Array; key?: WireKey; verify?: boolean }
  /** ends the worker with this exit code (tests: crash recovery) */
  | { seq: number; op: 'exit'; code: number };

export interface WireError {
  name: string;
  message: string;
  /** set for ChunkPermanentError */
  chunkId?: ChunkId;
  /** set for ChecksumMismatchError */
  actualSha256?: string;
}

export type CodecReply =
  /** `block`: an encode's input, sent back for reuse (block-buffers.ts) when it was a whole 512 KiB buffer */
  | { seq: number; ok: true; id?: ChunkId; data: Uint8Array; block?: Uint8Array }
  | { seq: number; ok: false; error: WireError };

export function errorToWire(e: unknown): WireError {
  if (e instanceof ChunkPermanentError) return { name: e.name, message: e.message, chunkId: e.id };
  if (e instanceof ChecksumMismatchError) return { name: e.name, message: e.message, actualSha256: e.actualSha256 };
  if (e instanceof Error) return { name: e.name, message: e.message };
  return { name: 'Error', message: String(e) };
}

/** The same kind of error on this side: ChunkPermanentError (id and message kept), ChecksumMismatchError, RangeError, TypeError, Error. */
export function errorFromWire(w: WireError): Error {
  if (w.actualSha256 !== undefined) return new ChecksumMismatchError(w.actualSha256);
  if (w.chunkId !== undefined) {
    const e = new ChunkPermanentError(w.chunkId, '');
    e.message = w.message; // already formatted by the worker's ChunkPermanentError
    return e;
  }
  const Kind = w.name === 'RangeError' ? RangeError : w.name === 'TypeError' ? TypeError : Error;
  return new Kind(w.message);
}

/**
 * The transfer list for sending `view`: its own ArrayBuffer when the caller gives it up and the
 * view is all of it (the view then becomes unusable on this side; a view into a larger buffer,
 * such as a socket read, is never moved: the rest belongs to others), else a fresh copy of just
 * the view's bytes (cloning a view would copy its whole ArrayBuffer) — for a block, into a reused
 * buffer (block-buffers.ts: no page faults), which the worker sends back with its result.
 */
export function forSending(view: Uint8Array, giveUp: boolean): { data: Uint8Array; transfer: ArrayBuffer[]; moved: boolean } {
  if (giveUp && view.buffer instanceof ArrayBuffer && view.byteOffset === 0 && view.byteLength === view.buffer.byteLength) {
    return { data: view, transfer: [view.buffer], moved: true };
  }
  const copy = view.byteLength === BLOCK_SIZE ? takeBlockBuffer() : new Uint8Array(view.byteLength);
  copy.set(view);
  return { data: copy, transfer: [copy.buffer as ArrayBuffer], moved: false };
}

/** Whether the worker should send an encode's input back for reuse: a whole block-sized buffer of its own. */
export function reusable(block: Uint8Array): boolean {
  return block.byteLength === BLOCK_SIZE && block.byteOffset === 0 && block.buffer.byteLength === BLOCK_SIZE && block.buffer instanceof ArrayBuffer;
}
