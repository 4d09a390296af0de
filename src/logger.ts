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

/**
 * Fields that JSON.stringify writes exactly as it would after `time`, `level` and `msg` in one
 * object: a plain object, no `toJSON`, none of those three names, no integer-like names (which
 * an object lists first).
 */
function plain(fields: Record<string, unknown>): boolean {
  if (Object.getPrototypeOf(fields) !== Object.prototype) return false;
  for (const k in fields) {
    if (k === 'time' || k === 'level' || k === 'msg' || k === 'toJSON') return false;
    const c = k.charCodeAt(0);
    if (c >= 48 && c <= 57) return false;
  }
  return true;
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
    const time = new Date().toISOString();
    if (plain(fields)) {
      // the same text as the general form below, without copying the fields into a new object
      const rest = JSON.stringify(fields);
      this.write(`{"time":"${time}","level":"${level}","msg":${JSON.stringify(msg)}${rest.length > 2 ? `,${rest.slice(1)}` : '}'}\n`);
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
