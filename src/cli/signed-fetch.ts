// One signed HTTP request from Imago's command line tools (SigV4 with Imago's own signer; the
// body is read whole: these are small control-plane calls, not block transfers).
import { signRequest } from '../protocol/sigv4.js';

export interface SigningKey {
  accessKeyId: string;
  secretAccessKey: string;
  region: string;
  service: string;
}

export async function signedFetch(
  url: URL,
  method: string,
  key: SigningKey | undefined,
  body: Buffer = Buffer.alloc(0),
  headers: Record<string, string> = {},
): Promise<{ status: number; ok: boolean; text: string }> {
  let sent: Record<string, string> = { host: url.host, ...headers };
  if (key) sent = signRequest({ method, path: url.pathname, rawQuery: url.searchParams.toString(), headers: sent, body }, key);
  delete sent.host; // fetch sets it
  const res = await fetch(url, { method, headers: sent, body: body.length ? body : undefined });
  return { status: res.status, ok: res.ok, text: await res.text() };
}
