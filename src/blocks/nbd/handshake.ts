// The fixed newstyle handshake, server side: greeting, client flags, then option haggling until
// the client picks an export (NBD_OPT_GO or NBD_OPT_EXPORT_NAME) or leaves.
//
// Supported options: EXPORT_NAME, GO, INFO, LIST, ABORT, STRUCTURED_REPLY and the
// `base:allocation` metadata context (LIST/SET_META_CONTEXT). Everything else (STARTTLS,
// extended headers) answers NBD_REP_ERR_UNSUP, and clients carry on without. Malformed data in a known option answers NBD_REP_ERR_INVALID; a broken framing
// (bad magic, absurd lengths, unknown client flags) is a hard disconnect.
import type { Socket } from 'node:net';
import type { ByteReader } from './byte-reader.js';
import {
  decodeClientFlags,
  decodeExportName,
  decodeInfoRequest,
  decodeMetaContextRequest,
  decodeOptionHeader,
  encodeExportNameReply,
  encodeGreeting,
  encodeInfoBlockSize,
  encodeInfoExport,
  encodeInfoName,
  encodeMetaContext,
  encodeOptionError,
  encodeOptionReply,
  encodeServerEntry,
  NbdProtocolError,
  type BlockSizes,
} from './codec.js';
import { BASE_ALLOCATION, INFO, OPT, OPTION_HEADER_SIZE, REP, TFLAG } from './constants.js';
import type { NbdDevice, NbdExport, NbdLog, NbdResolver } from './nbd-export.js';

/** Option data beyond this is not a real client: hang up rather than buffer it. */
const MAX_OPTION_DATA = 16 << 10;
/** Options per connection before we decide the client is looping. */
const MAX_OPTIONS = 1000;
/** The id we give `base:allocation` when a client selects it. */
export const BASE_ALLOCATION_ID = 1;

export interface HandshakeOptions {
  resolve: NbdResolver;
  list?: () => Promise<string[]>;
  blockSizes: BlockSizes;
  log: NbdLog;
  peer: string;
}

export interface Negotiated {
  name: string;
  export: NbdExport;
  flags: number;
  /** structured replies were negotiated (READ answers with chunks) */
  structured: boolean;
  /** the context id of `base:allocation`, when selected for this export */
  baseAllocation?: number;
}

/** Transmission flags for a device: everything we implement, READ_ONLY when it is. */
export function transmissionFlags(device: NbdDevice, structured: boolean): number {
  // CAN_MULTI_CONN: connections to one export share one device (and its cache), so a flush on
  // any of them covers writes made on all of them.
  let flags = TFLAG.HAS_FLAGS | TFLAG.SEND_FLUSH | TFLAG.SEND_FUA | TFLAG.CAN_MULTI_CONN;
  if (device.readOnly) flags |= TFLAG.READ_ONLY;
  else flags |= TFLAG.SEND_TRIM | TFLAG.SEND_WRITE_ZEROES;
  if (structured) flags |= TFLAG.SEND_DF; // a READ is always answered with one data chunk
  return flags;
}

function refusal(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Runs the handshake; resolves with the export chosen, or undefined when the client left. */
export async function negotiate(socket: Socket, reader: ByteReader, opts: HandshakeOptions): Promise<Negotiated | undefined> {
  socket.write(encodeGreeting());
  const client = decodeClientFlags(await reader.read(4));
  const reply = (option: number, type: number, data?: Buffer) => socket.write(encodeOptionReply(option, type, data));
  const fail = (option: number, type: number, message: string) => socket.write(encodeOptionError(option, type, message));
  /** Decodes an option's data; a malformed one is answered NBD_REP_ERR_INVALID (undefined). */
  const parse = <T>(option: number, decode: (b: Buffer) => T, data: Buffer): T | undefined => {
    try {
      return decode(data);
    } catch (e) {
      fail(option, REP.ERR_INVALID, refusal(e));
      return undefined;
    }
  };
  let structured = false;
  /** the export `base:allocation` was selected for (SET_META_CONTEXT names one) */
  let allocationFor: string | undefined;
  const chosen = (name: string, exp: NbdExport): Negotiated => ({
    name,
    export: exp,
    flags: transmissionFlags(exp.device, structured),
    structured,
    baseAllocation: structured && allocationFor === name ? BASE_ALLOCATION_ID : undefined,
  });

  /** Opens an export, answering the option with an error when it cannot. */
  const open = async (option: number, name: string): Promise<NbdExport | undefined> => {
    try {
      const exp = await opts.resolve(name);
      if (!exp) fail(option, REP.ERR_UNKNOWN, `no export named '${name}'`);
      return exp;
    } catch (e) {
      opts.log('warn', 'nbd export refused', { peer: opts.peer, export: name, err: refusal(e) });
      fail(option, REP.ERR_POLICY, `export '${name}' is not available: ${refusal(e)}`);
      return undefined;
    }
  };

  for (let count = 0; count < MAX_OPTIONS; count++) {
    const { option, length } = decodeOptionHeader(await reader.read(OPTION_HEADER_SIZE));
    if (length > MAX_OPTION_DATA) throw new NbdProtocolError(`option ${option} carries ${length} bytes`);
    const data = await reader.read(length);
    switch (option) {
      case OPT.EXPORT_NAME: {
        // no way to answer an error here: unknown export = hang up (the protocol says so)
        const name = decodeExportName(data);
        const exp = await opts.resolve(name).catch((e: unknown) => {
          opts.log('warn', 'nbd export refused', { peer: opts.peer, export: name, err: refusal(e) });
          return undefined;
        });
        if (!exp) throw new NbdProtocolError(`unknown export '${name}' asked with NBD_OPT_EXPORT_NAME`);
        const result = chosen(name, exp);
        socket.write(encodeExportNameReply(exp.device.size, result.flags, client.noZeroes));
        return result;
      }
      case OPT.INFO:
      case OPT.GO: {
        const request = parse(option, decodeInfoRequest, data);
        if (!request) break;
        const exp = await open(option, request.name);
        if (!exp) break;
        const result = chosen(request.name, exp);
        reply(option, REP.INFO, encodeInfoExport(exp.device.size, result.flags));
        if (request.infos.includes(INFO.NAME)) reply(option, REP.INFO, encodeInfoName(request.name));
        if (request.infos.includes(INFO.BLOCK_SIZE)) reply(option, REP.INFO, encodeInfoBlockSize(opts.blockSizes));
        reply(option, REP.ACK);
        if (option === OPT.GO) return result;
        await exp.release();
        break;
      }
      case OPT.LIST: {
        if (length !== 0) fail(option, REP.ERR_INVALID, 'NBD_OPT_LIST carries no data');
        else if (!opts.list) fail(option, REP.ERR_POLICY, 'exports are not listed: ask for one by name');
        else {
          for (const name of await opts.list()) reply(option, REP.SERVER, encodeServerEntry(name));
          reply(option, REP.ACK);
        }
        break;
      }
      case OPT.STRUCTURED_REPLY:
        if (length !== 0) fail(option, REP.ERR_INVALID, 'NBD_OPT_STRUCTURED_REPLY carries no data');
        else {
          structured = true;
          reply(option, REP.ACK);
        }
        break;
      case OPT.LIST_META_CONTEXT:
      case OPT.SET_META_CONTEXT: {
        if (!structured) {
          fail(option, REP.ERR_INVALID, 'metadata contexts need structured replies: send NBD_OPT_STRUCTURED_REPLY first');
          break;
        }
        const request = parse(option, decodeMetaContextRequest, data);
        if (!request) break;
        const { queries } = request;
        const list = option === OPT.LIST_META_CONTEXT;
        // LIST: no query means all contexts, `base:` all of that namespace; SET: exact names only
        const selected = queries.includes(BASE_ALLOCATION) || (list && (queries.length === 0 || queries.includes('base:')));
        if (!list) allocationFor = selected ? request.name : undefined; // SET replaces earlier selections
        if (selected) reply(option, REP.META_CONTEXT, encodeMetaContext(list ? 0 : BASE_ALLOCATION_ID, BASE_ALLOCATION));
        reply(option, REP.ACK);
        break;
      }
      case OPT.ABORT:
        reply(option, REP.ACK);
        return undefined;
      default:
        fail(option, REP.ERR_UNSUP, `option ${option} is not supported`);
    }
  }
  throw new NbdProtocolError(`more than ${MAX_OPTIONS} options`);
}
