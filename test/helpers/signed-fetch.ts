// Raw HTTP requests signed with SigV4 (the SDK's own signer), for wire-level tests the SDK
// clients cannot express: malformed bodies, unknown actions, GET requests.
import { SignatureV4 } from '@smithy/signature-v4';
import { HttpRequest } from '@smithy/protocol-http';
import { Sha256 } from './sha256.js';

export interface SignedFetchOptions {
  service: string;
  region?: string;
  method?: string;
  path?: string;
  query?: string;
  headers?: Record<string, string>;
  body?: string | Buffer;
  accessKeyId?: string;
  secretAccessKey?: string;
  signingDate?: Date;
}

export async function signedRequest(endpoint: string, o: SignedFetchOptions): Promise<{ url: string; init: RequestInit }> {
  const url = new URL(endpoint);
  const query: Record<string, string | string[]> = {};
  for (const [k, v] of new URLSearchParams(o.query ?? '')) {
    const prev = query[k];
    query[k] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev, v];
  }
  const method = o.method ?? 'POST';
  const body = o.body ?? '';
  const request = new HttpRequest({
    method,
    protocol: url.protocol,
    hostname: url.hostname,
    port: Number(url.port),
    path: o.path ?? '/',
    query,
    headers: {
      host: url.host,
      ...(method === 'POST' && !o.headers?.['content-type'] ? { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' } : {}),
      ...(o.headers ?? {}),
    },
    body: method === 'GET' ? undefined : body,
  });
  const signer = new SignatureV4({
    service: o.service,
    region: o.region ?? 'us-east-1',
    credentials: { accessKeyId: o.accessKeyId ?? 'AKIDEXAMPLE', secretAccessKey: o.secretAccessKey ?? 'secret' },
    sha256: Sha256,
  });
  const signed = await signer.sign(request, o.signingDate ? { signingDate: o.signingDate } : undefined);
  const qs = o.query ? `?${o.query}` : '';
  return {
    url: `${url.origin}${o.path ?? '/'}${qs}`,
    init: { method, headers: signed.headers as Record<string, string>, body: method === 'GET' ? undefined : body },
  };
}

export async function signedFetch(endpoint: string, o: SignedFetchOptions): Promise<Response> {
  const { url, init } = await signedRequest(endpoint, o);
  const headers = { ...(init.headers as Record<string, string>) };
  delete headers.host; // fetch sets Host itself (identical value)
  return fetch(url, { ...init, headers });
}
