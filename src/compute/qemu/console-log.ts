// An instance's serial console output, as GetConsoleOutput returns it: the most recent 64 KB,
// kept across stops, starts and server restarts. The log file is appended to as output arrives
// and cut back to its last KEEP bytes once it passes LIMIT, so a guest that prints forever
// costs a bounded amount of disk; memory holds only the tail.
import { closeSync, existsSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from 'node:fs';

/** What GetConsoleOutput returns at most (EC2: "the most recent 64 KB"). */
export const CONSOLE_BYTES = 64 * 1024;
const LIMIT = 1024 * 1024;

export class ConsoleLog {
  private fd: number | undefined;
  private size: number;
  private tail: Buffer;

  constructor(private readonly path: string) {
    this.tail = existsSync(path) ? lastBytes(readFileSync(path), CONSOLE_BYTES) : Buffer.alloc(0);
    this.size = this.tail.length;
    if (existsSync(path)) writeFileSync(path, this.tail);
  }

  append(chunk: Buffer): void {
    this.tail = lastBytes(this.tail.length ? Buffer.concat([this.tail, chunk]) : chunk, CONSOLE_BYTES);
    try {
      this.fd ??= openSync(this.path, 'a', 0o600);
      writeSync(this.fd, chunk);
      this.size += chunk.length;
      if (this.size > LIMIT) this.compact();
    } catch {
      // a full disk must not stop the VM: the tail in memory still answers
    }
  }

  /** The most recent output, raw bytes (at most 64 KB). */
  text(): Buffer {
    return this.tail;
  }

  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  private compact(): void {
    this.close();
    const tmp = `${this.path}.tmp`;
    writeFileSync(tmp, this.tail, { mode: 0o600 });
    renameSync(tmp, this.path);
    this.size = this.tail.length;
  }
}

/** The most recent output of a log no VM writes to now (a stopped instance's). */
export function readConsoleLog(path: string): Buffer {
  try {
    return lastBytes(readFileSync(path), CONSOLE_BYTES);
  } catch {
    return Buffer.alloc(0);
  }
}

function lastBytes(b: Buffer, n: number): Buffer {
  return b.length > n ? Buffer.from(b.subarray(b.length - n)) : b;
}
