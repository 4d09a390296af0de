// Exact-length reads from a socket: `read(n)` resolves with exactly n bytes (or rejects when the
// peer is gone first). Buffers at most `highWater` bytes beyond what a pending read needs, then
// pauses the socket, so a client sending faster than we process is throttled by TCP.
import type { Socket } from 'node:net';

/** The peer closed (or the socket failed) before the bytes a read waited for arrived. */
export class PeerClosedError extends Error {}

export class ByteReader {
  private chunks: Buffer[] = [];
  private buffered = 0;
  private waiting: { n: number; resolve: (b: Buffer) => void; reject: (e: Error) => void } | undefined;
  private closed: Error | undefined;

  constructor(
    private readonly socket: Socket,
    private readonly highWater = 4 << 20,
  ) {
    socket.on('data', (chunk: Buffer) => {
      this.chunks.push(chunk);
      this.buffered += chunk.length;
      this.settle();
    });
    const close = (why: string) => {
      this.closed ??= new PeerClosedError(why);
      this.settle();
    };
    socket.on('end', () => close('the peer closed the connection'));
    socket.on('close', () => close('the connection closed'));
    socket.on('error', (e) => close(`socket error: ${e.message}`));
  }

  /** Bytes received and not yet read. */
  get pending(): number {
    return this.buffered;
  }

  read(n: number): Promise<Buffer> {
    if (this.waiting) return Promise.reject(new Error('ByteReader: one read at a time'));
    if (this.buffered >= n) {
      const out = this.take(n);
      this.flow();
      return Promise.resolve(out);
    }
    if (this.closed) return Promise.reject(this.closed);
    return new Promise((resolve, reject) => {
      this.waiting = { n, resolve, reject };
      this.flow();
    });
  }

  /** Reads and discards n bytes without holding more than a piece of them. */
  async skip(n: number): Promise<void> {
    let left = n;
    while (left > 0) {
      const piece = Math.min(left, Math.max(1, Math.min(this.buffered, 1 << 20)));
      await this.read(piece);
      left -= piece;
    }
  }

  private settle(): void {
    const w = this.waiting;
    if (w && this.buffered >= w.n) {
      this.waiting = undefined;
      w.resolve(this.take(w.n));
    } else if (w && this.closed) {
      this.waiting = undefined;
      w.reject(this.closed);
    }
    this.flow();
  }

  /** Pause while more than we need is buffered; resume when a read needs more. */
  private flow(): void {
    if (this.closed) return;
    const need = Math.max(this.highWater, this.waiting?.n ?? 0);
    if (this.buffered >= need) this.socket.pause();
    else if (this.socket.isPaused()) this.socket.resume();
  }

  private take(n: number): Buffer {
    this.buffered -= n;
    const first = this.chunks[0];
    if (first && first.length >= n) {
      if (first.length === n) this.chunks.shift();
      else this.chunks[0] = first.subarray(n);
      return first.subarray(0, n);
    }
    const out = Buffer.allocUnsafe(n);
    let done = 0;
    while (done < n) {
      const c = this.chunks[0];
      const k = Math.min(c.length, n - done);
      c.copy(out, done, 0, k);
      done += k;
      if (k === c.length) this.chunks.shift();
      else this.chunks[0] = c.subarray(k);
    }
    return out;
  }
}
