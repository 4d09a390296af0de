// NBD messages to and from bytes, both directions (the server's and, for tests and tools, the
// client's). Pure functions over Buffers: no sockets, no state. Decoders take exactly the bytes
// of the fixed-size part they parse and throw NbdProtocolError on anything malformed.
import {
  FLAG_FIXED_NEWSTYLE,
  FLAG_NO_ZEROES,
  IHAVEOPT,
  INFO,
  MAX_STRING,
  NBDMAGIC,
  OPTION_REPLY_MAGIC,
  REPLY_FLAG_DONE,
  REPLY_TYPE,
  REQUEST_MAGIC,
  SIMPLE_REPLY_MAGIC,
  STRUCTURED_REPLY_MAGIC,
} from './constants.js';

/** The peer broke the protocol: the connection is dropped (a hard disconnect). */
export class NbdProtocolError extends Error {}

export interface OptionHeader {
  option: number;
  length: number;
}

export interface OptionReply {
  option: number;
  type: number;
  length: number;
}

export interface Request {
  flags: number;
  type: number;
  /** opaque 8 bytes, echoed in the reply */
  handle: Buffer;
  /** bytes; clamped to MAX_SAFE_INTEGER (always out of bounds then) */
  offset: number;
  length: number;
}

export interface SimpleReply {
  error: number;
  handle: Buffer;
}

/** What NBD_OPT_INFO and NBD_OPT_GO carry. */
export interface InfoRequest {
  name: string;
  infos: number[];
}

/** What NBD_OPT_LIST_META_CONTEXT and NBD_OPT_SET_META_CONTEXT carry. */
export interface MetaContextRequest {
  name: string;
  queries: string[];
}

export interface StructuredChunk {
  flags: number;
  type: number;
  handle: Buffer;
  length: number;
}

/** One block status descriptor: `length` bytes with `flags` (STATE_HOLE, STATE_ZERO). */
export interface Extent {
  length: number;
  flags: number;
}

export interface BlockSizes {
  minimum: number;
  preferred: number;
  maximum: number;
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);

function exact(buf: Buffer, n: number, what: string): void {
  if (buf.length !== n) throw new NbdProtocolError(`${what}: expected ${n} bytes, got ${buf.length}`);
}

function utf8(buf: Buffer, what: string): string {
  const s = buf.toString('utf8');
  if (!Buffer.from(s, 'utf8').equals(buf) || s.includes('\0')) throw new NbdProtocolError(`${what} is not valid UTF-8 without NUL`);
  return s;
}

// ---- handshake --------------------------------------------------------------------------

/** S: NBDMAGIC, IHAVEOPT, handshake flags (fixed newstyle, no zeroes). */
export function encodeGreeting(flags = FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES): Buffer {
  const b = Buffer.allocUnsafe(18);
  b.writeBigUInt64BE(NBDMAGIC, 0);
  b.writeBigUInt64BE(IHAVEOPT, 8);
  b.writeUInt16BE(flags, 16);
  return b;
}

export function decodeGreeting(buf: Buffer): { flags: number } {
  exact(buf, 18, 'greeting');
  if (buf.readBigUInt64BE(0) !== NBDMAGIC || buf.readBigUInt64BE(8) !== IHAVEOPT) throw new NbdProtocolError('not a newstyle NBD server');
  return { flags: buf.readUInt16BE(16) };
}

export function encodeClientFlags(flags: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(flags >>> 0);
  return b;
}

/** C: client flags; unknown bits are a protocol violation (the server must hang up). */
export function decodeClientFlags(buf: Buffer): { fixedNewstyle: boolean; noZeroes: boolean } {
  exact(buf, 4, 'client flags');
  const flags = buf.readUInt32BE(0);
  if (flags & ~(FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES)) throw new NbdProtocolError(`unknown client flags 0x${flags.toString(16)}`);
  return { fixedNewstyle: Boolean(flags & FLAG_FIXED_NEWSTYLE), noZeroes: Boolean(flags & FLAG_NO_ZEROES) };
}

export function encodeOption(option: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.allocUnsafe(16 + data.length);
  b.writeBigUInt64BE(IHAVEOPT, 0);
  b.writeUInt32BE(option, 8);
  b.writeUInt32BE(data.length, 12);
  data.copy(b, 16);
  return b;
}

export function decodeOptionHeader(buf: Buffer): OptionHeader {
  exact(buf, 16, 'option header');
  if (buf.readBigUInt64BE(0) !== IHAVEOPT) throw new NbdProtocolError('bad option magic');
  return { option: buf.readUInt32BE(8), length: buf.readUInt32BE(12) };
}

export function encodeOptionReply(option: number, type: number, data: Buffer = Buffer.alloc(0)): Buffer {
  const b = Buffer.allocUnsafe(20 + data.length);
  b.writeBigUInt64BE(OPTION_REPLY_MAGIC, 0);
  b.writeUInt32BE(option, 8);
  b.writeUInt32BE(type >>> 0, 12);
  b.writeUInt32BE(data.length, 16);
  data.copy(b, 20);
  return b;
}

/** An error reply with a human-readable message. */
export function encodeOptionError(option: number, type: number, message: string): Buffer {
  return encodeOptionReply(option, type, Buffer.from(message.slice(0, MAX_STRING), 'utf8'));
}

export function decodeOptionReplyHeader(buf: Buffer): OptionReply {
  exact(buf, 20, 'option reply header');
  if (buf.readBigUInt64BE(0) !== OPTION_REPLY_MAGIC) throw new NbdProtocolError('bad option reply magic');
  return { option: buf.readUInt32BE(8), type: buf.readUInt32BE(12), length: buf.readUInt32BE(16) };
}

export function isOptionError(type: number): boolean {
  return (type & 0x80000000) !== 0;
}

/** Data of NBD_OPT_INFO / NBD_OPT_GO: name length, name, info count, info types. */
export function encodeInfoRequest(req: InfoRequest): Buffer {
  const name = Buffer.from(req.name, 'utf8');
  const b = Buffer.allocUnsafe(4 + name.length + 2 + 2 * req.infos.length);
  b.writeUInt32BE(name.length, 0);
  name.copy(b, 4);
  b.writeUInt16BE(req.infos.length, 4 + name.length);
  req.infos.forEach((t, i) => b.writeUInt16BE(t, 6 + name.length + 2 * i));
  return b;
}

export function decodeInfoRequest(buf: Buffer): InfoRequest {
  if (buf.length < 6) throw new NbdProtocolError('info request too short');
  const nameLength = buf.readUInt32BE(0);
  if (nameLength > MAX_STRING || 4 + nameLength + 2 > buf.length) throw new NbdProtocolError('bad export name length');
  const name = utf8(buf.subarray(4, 4 + nameLength), 'export name');
  const count = buf.readUInt16BE(4 + nameLength);
  if (buf.length !== 6 + nameLength + 2 * count) throw new NbdProtocolError('info request length does not match its contents');
  const infos: number[] = [];
  for (let i = 0; i < count; i++) infos.push(buf.readUInt16BE(6 + nameLength + 2 * i));
  return { name, infos };
}

function lengthPrefixed(strings: string[]): Buffer[] {
  return strings.flatMap((str) => {
    const b = Buffer.from(str, 'utf8');
    const n = Buffer.allocUnsafe(4);
    n.writeUInt32BE(b.length);
    return [n, b];
  });
}

export function encodeMetaContextRequest(req: MetaContextRequest): Buffer {
  const count = Buffer.allocUnsafe(4);
  count.writeUInt32BE(req.queries.length);
  const [nameLength, name] = lengthPrefixed([req.name]);
  return Buffer.concat([nameLength, name, count, ...lengthPrefixed(req.queries)]);
}

/** Export name, then a count of queries, each length-prefixed; nothing may trail. */
export function decodeMetaContextRequest(buf: Buffer): MetaContextRequest {
  let at = 0;
  const string = (what: string): string => {
    if (at + 4 > buf.length) throw new NbdProtocolError(`${what}: length missing`);
    const n = buf.readUInt32BE(at);
    if (n > MAX_STRING || at + 4 + n > buf.length) throw new NbdProtocolError(`${what}: bad length`);
    at += 4 + n;
    return utf8(buf.subarray(at - n, at), what);
  };
  const name = string('export name');
  if (at + 4 > buf.length) throw new NbdProtocolError('query count missing');
  const count = buf.readUInt32BE(at);
  at += 4;
  if (count > buf.length) throw new NbdProtocolError('query count overruns');
  const queries: string[] = [];
  for (let i = 0; i < count; i++) queries.push(string('query'));
  if (at !== buf.length) throw new NbdProtocolError('meta context request length does not match its contents');
  return { name, queries };
}

/** Data of an NBD_REP_META_CONTEXT reply: context id, name. */
export function encodeMetaContext(id: number, name: string): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeUInt32BE(id);
  return Buffer.concat([b, Buffer.from(name, 'utf8')]);
}

export function decodeMetaContext(buf: Buffer): { id: number; name: string } {
  if (buf.length < 4) throw new NbdProtocolError('meta context reply too short');
  return { id: buf.readUInt32BE(0), name: buf.subarray(4).toString('utf8') };
}

/** Data of NBD_OPT_EXPORT_NAME: the bare name. */
export function decodeExportName(buf: Buffer): string {
  if (buf.length > MAX_STRING) throw new NbdProtocolError('export name too long');
  return utf8(buf, 'export name');
}

/** Data of an NBD_REP_SERVER reply (NBD_OPT_LIST). */
export function encodeServerEntry(name: string): Buffer {
  const n = Buffer.from(name, 'utf8');
  const b = Buffer.allocUnsafe(4 + n.length);
  b.writeUInt32BE(n.length, 0);
  n.copy(b, 4);
  return b;
}

export function decodeServerEntry(buf: Buffer): string {
  if (buf.length < 4) throw new NbdProtocolError('server entry too short');
  const n = buf.readUInt32BE(0);
  if (n > buf.length - 4) throw new NbdProtocolError('server entry name overruns');
  return buf.subarray(4, 4 + n).toString('utf8');
}

/** NBD_REP_INFO payloads. */
export function encodeInfoExport(size: number, transmissionFlags: number): Buffer {
  const b = Buffer.allocUnsafe(12);
  b.writeUInt16BE(INFO.EXPORT, 0);
  b.writeBigUInt64BE(BigInt(size), 2);
  b.writeUInt16BE(transmissionFlags, 10);
  return b;
}

export function encodeInfoName(name: string): Buffer {
  const b = Buffer.alloc(2);
  b.writeUInt16BE(INFO.NAME, 0);
  return Buffer.concat([b, Buffer.from(name, 'utf8')]);
}

export function encodeInfoBlockSize(sizes: BlockSizes): Buffer {
  const b = Buffer.allocUnsafe(14);
  b.writeUInt16BE(INFO.BLOCK_SIZE, 0);
  b.writeUInt32BE(sizes.minimum, 2);
  b.writeUInt32BE(sizes.preferred, 6);
  b.writeUInt32BE(sizes.maximum, 10);
  return b;
}

export type Info =
  | { type: typeof INFO.EXPORT; size: number; flags: number }
  | { type: typeof INFO.NAME; name: string }
  | ({ type: typeof INFO.BLOCK_SIZE } & BlockSizes)
  | { type: number };

export function decodeInfo(buf: Buffer): Info {
  if (buf.length < 2) throw new NbdProtocolError('info reply too short');
  const type = buf.readUInt16BE(0);
  if (type === INFO.EXPORT) {
    exact(buf, 12, 'export info');
    return { type, size: Number(buf.readBigUInt64BE(2)), flags: buf.readUInt16BE(10) };
  }
  if (type === INFO.NAME) return { type, name: buf.subarray(2).toString('utf8') };
  if (type === INFO.BLOCK_SIZE) {
    exact(buf, 14, 'block size info');
    return { type, minimum: buf.readUInt32BE(2), preferred: buf.readUInt32BE(6), maximum: buf.readUInt32BE(10) };
  }
  return { type };
}

/** S: the answer to NBD_OPT_EXPORT_NAME (size, flags, and 124 zeroes unless NO_ZEROES). */
export function encodeExportNameReply(size: number, transmissionFlags: number, noZeroes: boolean): Buffer {
  const b = Buffer.alloc(noZeroes ? 10 : 134);
  b.writeBigUInt64BE(BigInt(size), 0);
  b.writeUInt16BE(transmissionFlags, 8);
  return b;
}

export function decodeExportNameReply(buf: Buffer): { size: number; flags: number } {
  if (buf.length < 10) throw new NbdProtocolError('export reply too short');
  return { size: Number(buf.readBigUInt64BE(0)), flags: buf.readUInt16BE(8) };
}

// ---- transmission -----------------------------------------------------------------------

export function encodeRequest(req: Omit<Request, 'offset'> & { offset: number | bigint }): Buffer {
  const b = Buffer.allocUnsafe(28);
  b.writeUInt32BE(REQUEST_MAGIC, 0);
  b.writeUInt16BE(req.flags, 4);
  b.writeUInt16BE(req.type, 6);
  req.handle.copy(b, 8, 0, 8);
  b.writeBigUInt64BE(BigInt(req.offset), 16);
  b.writeUInt32BE(req.length >>> 0, 24);
  return b;
}

export function decodeRequest(buf: Buffer): Request {
  exact(buf, 28, 'request header');
  if (buf.readUInt32BE(0) !== REQUEST_MAGIC) throw new NbdProtocolError('bad request magic');
  const offset = buf.readBigUInt64BE(16);
  return {
    flags: buf.readUInt16BE(4),
    type: buf.readUInt16BE(6),
    handle: Buffer.from(buf.subarray(8, 16)),
    offset: offset > MAX_SAFE ? Number.MAX_SAFE_INTEGER : Number(offset),
    length: buf.readUInt32BE(24),
  };
}

export function encodeSimpleReply(error: number, handle: Buffer): Buffer {
  const b = Buffer.allocUnsafe(16);
  b.writeUInt32BE(SIMPLE_REPLY_MAGIC, 0);
  b.writeUInt32BE(error, 4);
  handle.copy(b, 8, 0, 8);
  return b;
}

/** The 20-byte header of a structured reply chunk; `length` bytes of payload follow. */
export function encodeStructuredHeader(flags: number, type: number, handle: Buffer, length: number): Buffer {
  const b = Buffer.allocUnsafe(20);
  b.writeUInt32BE(STRUCTURED_REPLY_MAGIC, 0);
  b.writeUInt16BE(flags, 4);
  b.writeUInt16BE(type, 6);
  handle.copy(b, 8, 0, 8);
  b.writeUInt32BE(length, 16);
  return b;
}

export function decodeStructuredHeader(buf: Buffer): StructuredChunk {
  exact(buf, 20, 'structured reply header');
  if (buf.readUInt32BE(0) !== STRUCTURED_REPLY_MAGIC) throw new NbdProtocolError('bad structured reply magic');
  return { flags: buf.readUInt16BE(4), type: buf.readUInt16BE(6), handle: Buffer.from(buf.subarray(8, 16)), length: buf.readUInt32BE(16) };
}

/** Header and offset of a final NBD_REPLY_TYPE_OFFSET_DATA chunk; the data follows. */
export function encodeOffsetDataHeader(handle: Buffer, offset: number, dataLength: number): Buffer {
  const header = encodeStructuredHeader(REPLY_FLAG_DONE, REPLY_TYPE.OFFSET_DATA, handle, 8 + dataLength);
  const off = Buffer.allocUnsafe(8);
  off.writeBigUInt64BE(BigInt(offset));
  return Buffer.concat([header, off]);
}

/** A final NBD_REPLY_TYPE_ERROR chunk. */
export function encodeErrorChunk(handle: Buffer, error: number, message = ''): Buffer {
  const msg = Buffer.from(message.slice(0, MAX_STRING), 'utf8');
  const payload = Buffer.allocUnsafe(6 + msg.length);
  payload.writeUInt32BE(error, 0);
  payload.writeUInt16BE(msg.length, 4);
  msg.copy(payload, 6);
  return Buffer.concat([encodeStructuredHeader(REPLY_FLAG_DONE, REPLY_TYPE.ERROR, handle, payload.length), payload]);
}

export function decodeErrorPayload(buf: Buffer): { error: number; message: string } {
  if (buf.length < 6) throw new NbdProtocolError('error chunk too short');
  const n = buf.readUInt16BE(4);
  if (6 + n > buf.length) throw new NbdProtocolError('error message overruns');
  return { error: buf.readUInt32BE(0), message: buf.subarray(6, 6 + n).toString('utf8') };
}

/** A final NBD_REPLY_TYPE_BLOCK_STATUS chunk for one metadata context. */
export function encodeBlockStatusChunk(handle: Buffer, contextId: number, extents: readonly Extent[]): Buffer {
  const payload = Buffer.allocUnsafe(4 + 8 * extents.length);
  payload.writeUInt32BE(contextId, 0);
  extents.forEach((e, i) => {
    payload.writeUInt32BE(e.length, 4 + 8 * i);
    payload.writeUInt32BE(e.flags, 8 + 8 * i);
  });
  return Buffer.concat([encodeStructuredHeader(REPLY_FLAG_DONE, REPLY_TYPE.BLOCK_STATUS, handle, payload.length), payload]);
}

export function decodeBlockStatusPayload(buf: Buffer): { contextId: number; extents: Extent[] } {
  if (buf.length < 12 || (buf.length - 4) % 8 !== 0) throw new NbdProtocolError('bad block status payload length');
  const extents: Extent[] = [];
  for (let at = 4; at < buf.length; at += 8) extents.push({ length: buf.readUInt32BE(at), flags: buf.readUInt32BE(at + 4) });
  return { contextId: buf.readUInt32BE(0), extents };
}

export function decodeSimpleReply(buf: Buffer): SimpleReply {
  exact(buf, 16, 'reply header');
  if (buf.readUInt32BE(0) !== SIMPLE_REPLY_MAGIC) throw new NbdProtocolError('bad reply magic');
  return { error: buf.readUInt32BE(4), handle: Buffer.from(buf.subarray(8, 16)) };
}
