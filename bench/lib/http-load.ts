// A minimal closed-loop HTTP/1.1 load generator on raw sockets: N keep-alive connections, each
// sending one fixed request, waiting for the full response, and sending the next. Raw sockets
// keep the client's own cost low, so the figures are the server's (the same client measures
// every peer in the same run, so ratios are fair either way).
import { connect, type Socket } from 'node:net';
import { performance } from 'node:perf_hooks';

export interface LoadResult {
  connections: number;
  requests: number;
  errors: number;
  seconds: number;
  rps: number;
  p50ms: number;
  p99ms: number;
  statuses: Record<number, number>;
}

function percentile(sorted: Float64Array, p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** Runs one connection's loop until `deadline`; pushes latencies (ms). */
function connectionLoop(port: number, request: Buffer, deadline: number, latencies: number[], statuses: Record<number, number>, measureFrom: number): Promise<number> {
  return new Promise((resolve) => {
    let errors = 0;
    let buf: Buffer = Buffer.alloc(0);
    let sentAt = 0;
    let socket: Socket;
    const send = () => {
      if (performance.now() >= deadline) {
        socket.end();
        resolve(errors);
        return;
      }
      sentAt = performance.now();
      socket.write(request);
    };
    const open = () => {
      const reopenedAt = performance.now();
      socket = connect(port, '127.0.0.1', () => {
        send();
        if (sentAt >= reopenedAt) sentAt = reopenedAt;
      });
      socket.setNoDelay(true);
      socket.on('data', (chunk: Buffer) => {
        buf = buf.length ? Buffer.concat([buf, chunk]) : chunk;
        for (;;) {
          const headerEnd = buf.indexOf('\r\n\r\n');
          if (headerEnd < 0) return;
          const head = buf.subarray(0, headerEnd).toString('latin1');
          const m = /content-length:\s*(\d+)/i.exec(head);
          const total = headerEnd + 4 + (m ? Number(m[1]) : 0);
          if (buf.length < total) return;
          const status = Number(head.slice(9, 12));
          const closing = /\r\nconnection:\s*close/i.test(head);
          buf = buf.subarray(total);
          const now = performance.now();
          if (sentAt >= measureFrom) {
            latencies.push(now - sentAt);
            statuses[status] = (statuses[status] ?? 0) + 1;
          }
          if (status >= 400) errors++;
          if (closing) {
            // the peer closes after each response (moto's Werkzeug): reconnect, counting the cost
            socket.removeAllListeners();
            socket.destroy();
            buf = Buffer.alloc(0);
            if (performance.now() >= deadline) resolve(errors);
            else open();
            return;
          }
          send();
        }
      });
      socket.on('error', () => {
        errors++;
        if (performance.now() < deadline) setTimeout(open, 10);
        else resolve(errors);
      });
    };
    open();
  });
}

export async function runLoad(port: number, request: Buffer, connections: number, seconds: number, warmupSeconds = 1): Promise<LoadResult> {
  const start = performance.now();
  const measureFrom = start + warmupSeconds * 1000;
  const deadline = measureFrom + seconds * 1000;
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  const errors = (await Promise.all(Array.from({ length: connections }, () => connectionLoop(port, request, deadline, latencies, statuses, measureFrom)))).reduce((a, b) => a + b, 0);
  const sorted = Float64Array.from(latencies).sort();
  const elapsed = (Math.max(performance.now(), deadline) - measureFrom) / 1000;
  return {
    connections,
    requests: latencies.length,
    errors,
    seconds: elapsed,
    rps: latencies.length / elapsed,
    p50ms: percentile(sorted, 50),
    p99ms: percentile(sorted, 99),
    statuses,
  };
}

/** Sends one raw request and returns the response body (for building fixtures). */
export function exchange(port: number, request: Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(request));
    let buf: Buffer = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      buf = Buffer.concat([buf, chunk]);
      const headerEnd = buf.indexOf('\r\n\r\n');
      if (headerEnd < 0) return;
      const m = /content-length:\s*(\d+)/i.exec(buf.subarray(0, headerEnd).toString('latin1'));
      const total = headerEnd + 4 + (m ? Number(m[1]) : 0);
      if (buf.length < total) return;
      socket.end();
      resolve(buf.subarray(headerEnd + 4, total).toString('utf8'));
    });
    socket.on('error', reject);
  });
}
