// How often the reconciler looks at a group, derived from --settle-ms (how long EC2's own
// pending -> ready transitions take): busy groups (instances pending or terminating, a refresh
// running) are looked at about twice per transition, steady ones for health checks about every
// ten, and failed launches are retried with exponential back-off.
export interface ReconcileTiming {
  busyMs: number;
  idleMs: number;
  retryBaseMs: number;
  retryMaxMs: number;
}

const clamp = (v: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, v));

export function timingFor(settleMs: number): ReconcileTiming {
  const retryBaseMs = clamp(settleMs * 4, 100, 10_000);
  return {
    busyMs: clamp(Math.round(settleMs / 2), 20, 1000),
    idleMs: clamp(settleMs * 10, 200, 10_000),
    retryBaseMs,
    retryMaxMs: retryBaseMs * 16,
  };
}

export function retryDelay(t: ReconcileTiming, failures: number): number {
  return Math.min(t.retryMaxMs, t.retryBaseMs * 2 ** Math.max(0, failures - 1));
}
