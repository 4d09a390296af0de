// An instance's serial console output, as GetConsoleOutput returns it: the most recent 64 KB,
// kept across stops, starts and server restarts (kill -9 too: it is a file in the instance's
// state directory).
//
// QEMU writes the serial port to this file itself (`-chardev file,…,append=on`: O_APPEND).
// A regular file never refuses a write, so no byte waits in QEMU's one-byte transmit register
// for a reader: through a pipe, a lagging event loop filled it, QEMU held the byte and retried
// (MAX_XMIT_RETRY), while the guest's console driver, tired of polling THRE, wrote the next
// bytes over it — letters went missing. Imago adds its own `[imago] …` lines with O_APPEND
// too, so they land whole between QEMU's writes, and follows the file by polling its size.
//
// Bounded: while no VM writes to the file (before QEMU opens it, after it ended) compact()
// rewrites it to its last 64 KB once it passed 1 MB. While a VM runs, rewriting would race
// QEMU's appends, so the follower instead punches a hole (fallocate, disk blocks freed, offsets
// unchanged) over all but the last 64 KB each time another 1 MB arrived: the disk used stays
// about 1 MB however long the guest prints, QEMU's appends and our tail reads never touch the
// punched range, and the apparent size shrinks at the next compact(). Where punching is not
// available (no fallocate, a file system without it) a running VM's file grows until it stops.
import { execFile } from 'node:child_process';
import { appendFileSync, closeSync, fstatSync, openSync, readSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { which } from './qemu-probe.js';

/** What GetConsoleOutput returns at most (EC2: "the most recent 64 KB"). */
export const CONSOLE_BYTES = 64 * 1024;
const LIMIT = 1024 * 1024;
const BLOCK = 4096;
const fallocate = which('fallocate');

export class ConsoleLog {
  constructor(readonly path: string) {}

  /** Appends Imago's own line (a `[imago] …` marker), whole, after whatever QEMU wrote. */
  mark(line: string): void {
    try {
      appendFileSync(this.path, `\r\n[imago] ${line}\r\n`, { mode: 0o600 });
    } catch {
      // a full disk must not stop the VM
    }
  }

  /** The most recent output, raw bytes (at most 64 KB), the VM running or not. */
  text(): Buffer {
    return readConsoleLog(this.path);
  }

  /** Cuts the file back to its last 64 KB once it passed 1 MB: only while no VM writes to it. */
  compact(): void {
    try {
      if (statSync(this.path).size <= LIMIT) return;
      const tmp = `${this.path}.tmp`;
      writeFileSync(tmp, this.text(), { mode: 0o600 });
      renameSync(tmp, this.path);
    } catch {
      // no file yet, or a full disk: the next compact() tries again
    }
  }

  /**
   * Calls `onOutput` with what is appended from now on, checking every `intervalMs`, and keeps
   * a running VM's file bounded (above); the returned function stops following.
   */
  follow(onOutput: (bytes: Buffer) => void, intervalMs = 250): () => void {
    let fd: number | undefined;
    let offset = size(this.path);
    let punched = offset;
    const tick = () => {
      try {
        fd ??= openSync(this.path, 'r');
        const end = fstatSync(fd).size;
        if (end < offset) offset = 0; // cut back under us: read it afresh
        // a burst larger than the window is read from the window's start: the tail is what counts
        offset = Math.max(offset, end - LIMIT);
        if (end > offset) {
          const bytes = Buffer.alloc(end - offset);
          const n = readSync(fd, bytes, 0, bytes.length, offset);
          offset += n;
          if (n > 0) onOutput(bytes.subarray(0, n));
        }
        if (end - punched > LIMIT) punched = this.punch(end);
      } catch {
        // the file is not there yet, or unreadable for now: try again at the next tick
      }
    };
    const timer = setInterval(tick, intervalMs);
    timer.unref();
    return () => {
      clearInterval(timer);
      tick();
      if (fd !== undefined) closeSync(fd);
      fd = undefined;
    };
  }

  /** Frees the disk blocks before the last 64 KB (whole blocks); where the next punch counts from. */
  private punch(end: number): number {
    const length = Math.floor((end - CONSOLE_BYTES) / BLOCK) * BLOCK;
    if (fallocate && length > 0) execFile(fallocate, ['--punch-hole', '--offset', '0', '--length', String(length), this.path], () => undefined);
    return end;
  }
}

/** The most recent output of a console log (at most 64 KB), read from its end. */
export function readConsoleLog(path: string): Buffer {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const end = fstatSync(fd).size;
    const bytes = Buffer.alloc(Math.min(end, CONSOLE_BYTES));
    const n = readSync(fd, bytes, 0, bytes.length, end - bytes.length);
    return bytes.subarray(0, n);
  } catch {
    return Buffer.alloc(0);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

function size(path: string): number {
  try {
    return statSync(path).size;
  } catch {
    return 0;
  }
}
