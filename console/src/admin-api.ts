// Imago's operator endpoints (/_imago/…, README "Operator endpoints"), signed like every API call:
// the server answers them for an admin principal (`imago_admin = true` in the credentials file)
// or anyone in dev mode, and refuses everyone else with 403 — the same rule as `imago images`.
import { ApiError, currentSession } from './api.js';
import { canonicalQuery, sign } from './sigv4.js';

export async function adminGet<T>(path: string, query: Record<string, string>): Promise<T> {
  const s = currentSession();
  if (!s) throw new ApiError('NotSignedIn', 'Sign in first.', 0);
  const pairs = Object.entries(query);
  const headers = sign({ host: location.host, method: 'GET', path, query: pairs, region: s.region, service: 'ec2', body: '', credentials: s });
  const res = await fetch(`${path}?${canonicalQuery(pairs)}`, { headers, credentials: 'omit', cache: 'no-store' });
  const body = (await res.json().catch(() => ({}))) as T & { error?: string };
  if (!res.ok) throw new ApiError(res.status === 403 ? 'AccessDenied' : `HTTP${res.status}`, body.error ?? res.statusText, res.status);
  return body;
}
