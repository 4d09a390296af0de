// An NBD server (fixed newstyle, simple replies) exporting devices by name: the way qemu-img,
// qemu-io, qemu-nbd and nbdcopy read and write volumes. NBD has no authentication: bind it to
// loopback only (the composition root enforces that).
import { createServer, type Server, type Socket } from 'node:net';
import type { AddressInfo } from 'node:net';
import { chmodSync, rmSync } from 'node:fs';
import type { BlockSizes } from './codec.js';
import { NbdConnection } from './nbd-connection.js';
import type { NbdLog, NbdResolver } from './nbd-export.js';

/** Largest READ or WRITE payload: what clients assume without block size negotiation. */
export const MAX_PAYLOAD = 32 << 20;

export interface NbdServerOptions {
  resolve: NbdResolver;
  /** export names for NBD_OPT_LIST; without it listing is refused (names are capabilities) */
  list?: () => Promise<string[]>;
  log?: NbdLog;
  /** preferred I/O size to advertise (the device's block size avoids read-modify-write) */
  preferredBlockSize?: number;
  maxPayload?: number;
  handshakeTimeoutMs?: number;
  maxConnections?: number;
}

export class NbdServer {
  private readonly server: Server;
  private readonly connections = new Set<NbdConnection>();
  private readonly log: NbdLog;
  private readonly blockSizes: BlockSizes;

  constructor(private readonly opts: NbdServerOptions) {
    this.log = opts.log ?? (() => undefined);
    this.blockSizes = { minimum: 1, preferred: opts.preferredBlockSize ?? 4096, maximum: opts.maxPayload ?? MAX_PAYLOAD };
    this.server = createServer((socket) => this.accept(socket));
    this.server.maxConnections = opts.maxConnections ?? 256;
  }

  /** Listens; resolves with the port (useful with port 0). */
  listen(port: number, host: string): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, host, () => {
        this.server.off('error', reject);
        resolve((this.server.address() as AddressInfo).port);
      });
    });
  }

  /** Listens on a unix socket (mode 0600, a stale socket file replaced): one VM's disks. */
  listenPath(path: string): Promise<void> {
    rmSync(path, { force: true });
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(path, () => {
        this.server.off('error', reject);
        chmodSync(path, 0o600);
        resolve();
      });
    });
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  private accept(socket: Socket): void {
    const conn = new NbdConnection(socket, {
      resolve: this.opts.resolve,
      list: this.opts.list,
      log: this.log,
      blockSizes: this.blockSizes,
      handshakeTimeoutMs: this.opts.handshakeTimeoutMs ?? 30_000,
    });
    this.connections.add(conn);
    void conn.done.finally(() => this.connections.delete(conn));
  }

  /** Ends every connection gracefully (in-flight requests answered, exports released). */
  async disconnectAll(): Promise<void> {
    await Promise.all([...this.connections].map((c) => c.shutdown()));
  }

  /** Stops listening and ends every connection. */
  async close(): Promise<void> {
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    await this.disconnectAll();
    await closed;
  }
}
