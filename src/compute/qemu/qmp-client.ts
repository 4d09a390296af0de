// A QMP (QEMU Machine Protocol) client over a unix socket: JSON objects, one per line. The
// server greets, `qmp_capabilities` enters command mode, then commands are answered in order
// (`return` or `error`) while asynchronous `event`s arrive between answers.
import { connect, type Socket } from 'node:net';
import { EventEmitter } from 'node:events';

export interface QmpEvent {
  event: string;
  data?: Record<string, unknown>;
  timestamp?: { seconds: number; microseconds: number };
}

export class QmpError extends Error {
  constructor(
    readonly qmpClass: string,
    message: string,
  ) {
    super(message);
  }
}

interface Waiting {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

/** A line longer than this is not QMP: the connection is dropped rather than buffered. */
const MAX_LINE = 4 << 20;

export class QmpClient extends EventEmitter<{ event: [QmpEvent]; close: [] }> {
  private buffer = '';
  private readonly waiting: Waiting[] = [];
  private closed = false;

  private constructor(private readonly socket: Socket) {
    super();
    socket.setEncoding('utf8');
    socket.on('data', (chunk: string) => this.receive(chunk));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => {
      this.closed = true;
      for (const w of this.waiting.splice(0)) w.reject(new Error('QMP connection closed'));
      this.emit('close');
    });
  }

  /** Connects, reads the greeting and negotiates capabilities. */
  static async connect(path: string, timeoutMs = 10_000): Promise<QmpClient> {
    const socket = connect(path);
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`QMP connect to ${path} timed out`)), timeoutMs);
      socket.once('connect', () => {
        clearTimeout(timer);
        resolve();
      });
      socket.once('error', (e) => {
        clearTimeout(timer);
        reject(e);
      });
    });
    const client = new QmpClient(socket);
    // the greeting is answered like a command: the first waiter takes it
    await new Promise((resolve, reject) => client.waiting.push({ resolve, reject }));
    await client.execute('qmp_capabilities');
    return client;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Runs a command; resolves with its `return` value, rejects with QmpError. */
  execute<T = unknown>(command: string, args?: Record<string, unknown>): Promise<T> {
    if (this.closed) return Promise.reject(new Error('QMP connection closed'));
    return new Promise<T>((resolve, reject) => {
      this.waiting.push({ resolve: resolve as (v: unknown) => void, reject });
      this.socket.write(`${JSON.stringify(args ? { execute: command, arguments: args } : { execute: command })}\n`);
    });
  }

  /** An HMP command through QMP (for what QMP lacks, e.g. hostfwd_add); its text output. */
  async hmp(commandLine: string): Promise<string> {
    return this.execute<string>('human-monitor-command', { 'command-line': commandLine });
  }

  close(): void {
    this.socket.destroy();
  }

  private receive(chunk: string): void {
    this.buffer += chunk;
    if (this.buffer.length > MAX_LINE && !this.buffer.includes('\n')) {
      this.socket.destroy();
      return;
    }
    let newline: number;
    while ((newline = this.buffer.indexOf('\n')) >= 0) {
      const line = this.buffer.slice(0, newline).trim();
      this.buffer = this.buffer.slice(newline + 1);
      if (line) this.message(line);
    }
  }

  private message(line: string): void {
    let msg: Record<string, unknown>;
    try {
      msg = JSON.parse(line) as Record<string, unknown>;
    } catch {
      return;
    }
    if (typeof msg.event === 'string') {
      this.emit('event', msg as unknown as QmpEvent);
      return;
    }
    const waiter = this.waiting.shift();
    if (!waiter) return;
    if ('error' in msg) {
      const err = msg.error as { class?: string; desc?: string };
      waiter.reject(new QmpError(err.class ?? 'GenericError', err.desc ?? 'QMP error'));
    } else waiter.resolve('QMP' in msg ? msg.QMP : msg.return);
  }
}
