// AWS Signature Version 4 for the console's POSTs (AWS General Reference, "Create a signed AWS
// API request"): the canonical request of a form POST to `/` signed with the user's secret key.
// The signed headers are host and x-amz-date (and the session token's header when there is one).
import { hex, hmacSha256, sha256 } from './sha256.js';

export interface Credentials {
  accessKeyId: string;
  secretAccessKey: string;
  sessionToken?: string;
}

export interface SignInput {
  host: string;
  /** POST unless told */
  method?: string;
  path: string;
  /** query parameters (signed in SigV4's canonical order and encoding) */
  query?: [string, string][];
  region: string;
  service: string;
  body: string;
  credentials: Credentials;
  now?: Date;
}

/** The headers to send (besides host, which the browser sets): Authorization, X-Amz-Date, maybe X-Amz-Security-Token. */
export function sign(input: SignInput): Record<string, string> {
  const amzDate = (input.now ?? new Date()).toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
  const day = amzDate.slice(0, 8);
  const headers: [string, string][] = [
    ['host', input.host],
    ['x-amz-date', amzDate],
  ];
  if (input.credentials.sessionToken) headers.push(['x-amz-security-token', input.credentials.sessionToken]);
  const signedHeaders = headers.map(([k]) => k).join(';');
  const canonicalHeaders = headers.map(([k, v]) => `${k}:${v.trim()}\n`).join('');
  const canonical = [input.method ?? 'POST', input.path, canonicalQuery(input.query ?? []), canonicalHeaders, signedHeaders, hex(sha256(input.body))].join('\n');
  const scope = `${day}/${input.region}/${input.service}/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, hex(sha256(canonical))].join('\n');
  let key = hmacSha256(`AWS4${input.credentials.secretAccessKey}`, day);
  for (const part of [input.region, input.service, 'aws4_request']) key = hmacSha256(key, part);
  const signature = hex(hmacSha256(key, toSign));
  const out: Record<string, string> = {
    authorization: `AWS4-HMAC-SHA256 Credential=${input.credentials.accessKeyId}/${scope}, SignedHeaders=${signedHeaders}, Signature=${signature}`,
    'x-amz-date': amzDate,
  };
  if (input.credentials.sessionToken) out['x-amz-security-token'] = input.credentials.sessionToken;
  return out;
}

/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent leaves !'()* alone). */
export const uriEncode = (s: string): string => encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/** The canonical query string: encoded pairs sorted by name, then value. Send the same string. */
export function canonicalQuery(pairs: [string, string][]): string {
  return pairs
    .map(([k, v]) => [uriEncode(k), uriEncode(v)] as const)
    .sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : x > y ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}
