// One client connection: handshake, then transmission, then the export released (which
// flushes) and the socket closed. Whatever the client sends, the outcome is at worst this
// connection dropped: every error ends here.
import type { Socket } from 'node:net';
import { ByteReader, PeerClosedError } from './byte-reader.js';
import { NbdProtocolError, type BlockSizes } from './codec.js';
import { negotiate, type Negotiated } from './handshake.js';
import type { NbdLog, NbdResolver } from './nbd-export.js';
import { Transmission } from './transmission.js';

export interface ConnectionOptions {
  resolve: NbdResolver;
  list?: () => Promise<string[]>;
  log: NbdLog;
  blockSizes: BlockSizes;
  handshakeTimeoutMs: number;
}

export class NbdConnection {
  readonly done: Promise<void>;
  private readonly peer: string;
  private transmission: Transmission | undefined;
  private stopping = false;

  constructor(
    private readonly socket: Socket,
    private readonly opts: ConnectionOptions,
  ) {
    this.peer = socket.remoteAddress ? `${socket.remoteAddress}:${socket.remotePort}` : 'unix socket';
    socket.setNoDelay(true);
    socket.on('error', () => undefined); // reported through the reader; never an uncaught error
    this.done = this.run().catch((e: unknown) => {
      opts.log('error', 'nbd connection failed', { peer: this.peer, err: e instanceof Error ? e.stack : String(e) });
      socket.destroy();
    });
  }

  /** Graceful end (server shutdown): in-flight requests are answered, the export released. */
  async shutdown(): Promise<void> {
    this.stopping = true;
    if (this.transmission) {
      this.transmission.stop();
      await this.transmission.idle();
    }
    this.socket.destroy();
    await this.done;
  }

  private async run(): Promise<void> {
    const { log } = this.opts;
    const reader = new ByteReader(this.socket);
    const timer = setTimeout(() => {
      log('warn', 'nbd handshake timed out', { peer: this.peer });
      this.socket.destroy();
    }, this.opts.handshakeTimeoutMs);
    let chosen: Negotiated | undefined;
    try {
      chosen = await negotiate(this.socket, reader, { ...this.opts, peer: this.peer });
    } catch (e) {
      if (e instanceof NbdProtocolError) log('warn', 'nbd client broke the protocol in the handshake', { peer: this.peer, err: e.message });
      else if (!(e instanceof PeerClosedError)) throw e;
      this.socket.destroy();
      return;
    } finally {
      clearTimeout(timer);
    }
    if (!chosen) {
      this.socket.end(); // NBD_OPT_ABORT
      return;
    }
    log('debug', 'nbd export opened', { peer: this.peer, export: chosen.name, size: chosen.export.device.size, flags: chosen.flags });
    const t = new Transmission(this.socket, reader, chosen.export.device, {
      maxPayload: this.opts.blockSizes.maximum,
      log,
      peer: this.peer,
      name: chosen.name,
      structured: chosen.structured,
      baseAllocation: chosen.baseAllocation,
    });
    this.transmission = t;
    if (this.stopping) t.stop();
    let ending = 'closed';
    try {
      ending = await t.run();
    } catch (e) {
      if (!(e instanceof NbdProtocolError)) throw e;
      ending = 'protocol error';
      log('warn', 'nbd client broke the protocol', { peer: this.peer, export: chosen.name, err: e.message });
    } finally {
      await chosen.export.release().catch((e: unknown) => log('error', 'nbd export release failed', { peer: this.peer, export: chosen.name, err: e instanceof Error ? e.message : String(e) }));
      if (ending === 'disconnect') this.socket.end();
      else this.socket.destroy();
    }
    log('debug', 'nbd export closed', { peer: this.peer, export: chosen.name, ending });
  }
}
