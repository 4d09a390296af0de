// A minimal NBD client (fixed newstyle, simple replies) for tests and tools: handshake with GO
// or EXPORT_NAME, then pipelined requests matched to replies by handle. Also gives raw access
// to the socket so tests can send malformed bytes.
import { connect, type Socket } from 'node:net';
import { ByteReader } from './byte-reader.js';
import {
  decodeExportNameReply,
  decodeGreeting,
  decodeInfo,
  decodeOptionReplyHeader,
  decodeServerEntry,
  decodeSimpleReply,
  encodeClientFlags,
  encodeInfoRequest,
  encodeOption,
  encodeRequest,
  isOptionError,
  NbdProtocolError,
  type BlockSizes,
  type Info,
} from './codec.js';
import { CMD, FLAG_FIXED_NEWSTYLE, FLAG_NO_ZEROES, INFO, OPT, REP } from './constants.js';

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
}

export class NbdClient {
  private nextHandle = 1n;
  private readonly pending = new Map<bigint, { type: number; length: number; resolve: (r: Reply) => void; reject: (e: Error) => void }>();
  private replyLoop: Promise<void> | undefined;
  exportInfo: ExportInfo | undefined;

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
    return new Promise((resolve, reject) => this.pending.set(id, { type, length, resolve, reject }));
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

  private async readReplies(): Promise<void> {
    try {
      for (;;) {
        const { error, handle } = decodeSimpleReply(await this.reader.read(16));
        const id = handle.readBigUInt64BE();
        const p = this.pending.get(id);
        if (!p) throw new NbdProtocolError(`reply for unknown handle ${id}`);
        this.pending.delete(id);
        const data = p.type === CMD.READ && error === 0 ? await this.reader.read(p.length) : undefined;
        p.resolve({ error, data });
      }
    } catch (e) {
      for (const p of this.pending.values()) p.reject(e as Error);
      this.pending.clear();
    }
  }
}
