// The transmission phase of one connection: requests are read in order and issued to the device
// at once, so a pipelining client keeps the device busy; replies go out as each completes, with
// the request's handle (with structured replies negotiated, READ answers with one data chunk or
// an error chunk, BLOCK_STATUS with the base:allocation extents). The device runs its operations in the order issued (VolumeDevice
// serialises them), so a FLUSH covers every write received before it.
//
// Memory is bounded: at most MAX_IN_FLIGHT requests or MAX_IN_FLIGHT_BYTES of payload are
// outstanding, and no new request is read while the socket has replies it cannot send.
import type { Socket } from 'node:net';
import { PeerClosedError, type ByteReader } from './byte-reader.js';
import { decodeRequest, encodeBlockStatusChunk, encodeErrorChunk, encodeOffsetDataHeader, encodeSimpleReply, encodeStructuredHeader, type Extent, type Request } from './codec.js';
import { CMD, CMD_FLAG, NBD_ERR, REPLY_FLAG_DONE, REPLY_TYPE, REQUEST_HEADER_SIZE, STATE_HOLE, STATE_ZERO } from './constants.js';
import type { NbdDevice, NbdLog } from './nbd-export.js';

const MAX_IN_FLIGHT = 64;
const MAX_IN_FLIGHT_BYTES = 64 << 20;

export interface TransmissionOptions {
  /** largest READ or WRITE payload (the advertised maximum block size) */
  maxPayload: number;
  log: NbdLog;
  peer: string;
  name: string;
  structured: boolean;
  /** context id of base:allocation, when the client selected it */
  baseAllocation?: number;
}

interface Outcome {
  error: number;
  data?: Buffer;
  extents?: Extent[];
}

/** How the phase ended: the client's NBD_CMD_DISC, the peer went away, or we stopped. */
export type Ending = 'disconnect' | 'closed' | 'stopped';

const OK: Outcome = { error: 0 };

/** Command flags a client may set on each command (FUA is accepted everywhere, as required). */
function allowedFlags(type: number, structured: boolean): number {
  if (type === CMD.WRITE_ZEROES) return CMD_FLAG.FUA | CMD_FLAG.NO_HOLE;
  if (type === CMD.READ && structured) return CMD_FLAG.FUA | CMD_FLAG.DF;
  if (type === CMD.BLOCK_STATUS) return CMD_FLAG.FUA | CMD_FLAG.REQ_ONE;
  return CMD_FLAG.FUA;
}

/** base:allocation descriptors: holes read as zeros; neighbours with equal flags merged. */
function toExtents(parts: readonly { length: number; zero: boolean }[], requestLength: number, one: boolean): Extent[] {
  const out: Extent[] = [];
  let total = 0;
  for (const p of parts) {
    const length = Math.min(p.length, requestLength - total);
    if (length <= 0) break;
    total += length;
    const flags = p.zero ? STATE_HOLE | STATE_ZERO : 0;
    const last = out[out.length - 1];
    if (last && last.flags === flags) last.length += length;
    else out.push({ length, flags });
  }
  return one ? out.slice(0, 1) : out;
}

export class Transmission {
  private inFlight = 0;
  private inFlightBytes = 0;
  private waiters: (() => void)[] = [];
  private stopping = false;

  constructor(
    private readonly socket: Socket,
    private readonly reader: ByteReader,
    private readonly device: NbdDevice,
    private readonly opts: TransmissionOptions,
  ) {
    socket.on('drain', () => this.notify());
    socket.on('close', () => this.notify());
  }

  /** Answers further requests with ESHUTDOWN (server shutdown); in-flight ones complete. */
  stop(): void {
    this.stopping = true;
  }

  /** Resolves when every issued request has been answered. */
  async idle(): Promise<void> {
    while (this.inFlight > 0) await this.change();
  }

  /**
   * Serves requests until the client disconnects or goes away. Throws NbdProtocolError on a
   * malformed request (after answering what was in flight).
   */
  async run(): Promise<Ending> {
    try {
      for (;;) {
        await this.capacity();
        const req = decodeRequest(await this.reader.read(REQUEST_HEADER_SIZE));
        if (req.type === CMD.DISC) return 'disconnect';
        let payload: Buffer | undefined;
        if (req.type === CMD.WRITE) {
          if (req.length > this.opts.maxPayload) {
            await this.reader.skip(req.length); // keep the stream in step, then refuse
            this.reply(req, { error: NBD_ERR.EINVAL });
            continue;
          }
          payload = await this.reader.read(req.length);
        }
        this.track(req, payload);
      }
    } catch (e) {
      if (e instanceof PeerClosedError) return this.stopping ? 'stopped' : 'closed';
      throw e;
    } finally {
      await this.idle();
    }
  }

  /** Resolves at the next completion, drain or close. */
  private change(): Promise<void> {
    return new Promise<void>((r) => this.waiters.push(r));
  }

  private notify(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private async capacity(): Promise<void> {
    while (this.inFlight >= MAX_IN_FLIGHT || this.inFlightBytes >= MAX_IN_FLIGHT_BYTES || (this.socket.writableNeedDrain && !this.socket.destroyed)) {
      await this.change();
    }
  }

  private track(req: Request, payload: Buffer | undefined): void {
    const bytes = req.type === CMD.READ || req.type === CMD.WRITE ? req.length : 0;
    this.inFlight++;
    this.inFlightBytes += bytes;
    void this.execute(req, payload)
      .catch((e: unknown): Outcome => {
        this.opts.log('warn', 'nbd request failed', { peer: this.opts.peer, export: this.opts.name, type: req.type, offset: req.offset, length: req.length, err: e instanceof Error ? e.message : String(e) });
        return { error: NBD_ERR.EIO };
      })
      .then((outcome) => {
        this.reply(req, outcome);
        this.inFlight--;
        this.inFlightBytes -= bytes;
        this.notify();
      });
  }

  /** The protocol's answer to a request we refuse without touching the device. */
  private refusal(req: Request): number {
    if (this.stopping) return NBD_ERR.ESHUTDOWN;
    if (req.flags & ~allowedFlags(req.type, this.opts.structured)) return NBD_ERR.EINVAL;
    const { size, readOnly } = this.device;
    const inside = req.offset + req.length <= size;
    switch (req.type) {
      case CMD.READ:
        return req.length > this.opts.maxPayload || !inside ? NBD_ERR.EINVAL : 0;
      case CMD.WRITE:
      case CMD.TRIM:
      case CMD.WRITE_ZEROES:
        if (readOnly) return NBD_ERR.EPERM;
        return inside ? 0 : NBD_ERR.ENOSPC;
      case CMD.FLUSH:
        return 0;
      case CMD.BLOCK_STATUS:
        return this.opts.baseAllocation === undefined || req.length === 0 || !inside ? NBD_ERR.EINVAL : 0;
      default:
        return NBD_ERR.EINVAL; // CACHE and unknown commands
    }
  }

  /** Issues the device operation synchronously (keeping arrival order), answers later. */
  private execute(req: Request, payload: Buffer | undefined): Promise<Outcome> {
    const error = this.refusal(req);
    if (error) return Promise.resolve({ error });
    const d = this.device;
    const fua = (p: Promise<void>) => p.then(() => (req.flags & CMD_FLAG.FUA ? d.flush() : undefined)).then(() => OK);
    switch (req.type) {
      case CMD.READ:
        return d.read(req.offset, req.length).then((data) => ({ error: 0, data }));
      case CMD.WRITE:
        return fua(d.write(req.offset, payload!));
      case CMD.TRIM: // a hint we honour fully: trimmed ranges read back as zeros and free their blocks
      case CMD.WRITE_ZEROES:
        return fua(req.length ? d.writeZeroes(req.offset, req.length) : Promise.resolve());
      case CMD.BLOCK_STATUS: {
        const parts = d.extents ? d.extents(req.offset, req.length) : Promise.resolve([{ length: req.length, zero: false }]);
        return parts.then((p) => ({ error: 0, extents: toExtents(p, req.length, Boolean(req.flags & CMD_FLAG.REQ_ONE)) }));
      }
      default: // FLUSH
        return d.flush().then(() => OK);
    }
  }

  private reply(req: Request, outcome: Outcome): void {
    if (this.socket.destroyed) return;
    if (outcome.extents && !outcome.error) {
      this.socket.write(encodeBlockStatusChunk(req.handle, this.opts.baseAllocation!, outcome.extents));
      return;
    }
    if (this.opts.structured && (req.type === CMD.READ || req.type === CMD.BLOCK_STATUS)) {
      // a structured READ never gets a simple reply, not even an error
      if (outcome.error) this.socket.write(encodeErrorChunk(req.handle, outcome.error));
      else if (!outcome.data?.length) this.socket.write(encodeStructuredHeader(REPLY_FLAG_DONE, REPLY_TYPE.NONE, req.handle, 0));
      else {
        this.socket.cork();
        this.socket.write(encodeOffsetDataHeader(req.handle, req.offset, outcome.data.length));
        this.socket.write(outcome.data);
        this.socket.uncork();
      }
      return;
    }
    const header = encodeSimpleReply(outcome.error, req.handle);
    if (!outcome.data) {
      this.socket.write(header);
      return;
    }
    this.socket.cork();
    this.socket.write(header);
    this.socket.write(outcome.data);
    this.socket.uncork();
  }
}
