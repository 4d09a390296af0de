// Timing AWS SDK calls two ways at once: the whole call (signing, sending, parsing) and the wire
// (request sent to the whole response body read: the server's time plus loopback — what the
// SDK's own XML parsing, the same for every server, does not blur). Plus percentiles and a
// closed-loop driver that keeps N calls in flight.
import type { $Command, EC2Client, EC2ClientResolvedConfig, ServiceInputTypes, ServiceOutputTypes } from '@aws-sdk/client-ec2';
import { fmt } from './report.js';

export interface Timed<O> {
  output: O;
  /** the whole SDK call, ms */
  ms: number;
  /** request sent -> response body read, ms */
  wireMs: number;
}

/**
 * Sends `command` through `client`, timing it. A middleware at the end of the deserialize step
 * (next to the transport) reads the response body before the SDK parses it.
 */
export async function timedSend<I extends ServiceInputTypes, O extends ServiceOutputTypes>(
  client: EC2Client,
  command: $Command<I, O, EC2ClientResolvedConfig, ServiceInputTypes, ServiceOutputTypes>,
): Promise<Timed<O>> {
  let wireMs = NaN;
  command.middlewareStack.add(
    (next) => async (args) => {
      const t = performance.now();
      const result = await next(args);
      const response = result.response as { body?: AsyncIterable<Uint8Array> | Uint8Array };
      if (response.body && Symbol.asyncIterator in response.body) {
        const chunks: Uint8Array[] = [];
        for await (const c of response.body) chunks.push(c);
        response.body = Buffer.concat(chunks);
      }
      wireMs = performance.now() - t;
      return result;
    },
    { step: 'deserialize', priority: 'low', name: 'benchWireTime' },
  );
  const t = performance.now();
  const output = await client.send(command);
  return { output, ms: performance.now() - t, wireMs };
}

/** The p-th percentile (nearest rank) of `xs`. */
export function percentile(xs: number[], p: number): number {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
}

export function mean(xs: number[]): number {
  return xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : NaN;
}

/** `p50 / p99 / mean` of latencies in ms, for a table cell. */
export function spread(xs: number[]): string {
  return `${fmt(percentile(xs, 50))} / ${fmt(percentile(xs, 99))} / ${fmt(mean(xs))}`;
}

/** Runs `op(0..n-1)` with `concurrency` in flight; the wall time in ms. */
export async function drive(n: number, concurrency: number, op: (i: number) => Promise<unknown>): Promise<number> {
  let next = 0;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Math.min(n, concurrency) }, async () => {
      for (let i = next++; i < n; i = next++) await op(i);
    }),
  );
  return performance.now() - started;
}
