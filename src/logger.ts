// Structured logs: one JSON object per line on stdout.
import type { LogLevel } from './config/config.js';

const ORDER: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40, silent: 100 };

// Lines are batched and written once per event-loop turn: one write syscall for many
// requests under load, and still in order and prompt when idle.
function stdoutSink(): (line: string) => void {
  let pending = '';
  const flush = () => {
    const chunk = pending;
    pending = '';
    process.stdout.write(chunk);
  };
  process.once('exit', () => pending && process.stdout.write(pending));
  return (line) => {
    if (!pending) setImmediate(flush);
    pending += line;
  };
}

/** Text JSON.stringify writes as it is between quotes: no quote, backslash, control character or surrogate. */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

function quote(text: string): string {
  return NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`;
}

/**
 * The members of a log line after `time`, `level` and `msg`, written as JSON.stringify would write
 * them in one object with those three first (`,"k":v…`) — or undefined when that needs the general
 * path: an object that is not plain, a value that is an object, or a name that is one of those
 * three, `toJSON`, or integer-like (an object lists those first).
 */
function members(fields: Record<string, unknown>): string | undefined {
  if (Object.getPrototypeOf(fields) !== Object.prototype) return undefined;
  let out = '';
  for (const k in fields) {
    if (k === 'time' || k === 'level' || k === 'msg' || k === 'toJSON') return undefined;
    const c = k.charCodeAt(0);
    if (c >= 48 && c <= 57) return undefined;
    const v = fields[k];
    let text: string;
    if (typeof v === 'string') text = quote(v);
    else if (typeof v === 'number') text = Number.isFinite(v) ? String(v) : 'null';
    else if (typeof v === 'boolean') text = v ? 'true' : 'false';
    else if (v === null) text = 'null';
    else if (v === undefined || typeof v === 'function' || typeof v === 'symbol') continue; // JSON leaves these out
    else return undefined;
    out += `,${quote(k)}:${text}`;
  }
  return out;
}

/** The ISO time of the last line, kept for the lines of the same millisecond. */
let lastMs = NaN;
let lastIso = '';

function isoNow(): string {
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastIso = new Date(ms).toISOString();
  }
  return lastIso;
}

export class Logger {
  private readonly write: (line: string) => void;

  constructor(
    private readonly level: LogLevel = 'info',
    write?: (line: string) => void,
  ) {
    this.write = write ?? stdoutSink();
  }

  enabled(level: LogLevel): boolean {
    return ORDER[level] >= ORDER[this.level];
  }

  log(level: Exclude<LogLevel, 'silent'>, msg: string, fields: Record<string, unknown> = {}): void {
    if (!this.enabled(level)) return;
    const time = isoNow();
    const rest = members(fields);
    // the same text as the general form below, without a copy of the fields nor a generic walk
    if (rest !== undefined) {
      this.write(`{"time":"${time}","level":"${level}","msg":${quote(msg)}${rest}}\n`);
      return;
    }
    this.write(`${JSON.stringify({ time, level, msg, ...fields })}\n`);
  }

  debug(msg: string, fields?: Record<string, unknown>): void {
    this.log('debug', msg, fields);
  }
  info(msg: string, fields?: Record<string, unknown>): void {
    this.log('info', msg, fields);
  }
  warn(msg: string, fields?: Record<string, unknown>): void {
    this.log('warn', msg, fields);
  }
  error(msg: string, fields?: Record<string, unknown>): void {
    this.log('error', msg, fields);
  }
}
