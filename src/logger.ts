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
    this.write(`${JSON.stringify({ time: new Date().toISOString(), level, msg, ...fields })}\n`);
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
