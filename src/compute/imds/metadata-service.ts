// The EC2 instance metadata service as a guest sees it at http://169.254.169.254. QEMU's user
// networking forwards each guest TCP connection to that address to a per-instance unix socket
// (`guestfwd=tcp:169.254.169.254:80-cmd:socat STDIO UNIX-CONNECT:<socket>`), so the socket, not
// a source address, says which instance is asking: `serve()` listens on one socket for one
// instance. What is answered is imds-answer.ts; this file is the HTTP server around it.
//
// A guest is not trusted. Everything it can send is bounded: header bytes and count (431),
// time to send the headers and the request (slow loris: 408 and closed), idle connections,
// simultaneous connections (more are closed at once; each one is also a socat process on the
// host), requests per second (429), and request bodies (never read; the connection closes after
// every response). Nothing a request does can throw out of the handler. One instance's abuse
// costs only that instance's service.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { connect, type Socket } from 'node:net';
import { chmod, lstat, unlink } from 'node:fs/promises';
import type { Duplex } from 'node:stream';
import type { InstanceMetadata } from '../instance-metadata.js';
import { answer, failure, TOKEN_HEADER, type ImdsReply } from './imds-answer.js';
import type { ImdsSource } from './imds-source.js';
import { ImdsTokens } from './imds-token.js';
import type { IdentitySignatures, IdentitySigner } from './identity-signer.js';

export type { ImdsOptions, ImdsSource } from './imds-source.js';

export type ImdsLog = (level: 'debug' | 'info' | 'warn' | 'error', msg: string, fields: Record<string, unknown>) => void;

export interface ImdsLimits {
  maxHeaderBytes: number;
  maxHeaders: number;
  headersTimeoutMs: number;
  /** the whole request, headers and body; must not be below headersTimeoutMs */
  requestTimeoutMs: number;
  /** a connection with no traffic (also an answer that hangs) is closed after this */
  idleTimeoutMs: number;
  maxConnections: number;
  /** token bucket: requests a guest may make at once, and refilled per second */
  burst: number;
  perSecond: number;
}

export const DEFAULT_LIMITS: ImdsLimits = {
  maxHeaderBytes: 8192,
  maxHeaders: 64,
  headersTimeoutMs: 5_000,
  requestTimeoutMs: 10_000,
  idleTimeoutMs: 10_000,
  maxConnections: 32,
  burst: 200,
  perSecond: 100,
};

export interface MetadataServiceOptions {
  /** HMAC key of the IMDSv2 tokens (derived from the data directory's master key by the caller) */
  tokenKey: Buffer;
  signer: Pick<IdentitySigner, 'sign'>;
  log?: ImdsLog;
  now?: () => number;
  limits?: Partial<ImdsLimits>;
}

export interface ImdsEndpoint {
  /** stops listening, ends open connections and removes the socket file */
  close(): Promise<void>;
}

export class MetadataService {
  private readonly tokens: ImdsTokens;
  private readonly log: ImdsLog;
  private readonly now: () => number;
  private readonly limits: ImdsLimits;
  /** signing is deterministic and costs a millisecond or two: remember the last document's */
  private lastSigned: { document: string; signatures: IdentitySignatures } | undefined;

  constructor(private readonly opts: MetadataServiceOptions) {
    this.tokens = new ImdsTokens(opts.tokenKey);
    this.log = opts.log ?? (() => undefined);
    this.now = opts.now ?? Date.now;
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
  }

  /** Listens on `socketPath` (a stale socket file is replaced, a live one refused; mode 0600) for one instance. */
  async serve(socketPath: string, source: ImdsSource): Promise<ImdsEndpoint> {
    await removeStaleSocket(socketPath);
    const { limits } = this;
    const instanceId = source.instanceId;
    const take = tokenBucket(limits.burst, limits.perSecond, this.now);
    const warn = throttledWarning(this.log, instanceId, this.now);
    const server = createServer(
      {
        maxHeaderSize: limits.maxHeaderBytes,
        headersTimeout: limits.headersTimeoutMs,
        requestTimeout: limits.requestTimeoutMs,
        connectionsCheckingInterval: Math.min(1000, limits.headersTimeoutMs),
        // The socket names the instance; a Host header adds nothing (a guest's `nc` may omit it).
        requireHostHeader: false,
      },
      (req, res) => void this.handle(req, res, source, take),
    );
    server.maxHeadersCount = limits.maxHeaders;
    server.maxConnections = limits.maxConnections;
    server.timeout = limits.idleTimeoutMs;
    server.on('drop', () => warn('imds connection refused: too many open', { maxConnections: limits.maxConnections }));
    server.on('clientError', (err: NodeJS.ErrnoException, socket: Duplex) => {
      if (err.code !== 'ECONNRESET') warn('imds malformed or slow request', { code: err.code });
      refuse(socket, err.code);
    });
    await listen(server, socketPath);
    let ino: number;
    try {
      await chmod(socketPath, 0o600);
      ({ ino } = await lstat(socketPath));
    } catch (e) {
      server.close();
      throw e;
    }
    this.log('debug', 'imds listening', { instanceId, socketPath });
    return {
      close: async () => {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeAllConnections();
        await closed;
        // Only our own socket file: the instance may be served again on the same path by now.
        const now = await lstat(socketPath).catch(() => undefined);
        if (now?.ino === ino) await unlink(socketPath).catch(() => undefined);
      },
    };
  }

  private async handle(req: IncomingMessage, res: ServerResponse, source: ImdsSource, take: () => boolean): Promise<void> {
    // A guest hanging up mid-request is routine, never an uncaught error.
    req.on('error', () => undefined);
    res.on('error', () => undefined);
    let reply: ImdsReply;
    try {
      try {
        source.onRequest?.();
      } catch (e) {
        this.log('warn', 'imds onRequest hook failed', { instanceId: source.instanceId, err: String(e) });
      }
      if (!take()) reply = failure(429);
      else {
        let tree: Promise<InstanceMetadata> | undefined;
        reply = await answer(
          { method: req.method ?? '', url: req.url ?? '/', headers: req.headers },
          {
            instanceId: source.instanceId,
            options: await source.options(),
            metadata: () => (tree ??= source.metadata()),
            iam: source.iam?.bind(source),
            tokens: this.tokens,
            signatures: (document) => this.signatures(document),
            now: this.now(),
          },
        );
      }
    } catch (e) {
      this.log('error', 'imds request failed', { instanceId: source.instanceId, url: req.url, err: e instanceof Error ? e.stack : String(e) });
      reply = failure(500);
    }
    this.log('debug', 'imds request', { instanceId: source.instanceId, method: req.method, url: req.url, status: reply.status });
    if (reply.status === 200 && req.method !== 'PUT' && req.headers[TOKEN_HEADER.toLowerCase()] === undefined) source.onTokenless?.();
    send(req, res, reply);
  }

  private signatures(document: string): IdentitySignatures {
    if (this.lastSigned?.document !== document) this.lastSigned = { document, signatures: this.opts.signer.sign(document) };
    return this.lastSigned.signatures;
  }
}

function send(req: IncomingMessage, res: ServerResponse, reply: ImdsReply): void {
  if (res.headersSent || res.destroyed) return;
  if (!req.complete && res.socket) lingerAfterAnswer(res.socket, LINGER_MS);
  const body = typeof reply.body === 'string' ? Buffer.from(reply.body) : reply.body;
  res.statusCode = reply.status;
  for (const [k, v] of Object.entries(reply.headers)) res.setHeader(k, v);
  res.setHeader('Server', 'EC2ws');
  res.setHeader('Content-Length', body.length);
  // One request per connection: nothing idles between requests, a body is never read, and the
  // socat process QEMU started for the connection ends with it.
  res.setHeader('Connection', 'close');
  res.end(body);
}

const LINGER_MS = 1000;

/**
 * Closing a socket that still holds unread input resets the connection, and a guest still sending
 * its body may then lose the answer it was already sent. So, as web servers' "lingering close"
 * does: half-close, discard what still arrives for a moment, then close.
 */
function lingerAfterAnswer(socket: Socket, ms: number): void {
  socket.destroySoon = () => {
    socket.end();
    socket.resume();
    const timer = setTimeout(() => socket.destroy(), ms);
    timer.unref();
    socket.once('close', () => clearTimeout(timer));
  };
}

/** Answers a request node's parser gave up on (too large, too slow, malformed), then closes. */
function refuse(socket: Duplex, code: string | undefined): void {
  if (!socket.writable) {
    socket.destroy();
    return;
  }
  const status = code === 'HPE_HEADER_OVERFLOW' ? '431 Request Header Fields Too Large' : code === 'ERR_HTTP_REQUEST_TIMEOUT' ? '408 Request Timeout' : '400 Bad Request';
  socket.end(`HTTP/1.1 ${status}\r\nServer: EC2ws\r\nContent-Length: 0\r\nConnection: close\r\n\r\n`, () => socket.destroy());
}

function tokenBucket(burst: number, perSecond: number, now: () => number): () => boolean {
  let tokens = burst;
  let at = now();
  return () => {
    const t = now();
    tokens = Math.min(burst, tokens + ((t - at) / 1000) * perSecond);
    at = t;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}

/** A hostile guest must not flood the log either: one line per kind every 10 s, with a count. */
function throttledWarning(log: ImdsLog, instanceId: string, now: () => number): (msg: string, fields: Record<string, unknown>) => void {
  const last = new Map<string, { at: number; suppressed: number }>();
  return (msg, fields) => {
    const t = now();
    const seen = last.get(msg);
    if (seen && t - seen.at < 10_000) {
      seen.suppressed++;
      return;
    }
    last.set(msg, { at: t, suppressed: 0 });
    log('warn', msg, { instanceId, ...fields, ...(seen?.suppressed ? { suppressed: seen.suppressed } : {}) });
  };
}

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(path, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

/** A socket file left by a process that died is replaced; one something still listens on is not. */
async function removeStaleSocket(path: string): Promise<void> {
  const stat = await lstat(path).catch((e: NodeJS.ErrnoException) => {
    if (e.code === 'ENOENT') return undefined;
    throw e;
  });
  if (!stat) return;
  if (!stat.isSocket()) throw new Error(`${path} exists and is not a socket`);
  if (await listening(path)) throw new Error(`${path} is in use by a running metadata service`);
  await unlink(path);
}

function listening(path: string): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = connect(path);
    probe.once('connect', () => {
      probe.destroy();
      resolve(true);
    });
    probe.once('error', () => resolve(false));
  });
}
