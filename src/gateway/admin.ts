// Operator and test-suite endpoints under /_imago/ (and moto's reset path, so suites written
// for moto run unchanged). Reset exists only in dev mode.
import type { IncomingMessage } from 'node:http';
import type { RawResponse } from '../protocol/protocol.js';

export interface AdminDeps {
  devMode: boolean;
  reset: () => Promise<void>;
}

function json(status: number, body: unknown): RawResponse {
  return { status, headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) };
}

export function isAdminPath(path: string): boolean {
  return path.startsWith('/_imago/') || path.startsWith('/moto-api/');
}

export async function handleAdmin(req: IncomingMessage, path: string, deps: AdminDeps): Promise<RawResponse> {
  if (path === '/_imago/health' && req.method === 'GET') return json(200, { status: 'ok' });
  if ((path === '/_imago/reset' || path === '/moto-api/reset') && req.method === 'POST') {
    if (!deps.devMode) return json(403, { error: 'reset is disabled when a credentials file is set' });
    await deps.reset();
    return json(200, { status: 'ok' });
  }
  return json(404, { error: `no admin endpoint ${req.method} ${path}` });
}
