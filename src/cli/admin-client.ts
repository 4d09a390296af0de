// Talks to a running server's operator endpoints (/_imago/*), signing with the caller's AWS
// credentials when it has some (needed when the server verifies signatures).
import { signedFetch } from './signed-fetch.js';

export interface AdminTarget {
  endpoint: string;
  accessKeyId?: string;
  secretAccessKey?: string;
}

export async function callAdmin(target: AdminTarget, method: string, path: string, query: Record<string, string | undefined> = {}, json?: unknown): Promise<unknown> {
  const url = new URL(path, target.endpoint);
  for (const [k, v] of Object.entries(query)) if (v !== undefined) url.searchParams.set(k, v);
  const key = target.accessKeyId && target.secretAccessKey ? { accessKeyId: target.accessKeyId, secretAccessKey: target.secretAccessKey, region: 'us-east-1', service: 'imago' } : undefined;
  const res = json === undefined ? await signedFetch(url, method, key) : await signedFetch(url, method, key, Buffer.from(JSON.stringify(json)), { 'content-type': 'application/json' });
  const text = res.text;
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = text;
  }
  if (!res.ok) throw new Error(`${method} ${url.pathname} answered ${res.status}: ${typeof body === 'object' && body && 'error' in body ? (body as { error: string }).error : text}`);
  return body;
}
