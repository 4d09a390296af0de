// AWS Signature Version 4 verification, header and presigned-query forms.
// https://docs.aws.amazon.com/IAM/latest/UserGuide/reference_sigv-create-signed-request.html
// Failures are returned as kinds; the gateway renders each service's own error code.
import * as crypto from 'node:crypto';
import { createHash, createHmac } from 'node:crypto';
import { rememberPayloadSha256 } from './payload-digests.js';

export type SigV4FailureKind =
  | 'missing' // no signature at all
  | 'incomplete' // an Authorization header or query signature that cannot be parsed
  | 'unknown-key'
  | 'bad-signature'
  | 'expired' // clock skew over 15 minutes, or a presigned URL past its expiry
  | 'expired-token' // STS session credentials past their expiration
  | 'bad-region'; // credential scope names a region we do not serve

export class SigV4Failure extends Error {
  constructor(
    readonly kind: SigV4FailureKind,
    message: string,
  ) {
    super(message);
  }
}

export interface SigV4Request {
  method: string;
  /** the path as sent, still percent-encoded */
  path: string;
  /** the query string as sent, without `?` */
  rawQuery: string;
  /** raw header pairs as received ([name, value, name, value, …]) */
  rawHeaders: string[];
  body: Buffer;
  /** the headers by lower-cased name, repeated ones joined with `,` (built once, by `header`) */
  lowered?: Map<string, string>;
}

export interface Credential {
  accessKeyId: string;
  date: string; // yyyymmdd
  region: string;
  service: string;
}

export interface ParsedSignature {
  credential: Credential;
  signedHeaders: string[];
  signature: string;
  amzDate: string; // yyyymmddThhmmssZ
  presigned: boolean;
  /** presigned only: seconds of validity */
  expires?: number;
}

const ALGORITHM = 'AWS4-HMAC-SHA256';
export const MAX_SKEW_MS = 15 * 60 * 1000;

/** A header's value (every occurrence, joined with `,`), by lower-case name. */
function header(req: SigV4Request, name: string): string | undefined {
  let lowered = req.lowered;
  if (!lowered) {
    // one pass over the raw pairs per request: the signature reads several headers
    lowered = new Map();
    const raw = req.rawHeaders;
    for (let i = 0; i < raw.length; i += 2) {
      const k = raw[i].toLowerCase();
      const seen = lowered.get(k);
      lowered.set(k, seen === undefined ? raw[i + 1] : `${seen},${raw[i + 1]}`);
    }
    req.lowered = lowered;
  }
  return lowered.get(name);
}

function parseCredential(text: string): Credential {
  const parts = text.split('/');
  if (parts.length !== 5 || parts[4] !== 'aws4_request' || !parts[0] || !/^\d{8}$/.test(parts[1])) {
    throw new SigV4Failure('incomplete', `Credential is malformed: expected "<key>/<date>/<region>/<service>/aws4_request", got "${text}".`);
  }
  return { accessKeyId: parts[0], date: parts[1], region: parts[2], service: parts[3] };
}

function queryPairs(rawQuery: string): [string, string][] {
  if (!rawQuery) return [];
  return rawQuery
    .split('&')
    .filter(Boolean)
    .map((pair) => {
      const eq = pair.indexOf('=');
      const k = eq < 0 ? pair : pair.slice(0, eq);
      const v = eq < 0 ? '' : pair.slice(eq + 1);
      return [safeDecode(k), safeDecode(v)];
    });
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, '%20'));
  } catch {
    throw new SigV4Failure('incomplete', 'The query string is not validly percent-encoded.');
  }
}

/** Finds the signature in a request, or returns undefined if it is unsigned. */
export function parseSignature(req: SigV4Request): ParsedSignature | undefined {
  const auth = header(req, 'authorization');
  if (auth !== undefined) {
    if (!auth.startsWith(`${ALGORITHM} `)) {
      throw new SigV4Failure('incomplete', `Unsupported Authorization type; only ${ALGORITHM} is accepted.`);
    }
    const fields: Record<string, string> = {};
    for (const part of auth.slice(ALGORITHM.length + 1).split(',')) {
      const eq = part.indexOf('=');
      if (eq > 0) fields[part.slice(0, eq).trim()] = part.slice(eq + 1).trim();
    }
    const missing = ['Credential', 'SignedHeaders', 'Signature'].filter((f) => !fields[f]);
    if (missing.length) {
      throw new SigV4Failure('incomplete', `Authorization header requires ${missing.map((m) => `'${m}'`).join(', ')} parameter(s).`);
    }
    const amzDate = header(req, 'x-amz-date') ?? '';
    if (!/^\d{8}T\d{6}Z$/.test(amzDate)) {
      throw new SigV4Failure('incomplete', "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header.");
    }
    return {
      credential: parseCredential(fields.Credential),
      signedHeaders: fields.SignedHeaders.split(';'),
      signature: fields.Signature,
      amzDate,
      presigned: false,
    };
  }
  const q = new Map(queryPairs(req.rawQuery));
  if (!q.has('X-Amz-Signature') && !q.has('X-Amz-Credential')) return undefined;
  if (q.get('X-Amz-Algorithm') !== ALGORITHM) throw new SigV4Failure('incomplete', `X-Amz-Algorithm must be ${ALGORITHM}.`);
  const missing = ['X-Amz-Credential', 'X-Amz-Date', 'X-Amz-SignedHeaders', 'X-Amz-Signature'].filter((k) => !q.get(k));
  if (missing.length) throw new SigV4Failure('incomplete', `Query-string authentication requires ${missing.join(', ')}.`);
  const amzDate = q.get('X-Amz-Date')!;
  if (!/^\d{8}T\d{6}Z$/.test(amzDate)) throw new SigV4Failure('incomplete', 'X-Amz-Date must be in ISO 8601 basic format.');
  const expires = Number(q.get('X-Amz-Expires') ?? '900');
  if (!Number.isInteger(expires) || expires < 1 || expires > 604800) {
    throw new SigV4Failure('incomplete', 'X-Amz-Expires must be between 1 and 604800 seconds.');
  }
  return {
    credential: parseCredential(q.get('X-Amz-Credential')!),
    signedHeaders: q.get('X-Amz-SignedHeaders')!.split(';'),
    signature: q.get('X-Amz-Signature')!,
    amzDate,
    presigned: true,
    expires,
  };
}

export function amzDateToMs(amzDate: string): number {
  return Date.UTC(
    Number(amzDate.slice(0, 4)),
    Number(amzDate.slice(4, 6)) - 1,
    Number(amzDate.slice(6, 8)),
    Number(amzDate.slice(9, 11)),
    Number(amzDate.slice(11, 13)),
    Number(amzDate.slice(13, 15)),
  );
}

/** Checks the request time: ±15 minutes for signed headers, the expiry window for presigned URLs. */
export function checkTime(sig: ParsedSignature, nowMs: number): void {
  const t = amzDateToMs(sig.amzDate);
  if (sig.amzDate.slice(0, 8) !== sig.credential.date) {
    throw new SigV4Failure('bad-signature', `Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '${sig.credential.date}' != '${sig.amzDate.slice(0, 8)}'`);
  }
  if (sig.presigned) {
    if (nowMs > t + sig.expires! * 1000) throw new SigV4Failure('expired', 'Request has expired.');
    if (t - nowMs > MAX_SKEW_MS) throw new SigV4Failure('expired', 'Request is not yet valid.');
    return;
  }
  if (Math.abs(nowMs - t) > MAX_SKEW_MS) {
    const fmt = (ms: number) => new Date(ms).toISOString().replace(/[-:]|\.\d{3}/g, '');
    throw new SigV4Failure(
      'expired',
      `Signature expired: ${sig.amzDate} is now earlier than ${fmt(nowMs - MAX_SKEW_MS)} (${fmt(nowMs)} - 15 min.)`,
    );
  }
}

/** RFC 3986 encoding as SigV4 wants it (encodeURIComponent plus !'()*). */
export function uriEscape(s: string): string {
  return encodeURIComponent(s).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);
}

function canonicalPath(path: string): string {
  if (path === '/') return path; // the query protocols' every request
  // Non-S3 services: normalise, then encode the (already encoded) path once more.
  const segments: string[] = [];
  for (const seg of path.split('/')) {
    if (seg === '' || seg === '.') continue;
    if (seg === '..') segments.pop();
    else segments.push(seg);
  }
  const normalised = `${path.startsWith('/') ? '/' : ''}${segments.join('/')}${segments.length > 0 && path.endsWith('/') ? '/' : ''}`;
  return uriEscape(normalised || '/').replace(/%2F/g, '/');
}

function canonicalQuery(rawQuery: string, presigned: boolean): string {
  if (!rawQuery) return '';
  return queryPairs(rawQuery)
    .filter(([k]) => !(presigned && k === 'X-Amz-Signature'))
    .map(([k, v]) => [uriEscape(k), uriEscape(v)] as const)
    .sort(([ak, av], [bk, bv]) => (ak < bk ? -1 : ak > bk ? 1 : av < bv ? -1 : av > bv ? 1 : 0))
    .map(([k, v]) => `${k}=${v}`)
    .join('&');
}

/** crypto.hash (Node ≥ 20.12): one call, no Hash object per digest */
const oneShot = (crypto as { hash?: (algorithm: string, data: string | Buffer, encoding: 'hex') => string }).hash;

export function sha256Hex(data: string | Buffer): string {
  return oneShot ? oneShot('sha256', data, 'hex') : createHash('sha256').update(data).digest('hex');
}

const EMPTY_SHA256 = sha256Hex('');

export const UNSIGNED_PAYLOAD = 'UNSIGNED-PAYLOAD';

/**
 * The payload hash that was signed. A declared `x-amz-content-sha256` must match the body
 * actually received (else the signature covers bytes we did not get); `UNSIGNED-PAYLOAD` is
 * honoured only where the service allows it (the EBS direct APIs).
 */
function payloadHash(req: SigV4Request, sig: ParsedSignature, allowUnsigned: boolean): string {
  let declared = header(req, 'x-amz-content-sha256');
  if (!declared && sig.presigned) declared = queryPairs(req.rawQuery).find(([k]) => k === 'X-Amz-Content-Sha256')?.[1];
  if (declared === UNSIGNED_PAYLOAD && allowUnsigned) return declared; // no hash of a 512 KiB block for nothing
  const actual = req.body.length === 0 ? EMPTY_SHA256 : sha256Hex(req.body);
  rememberPayloadSha256(req.body, actual); // a PutSnapshotBlock's checksum and chunk id are this digest
  if (declared === undefined) return actual;
  if (declared.toLowerCase() !== actual) {
    throw new SigV4Failure('bad-signature', 'The provided x-amz-content-sha256 header does not match what was computed.');
  }
  return declared;
}

const keyCache = new Map<string, Buffer>();

function signingKey(secret: string, c: Credential): Buffer {
  const id = `${secret}\n${c.date}\n${c.region}\n${c.service}`;
  let key = keyCache.get(id);
  if (!key) {
    const kDate = createHmac('sha256', `AWS4${secret}`).update(c.date).digest();
    const kRegion = createHmac('sha256', kDate).update(c.region).digest();
    const kService = createHmac('sha256', kRegion).update(c.service).digest();
    key = createHmac('sha256', kService).update('aws4_request').digest();
    if (keyCache.size > 1000) keyCache.clear();
    keyCache.set(id, key);
  }
  return key;
}

/** whitespace that canonicalisation would change: anything but single spaces */
const FOLDED = /[^\S ]|\s\s/;

export function stringToSign(req: SigV4Request, sig: ParsedSignature, allowUnsigned = false): string {
  let headers = '';
  for (const name of sig.signedHeaders) {
    let value = (header(req, name) ?? '').trim();
    if (FOLDED.test(value)) value = value.replace(/\s+/g, ' ');
    headers += `${name}:${value}\n`;
  }
  const canonical = `${req.method}\n${canonicalPath(req.path)}\n${canonicalQuery(req.rawQuery, sig.presigned)}\n${headers}\n${sig.signedHeaders.join(';')}\n${payloadHash(req, sig, allowUnsigned)}`;
  const c = sig.credential;
  return `${ALGORITHM}\n${sig.amzDate}\n${c.date}/${c.region}/${c.service}/aws4_request\n${sha256Hex(canonical)}`;
}

export function computeSignature(req: SigV4Request, sig: ParsedSignature, secret: string, allowUnsigned = false): string {
  return createHmac('sha256', signingKey(secret, sig.credential)).update(stringToSign(req, sig, allowUnsigned)).digest('hex');
}

/**
 * Whether two strings are equal, in time that depends on their length only (as timingSafeEqual
 * over their UTF-8 bytes would tell, without two Buffers per request): the expected signature is
 * 64 hex digits, so a given one of another length differs in its bytes too.
 */
function sameText(expected: string, given: string): boolean {
  if (expected.length !== given.length) return false;
  let diff = 0;
  for (let i = 0; i < expected.length; i++) diff |= expected.charCodeAt(i) ^ given.charCodeAt(i);
  return diff === 0;
}

/** Throws SigV4Failure('bad-signature') unless the signature matches `secret`. */
export function verifySignature(req: SigV4Request, sig: ParsedSignature, secret: string, allowUnsigned = false): void {
  if (!sig.signedHeaders.includes('host')) {
    throw new SigV4Failure('incomplete', "'Host' must be a 'SignedHeader' in the AWS Authorization.");
  }
  if (!sameText(computeSignature(req, sig, secret, allowUnsigned), sig.signature)) {
    throw new SigV4Failure(
      'bad-signature',
      'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
    );
  }
}

/**
 * Signs a request (header form) with the same canonicalisation the verifier uses: for Imago's
 * own tools (the CLI talking to a running server). Returns the headers to add.
 */
export function signRequest(
  req: { method: string; path: string; rawQuery: string; headers: Record<string, string>; body: Buffer },
  credential: { accessKeyId: string; secretAccessKey: string; region: string; service: string },
  now = new Date(),
  /** sign the payload as UNSIGNED-PAYLOAD (EBS block uploads: their checksum covers the data) */
  unsignedPayload = false,
): Record<string, string> {
  const amzDate = now.toISOString().replace(/[-:]|\.\d{3}/g, '');
  const headers: Record<string, string> = { ...req.headers, 'x-amz-date': amzDate, 'x-amz-content-sha256': unsignedPayload ? UNSIGNED_PAYLOAD : sha256Hex(req.body) };
  const names = Object.keys(headers).map((h) => h.toLowerCase()).sort();
  const rawHeaders = Object.entries(headers).flatMap(([k, v]) => [k, v]);
  const sig: ParsedSignature = {
    credential: { accessKeyId: credential.accessKeyId, date: amzDate.slice(0, 8), region: credential.region, service: credential.service },
    signedHeaders: names,
    signature: '',
    amzDate,
    presigned: false,
  };
  const signature = computeSignature({ method: req.method, path: req.path, rawQuery: req.rawQuery, rawHeaders, body: req.body }, sig, credential.secretAccessKey, unsignedPayload);
  const c = sig.credential;
  return {
    ...headers,
    authorization: `${ALGORITHM} Credential=${c.accessKeyId}/${c.date}/${c.region}/${c.service}/aws4_request, SignedHeaders=${names.join(';')}, Signature=${signature}`,
  };
}
