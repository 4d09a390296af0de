// Kept-alive HTTP/1.1 connections for the block transfers of `imago import` / `export`
// (ebs-client.ts): a request's head and its body go out in one write of the caller's buffers,
// and the answer is parsed here (status line, headers, a Content-Length or chunked body).
//
// Why not node:http: for each 512 KiB block its ClientRequest, Agent, OutgoingMessage and
// IncomingMessage streams cost the importer ~0.2-0.4 ms of JavaScript (a run of a few hundred
// blocks never leaves V8's baseline tier), a third of its CPU per block besides the checksum,
// on the machine it shares with the server (docs/architecture.md, "Block path").
//
// One request at a time per connection; as many connections as requests in flight, idle ones
// kept for the next. An idempotent request (not POST) whose kept-alive connection was closed by
// the server before any byte of the answer came (its idle timeout) is sent again once on a new
// connection, which is what an HTTP client may do with an idempotent request (RFC 9110, 9.2.2).
import { connect as netConnect, type Socket } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface HttpAnswer {
  status: number;
  /** lower-case names; repeated headers joined with ", " */
  headers: Record<string, string>;
  body: Buffer;
}

/** Largest status line and headers accepted (the server's own limit is smaller). */
const MAX_HEAD = 64 * 1024;
const CRLF2 = Buffer.from('\r\n\r\n');

export class HttpConnections {
  readonly #host: string;
  readonly #port: number;
  readonly #secure: boolean;
  readonly #idle: Connection[] = [];
  #closed = false;

  constructor(endpoint: string) {
    const url = new URL(endpoint);
    this.#secure = url.protocol === 'https:';
    this.#host = url.hostname.replace(/^\[(.*)\]$/, '$1'); // an IPv6 literal without its brackets
    this.#port = Number(url.port || (this.#secure ? 443 : 80));
  }

  async request(method: string, target: string, headers: Record<string, string>, body?: Buffer): Promise<HttpAnswer> {
    let reused = this.#idle.pop();
    while (reused?.dead) reused = this.#idle.pop(); // closed between its answer and its parking
    const conn = reused ?? this.#open();
    try {
      const answer = await conn.exchange(method, target, headers, body);
      if (answer.keepAlive && !this.#closed) this.#park(conn);
      else conn.destroy();
      return answer.answer;
    } catch (e) {
      conn.destroy();
      if (reused && method !== 'POST' && e instanceof ClosedBeforeAnswer) return this.request(method, target, headers, body);
      throw e;
    }
  }

  /** Closes the idle connections; connections in use close once their answer came. */
  close(): void {
    this.#closed = true;
    for (const conn of this.#idle.splice(0)) conn.destroy();
  }

  #open(): Connection {
    const socket = this.#secure
      ? tlsConnect({ host: this.#host, port: this.#port, servername: isIp(this.#host) ? undefined : this.#host, ALPNProtocols: ['http/1.1'] })
      : netConnect({ host: this.#host, port: this.#port });
    socket.setNoDelay(true);
    return new Connection(socket);
  }

  #park(conn: Connection): void {
    if (conn.dead) return;
    this.#idle.push(conn);
    conn.onIdleClose(() => {
      const at = this.#idle.indexOf(conn);
      if (at >= 0) this.#idle.splice(at, 1);
    });
  }
}

/** The connection ended (or failed) before any byte of the answer arrived. */
class ClosedBeforeAnswer extends Error {}

interface Pending {
  resolve(a: { answer: HttpAnswer; keepAlive: boolean }): void;
  reject(e: Error): void;
  method: string;
}

class Connection {
  #pending: Pending | undefined;
  #onIdleClose: (() => void) | undefined;
  /** bytes of the answer received so far, not yet parsed */
  #buffered: Buffer[] = [];
  #bufferedLength = 0;
  #head: { status: number; headers: Record<string, string>; keepAlive: boolean } | undefined;
  #body: BodyReader | undefined;
  #gotAny = false;
  #dead = false;

  constructor(private readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.#data(chunk));
    socket.on('error', (e) => this.#end(e));
    socket.on('close', () => this.#end(new Error('the server closed the connection before its answer was complete')));
    socket.on('end', () => this.#ended());
  }

  exchange(method: string, target: string, headers: Record<string, string>, body: Buffer | undefined): Promise<{ answer: HttpAnswer; keepAlive: boolean }> {
    if (this.#dead) return Promise.reject(new ClosedBeforeAnswer('the connection is closed'));
    this.#onIdleClose = undefined;
    let head = `${method} ${target} HTTP/1.1\r\n`;
    for (const name in headers) head += `${name}: ${headers[name]}\r\n`;
    head += '\r\n';
    return new Promise((resolve, reject) => {
      this.#pending = { resolve, reject, method };
      this.#gotAny = false;
      this.#head = undefined;
      this.#body = undefined;
      this.socket.cork();
      this.socket.write(head, 'latin1');
      if (body?.length) this.socket.write(body); // the caller's buffer, not a copy
      this.socket.uncork();
    });
  }

  get dead(): boolean {
    return this.#dead;
  }

  onIdleClose(f: () => void): void {
    this.#onIdleClose = f;
  }

  destroy(): void {
    this.#dead = true;
    this.socket.destroy();
  }

  #data(chunk: Buffer): void {
    if (!this.#pending) {
      this.#end(new Error('the server sent bytes nobody asked for'));
      return;
    }
    this.#gotAny = true;
    try {
      if (!this.#head) {
        this.#buffered.push(chunk);
        this.#bufferedLength += chunk.length;
        const all = this.#buffered.length === 1 ? this.#buffered[0] : Buffer.concat(this.#buffered, this.#bufferedLength);
        const end = all.indexOf(CRLF2);
        if (end < 0) {
          if (all.length > MAX_HEAD) throw new Error('the answer\'s headers are too large');
          this.#buffered = [all];
          return;
        }
        this.#buffered = [];
        this.#bufferedLength = 0;
        this.#head = parseHead(all.toString('latin1', 0, end));
        this.#body = bodyReader(this.#pending.method, this.#head.status, this.#head.headers);
        chunk = all.subarray(end + 4);
      }
      const done = this.#body!.push(chunk);
      if (done) this.#finish(done.body, done.rest);
    } catch (e) {
      this.#end(e as Error);
    }
  }

  #finish(body: Buffer, rest: number): void {
    const pending = this.#pending!;
    const head = this.#head!;
    this.#pending = undefined;
    // bytes past the answer mean the framing was not understood: the connection is not reused
    pending.resolve({ answer: { status: head.status, headers: head.headers, body }, keepAlive: head.keepAlive && rest === 0 && !this.#dead });
  }

  /** The server finished sending: an answer read to the end of the connection is complete now. */
  #ended(): void {
    if (this.#pending && this.#body?.untilClose) {
      this.#dead = true;
      this.#finish(this.#body.untilClose(), 0);
    }
    this.#end(new Error('the server closed the connection before its answer was complete'));
  }

  #end(e: Error): void {
    this.#dead = true;
    const pending = this.#pending;
    this.#pending = undefined;
    if (pending) pending.reject(this.#gotAny ? e : Object.assign(new ClosedBeforeAnswer(e.message), { cause: e }));
    else this.#onIdleClose?.();
    this.socket.destroy();
  }
}

function parseHead(text: string): { status: number; headers: Record<string, string>; keepAlive: boolean } {
  const lines = text.split('\r\n');
  const m = /^HTTP\/1\.([01]) (\d{3})(?: .*)?$/.exec(lines[0]);
  if (!m) throw new Error(`not an HTTP/1.x answer: ${JSON.stringify(lines[0].slice(0, 80))}`);
  const headers: Record<string, string> = {};
  for (let i = 1; i < lines.length; i++) {
    const colon = lines[i].indexOf(':');
    if (colon <= 0) throw new Error(`malformed header line in the answer: ${JSON.stringify(lines[i].slice(0, 80))}`);
    const name = lines[i].slice(0, colon).trim().toLowerCase();
    const value = lines[i].slice(colon + 1).trim();
    headers[name] = name in headers ? `${headers[name]}, ${value}` : value;
  }
  const connection = (headers.connection ?? '').toLowerCase();
  const keepAlive = m[1] === '1' ? !/\bclose\b/.test(connection) : /\bkeep-alive\b/.test(connection);
  return { status: Number(m[2]), headers, keepAlive };
}

interface BodyReader {
  /** more bytes; the body and how many bytes came past it once it is complete */
  push(chunk: Buffer): { body: Buffer; rest: number } | undefined;
  /** set when the body runs to the end of the connection: what came */
  untilClose?: () => Buffer;
}

function bodyReader(method: string, status: number, headers: Record<string, string>): BodyReader {
  if (method === 'HEAD' || status === 204 || status === 304 || (status >= 100 && status < 200)) return fixedBody(0);
  const te = headers['transfer-encoding'];
  if (te !== undefined) {
    if (!/(^|,)\s*chunked\s*$/i.test(te)) throw new Error(`unsupported Transfer-Encoding in the answer: ${te}`);
    return chunkedBody();
  }
  const cl = headers['content-length'];
  if (cl !== undefined) {
    if (!/^\d+$/.test(cl)) throw new Error(`malformed Content-Length in the answer: ${cl}`);
    return fixedBody(Number(cl));
  }
  const chunks: Buffer[] = [];
  return {
    push: (c) => void chunks.push(c),
    untilClose: () => Buffer.concat(chunks),
  };
}

function fixedBody(length: number): BodyReader {
  const chunks: Buffer[] = [];
  let have = 0;
  return {
    push(c) {
      const need = length - have;
      if (need > 0 && c.length > 0) chunks.push(need >= c.length ? c : c.subarray(0, need));
      have += Math.min(need, c.length);
      if (have < length) return undefined;
      return { body: chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, length), rest: Math.max(0, c.length - need) };
    },
  };
}

/** Transfer-Encoding: chunked — size lines, data, a last chunk of size 0, trailers ignored. */
function chunkedBody(): BodyReader {
  const out: Buffer[] = [];
  let pending: Buffer = Buffer.alloc(0);
  /** bytes of data left in the current chunk (then its CRLF), or -1 between chunks */
  let left = -1;
  let trailers = false;
  return {
    push(c) {
      pending = pending.length ? Buffer.concat([pending, c]) : c;
      for (;;) {
        if (trailers) {
          const end = pending.indexOf('\r\n');
          if (end < 0) return undefined;
          if (end === 0) return { body: Buffer.concat(out), rest: pending.length - 2 };
          pending = pending.subarray(end + 2);
          continue;
        }
        if (left < 0) {
          const end = pending.indexOf('\r\n');
          if (end < 0) {
            if (pending.length > 1024) throw new Error('malformed chunk size in the answer');
            return undefined;
          }
          const size = parseInt(pending.toString('latin1', 0, end).split(';')[0].trim(), 16);
          if (!Number.isFinite(size) || size < 0) throw new Error('malformed chunk size in the answer');
          pending = pending.subarray(end + 2);
          if (size === 0) trailers = true;
          else left = size;
          continue;
        }
        if (pending.length < left + 2) return undefined;
        out.push(pending.subarray(0, left));
        pending = pending.subarray(left + 2);
        left = -1;
      }
    },
  };
}

function isIp(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
