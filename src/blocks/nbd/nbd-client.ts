// A minimal NBD client for tests and tools: handshake with GO or EXPORT_NAME (optionally
// structured replies and base:allocation), then pipelined requests matched to replies by handle. Also gives raw access
// to the socket so tests can send malformed bytes.
import { connect, type Socket } from 'node:net';
import { ByteReader } from './byte-reader.js';
import {
  decodeBlockStatusPayload,
  decodeErrorPayload,
  decodeExportNameReply,
  decodeGreeting,
  decodeInfo,
  decodeMetaContext,
  decodeOptionReplyHeader,
  decodeServerEntry,
  decodeSimpleReply,
  decodeStructuredHeader,
  encodeClientFlags,
  encodeInfoRequest,
  encodeMetaContextRequest,
  encodeOption,
  encodeRequest,
  isOptionError,
  NbdProtocolError,
  type BlockSizes,
  type Extent,
  type Info,
} from './codec.js';
import { CMD, FLAG_FIXED_NEWSTYLE, FLAG_NO_ZEROES, INFO, OPT, REP, REPLY_FLAG_DONE, REPLY_TYPE, SIMPLE_REPLY_MAGIC } from './constants.js';

export interface OptionAnswer {
  type: number;
  data: Buffer;
}

export interface ExportInfo {
  size: number;
  flags: number;
  blockSizes?: BlockSizes;
  name?: string;
}

/** An option the server answered with an error reply. */
export class NbdOptionError extends Error {
  constructor(
    readonly type: number,
    message: string,
  ) {
    super(message);
  }
}

export interface Reply {
  error: number;
  data?: Buffer;
  /** structured replies: the error chunk's message, the chunk types received */
  message?: string;
  chunks?: number[];
  extents?: Extent[];
  contextId?: number;
}

interface Pending {
  type: number;
  offset: number;
  length: number;
  reply: Reply;
  resolve: (r: Reply) => void;
  reject: (e: Error) => void;
}

export class NbdClient {
  private nextHandle = 1n;
  private readonly pending = new Map<bigint, Pending>();
  private replyLoop: Promise<void> | undefined;
  exportInfo: ExportInfo | undefined;
  /** NBD_OPT_STRUCTURED_REPLY was acknowledged */
  structuredReplies = false;

  private constructor(
    readonly socket: Socket,
    readonly reader: ByteReader,
    readonly handshakeFlags: number,
  ) {}

  /** Connects and reads the greeting, sending client flags (fixed newstyle, no zeroes). */
  static async connect(port: number, host = '127.0.0.1', clientFlags = FLAG_FIXED_NEWSTYLE | FLAG_NO_ZEROES): Promise<NbdClient> {
    const socket = connect(port, host);
    socket.on('error', () => undefined);
    const reader = new ByteReader(socket);
    const { flags } = decodeGreeting(await reader.read(18));
    socket.write(encodeClientFlags(clientFlags));
    return new NbdClient(socket, reader, flags);
  }

  /** Connects and opens an export with NBD_OPT_GO. */
  static async open(port: number, name: string, host = '127.0.0.1'): Promise<NbdClient> {
    const c = await NbdClient.connect(port, host);
    await c.go(name);
    return c;
  }

  /** Sends one option and collects its replies up to the final one (ACK or an error). */
  async option(option: number, data?: Buffer): Promise<OptionAnswer[]> {
    this.socket.write(encodeOption(option, data));
    const answers: OptionAnswer[] = [];
    for (;;) {
      const h = decodeOptionReplyHeader(await this.reader.read(20));
      if (h.option !== option) throw new NbdProtocolError(`reply to option ${h.option}, expected ${option}`);
      const answer = { type: h.type, data: await this.reader.read(h.length) };
      answers.push(answer);
      if (h.type === REP.ACK || isOptionError(h.type)) return answers;
    }
  }

  private async infoOption(option: number, name: string, infos: number[]): Promise<ExportInfo> {
    const answers = await this.option(option, encodeInfoRequest({ name, infos }));
    const last = answers[answers.length - 1];
    if (isOptionError(last.type)) throw new NbdOptionError(last.type, last.data.toString('utf8'));
    const info: Partial<ExportInfo> = {};
    for (const a of answers.filter((x) => x.type === REP.INFO)) {
      const i: Info = decodeInfo(a.data);
      if ('size' in i) Object.assign(info, { size: i.size, flags: i.flags });
      else if ('name' in i) info.name = i.name;
      else if ('preferred' in i) info.blockSizes = { minimum: i.minimum, preferred: i.preferred, maximum: i.maximum };
    }
    if (info.size === undefined) throw new NbdProtocolError('no NBD_INFO_EXPORT before ACK');
    return info as ExportInfo;
  }

  info(name: string, infos: number[] = [INFO.BLOCK_SIZE]): Promise<ExportInfo> {
    return this.infoOption(OPT.INFO, name, infos);
  }

  async go(name: string, infos: number[] = [INFO.BLOCK_SIZE, INFO.NAME]): Promise<ExportInfo> {
    this.exportInfo = await this.infoOption(OPT.GO, name, infos);
    return this.exportInfo;
  }

  /** NBD_OPT_EXPORT_NAME (the old way in; the server hangs up on unknown names). */
  async exportName(name: string, noZeroes = true): Promise<ExportInfo> {
    this.socket.write(encodeOption(OPT.EXPORT_NAME, Buffer.from(name, 'utf8')));
    this.exportInfo = decodeExportNameReply(await this.reader.read(noZeroes ? 10 : 134));
    return this.exportInfo;
  }

  async structured(): Promise<number> {
    const [answer] = await this.option(OPT.STRUCTURED_REPLY);
    this.structuredReplies = answer.type === REP.ACK;
    return answer.type;
  }

  /** NBD_OPT_SET_META_CONTEXT (or LIST with `list`): the contexts the server answered. */
  async metaContext(name: string, queries: string[], list = false): Promise<{ id: number; name: string }[]> {
    const answers = await this.option(list ? OPT.LIST_META_CONTEXT : OPT.SET_META_CONTEXT, encodeMetaContextRequest({ name, queries }));
    const last = answers[answers.length - 1];
    if (isOptionError(last.type)) throw new NbdOptionError(last.type, last.data.toString('utf8'));
    return answers.filter((a) => a.type === REP.META_CONTEXT).map((a) => decodeMetaContext(a.data));
  }

  async list(): Promise<string[]> {
    const answers = await this.option(OPT.LIST);
    const last = answers[answers.length - 1];
    if (isOptionError(last.type)) throw new NbdOptionError(last.type, last.data.toString('utf8'));
    return answers.filter((a) => a.type === REP.SERVER).map((a) => decodeServerEntry(a.data));
  }

  /** Sends a request (with payload for writes); resolves with its reply. Requests may be pipelined. */
  request(type: number, offset: number, length: number, opts: { flags?: number; payload?: Buffer } = {}): Promise<Reply> {
    const id = this.nextHandle++;
    const handle = Buffer.allocUnsafe(8);
    handle.writeBigUInt64BE(id);
    const header = encodeRequest({ flags: opts.flags ?? 0, type, handle, offset, length });
    this.socket.write(opts.payload ? Buffer.concat([header, opts.payload]) : header);
    this.replyLoop ??= this.readReplies();
    return new Promise((resolve, reject) => this.pending.set(id, { type, offset, length, reply: { error: 0 }, resolve, reject }));
  }

  read(offset: number, length: number, flags = 0): Promise<Reply> {
    return this.request(CMD.READ, offset, length, { flags });
  }
  write(offset: number, data: Buffer, flags = 0): Promise<Reply> {
    return this.request(CMD.WRITE, offset, data.length, { flags, payload: data });
  }
  flush(): Promise<Reply> {
    return this.request(CMD.FLUSH, 0, 0);
  }
  trim(offset: number, length: number, flags = 0): Promise<Reply> {
    return this.request(CMD.TRIM, offset, length, { flags });
  }
  writeZeroes(offset: number, length: number, flags = 0): Promise<Reply> {
    return this.request(CMD.WRITE_ZEROES, offset, length, { flags });
  }
  blockStatus(offset: number, length: number, flags = 0): Promise<Reply> {
    return this.request(CMD.BLOCK_STATUS, offset, length, { flags });
  }

  /** NBD_CMD_DISC, then waits for the server to close. */
  async disconnect(): Promise<void> {
    const closed = new Promise<void>((r) => (this.socket.closed ? r() : this.socket.once('close', () => r())));
    this.socket.write(encodeRequest({ flags: 0, type: CMD.DISC, handle: Buffer.alloc(8), offset: 0, length: 0 }));
    await closed;
  }

  /** Resolves when the server has closed the connection. */
  closed(): Promise<void> {
    return new Promise<void>((r) => (this.socket.closed ? r() : this.socket.once('close', () => r())));
  }

  destroy(): void {
    this.socket.destroy();
  }

  private take(handle: Buffer): Pending {
    const p = this.pending.get(handle.readBigUInt64BE());
    if (!p) throw new NbdProtocolError(`reply for unknown handle ${handle.toString('hex')}`);
    return p;
  }

  private done(p: Pending, handle: Buffer): void {
    this.pending.delete(handle.readBigUInt64BE());
    p.resolve(p.reply);
  }

  /** One structured chunk: accumulated into its request's reply until the DONE flag. */
  private async chunk(head: Buffer): Promise<void> {
    const h = decodeStructuredHeader(Buffer.concat([head, await this.reader.read(16)]));
    const p = this.take(h.handle);
    const payload = await this.reader.read(h.length);
    const r = p.reply;
    (r.chunks ??= []).push(h.type);
    if (h.type === REPLY_TYPE.OFFSET_DATA || h.type === REPLY_TYPE.OFFSET_HOLE) {
      const at = Number(payload.readBigUInt64BE(0)) - p.offset;
      r.data ??= Buffer.alloc(p.length);
      if (h.type === REPLY_TYPE.OFFSET_DATA) payload.copy(r.data, at, 8);
      else r.data.fill(0, at, at + payload.readUInt32BE(8));
    } else if (h.type === REPLY_TYPE.BLOCK_STATUS) {
      const status = decodeBlockStatusPayload(payload);
      r.contextId = status.contextId;
      r.extents = status.extents;
    } else if (h.type & 0x8000) {
      const e = decodeErrorPayload(payload);
      r.error = e.error;
      r.message = e.message;
    }
    if (h.flags & REPLY_FLAG_DONE) {
      if (p.type === CMD.READ && !r.error) r.data ??= Buffer.alloc(0);
      this.done(p, h.handle);
    }
  }

  private async readReplies(): Promise<void> {
    try {
      for (;;) {
        const head = await this.reader.read(4);
        if (head.readUInt32BE(0) !== SIMPLE_REPLY_MAGIC) {
          await this.chunk(head);
          continue;
        }
        const { error, handle } = decodeSimpleReply(Buffer.concat([head, await this.reader.read(12)]));
        const p = this.take(handle);
        p.reply.error = error;
        if (p.type === CMD.READ && error === 0) p.reply.data = await this.reader.read(p.length);
        this.done(p, handle);
      }
    } catch (e) {
      for (const p of this.pending.values()) p.reject(e as Error);
      this.pending.clear();
    }
  }
}
