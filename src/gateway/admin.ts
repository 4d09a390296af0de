// Operator and test-suite endpoints under /_imago/ (and moto's reset path, so suites written
// for moto run unchanged).
//   GET  /_imago/health                 readiness (open)
//   GET  /_imago/metrics                Prometheus metrics (open: no account's data; src/metrics/)
//   POST /_imago/reset, /moto-api/reset wipe all state (dev mode only)
//   POST /_imago/gc?dryRun=&graceSeconds=   garbage collection (admin)
//   POST /_imago/fsck?verifyData=       consistency check (admin)
//   POST /_imago/cluster/call           a peer node's call (src/cluster/cluster-calls.ts: its own HMAC)
//   other operator endpoints registered by services through `routes` (admin)
// Admin endpoints are open in dev mode (loopback only); with a credentials file they need a
// SigV4-signed request from a profile marked `imago_admin = true`.
import type { IncomingHttpHeaders } from 'node:http';
import type { RawResponse } from '../protocol/protocol.js';

/** An operator endpoint a service registers (e.g. /_imago/organizations); answers JSON. */
export interface AdminRoute {
  path: string;
  handle(req: { method: string; query: URLSearchParams; body: Buffer }): Promise<{ status: number; body: unknown }>;
}

export interface AdminDeps {
  devMode: boolean;
  routes?: AdminRoute[];
  reset: () => Promise<void>;
  gc: (options: { dryRun: boolean; graceMs?: number }) => Promise<unknown>;
  fsck: (options: { verifyData: boolean }) => Promise<unknown>;
  /** the Prometheus exposition (src/metrics/operator-metrics.ts) */
  metrics?: { contentType: string; scrape(): Promise<string> };
  /** calls from peer nodes (authenticated by the cluster, not by admin credentials) */
  cluster?: (headers: IncomingHttpHeaders, body: Buffer) => Promise<{ status: number; body: unknown }>;
}

export interface AdminRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  body?: Buffer;
  /** whether the caller proved it is an admin (always true in dev mode) */
  admin: boolean;
  /** why it is not, for the 403 */
  authError?: string;
  headers?: IncomingHttpHeaders;
}

function json(status: number, body: unknown): RawResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

const FIXED_PATHS = ['/_imago/health', '/_imago/metrics', '/_imago/reset', '/moto-api/reset', '/_imago/gc', '/_imago/fsck', '/_imago/cluster/call'];

/** Every admin endpoint's path (bounded: the metrics' action label of service "admin"). */
export function adminPaths(deps: Pick<AdminDeps, 'routes'>): string[] {
  return [...FIXED_PATHS, ...(deps.routes ?? []).map((r) => r.path)];
}

export function isAdminPath(path: string): boolean {
  return path.startsWith('/_imago/') || path.startsWith('/moto-api/');
}

export async function handleAdmin(req: AdminRequest, deps: AdminDeps): Promise<RawResponse> {
  const { method, path, query } = req;
  if (path === '/_imago/health' && method === 'GET') return json(200, { status: 'ok' });
  if (path === '/_imago/metrics' && method === 'GET' && deps.metrics) {
    return { status: 200, headers: { 'content-type': deps.metrics.contentType }, body: await deps.metrics.scrape() };
  }
  if ((path === '/_imago/reset' || path === '/moto-api/reset') && method === 'POST') {
    if (!deps.devMode) return json(403, { error: 'reset is disabled when a credentials file is set' });
    await deps.reset();
    return json(200, { status: 'ok' });
  }
  const operator = async (run: () => Promise<unknown>) => (req.admin ? json(200, await run()) : json(403, { error: req.authError ?? 'admin credentials required' }));
  if (path === '/_imago/gc' && method === 'POST') {
    const grace = query.get('graceSeconds');
    if (grace !== null && !/^\d+$/.test(grace)) return json(400, { error: 'graceSeconds must be a whole number' });
    return operator(() => deps.gc({ dryRun: query.get('dryRun') === 'true', graceMs: grace === null ? undefined : Number(grace) * 1000 }));
  }
  if (path === '/_imago/fsck' && method === 'POST') return operator(() => deps.fsck({ verifyData: query.get('verifyData') !== 'false' }));
  if (path === '/_imago/cluster/call' && method === 'POST' && deps.cluster) {
    const out = await deps.cluster(req.headers ?? {}, req.body ?? Buffer.alloc(0));
    return json(out.status, out.body);
  }
  const route = deps.routes?.find((r) => r.path === path);
  if (route) {
    if (!req.admin) return json(403, { error: req.authError ?? 'admin credentials required' });
    const out = await route.handle({ method, query, body: req.body ?? Buffer.alloc(0) });
    return json(out.status, out.body);
  }
  return json(404, { error: `no admin endpoint ${method} ${path}` });
}
