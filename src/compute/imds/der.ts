// The slice of ASN.1 DER that an X.509 certificate and a PKCS#7 signed-data need (Node signs,
// but writes neither): tag-length-value, the universal types used there, context tags, SET OF
// sorting, and a reader for the top-level children of a constructed value (to find a stored
// certificate's issuer and serial number again). Values are Buffers holding complete encodings.

export const TAG = {
  BOOLEAN: 0x01,
  INTEGER: 0x02,
  BIT_STRING: 0x03,
  OCTET_STRING: 0x04,
  NULL: 0x05,
  OID: 0x06,
  UTF8_STRING: 0x0c,
  UTC_TIME: 0x17,
  GENERALIZED_TIME: 0x18,
  SEQUENCE: 0x30,
  SET: 0x31,
} as const;

export function tlv(tag: number, content: Buffer): Buffer {
  return Buffer.concat([Buffer.from([tag]), length(content.length), content]);
}

/** Definite length: short form below 128, else 0x80 | byte count, then the bytes big-endian. */
function length(n: number): Buffer {
  if (n < 0x80) return Buffer.from([n]);
  const bytes: number[] = [];
  for (let v = n; v > 0; v = Math.floor(v / 256)) bytes.unshift(v & 0xff);
  return Buffer.from([0x80 | bytes.length, ...bytes]);
}

export const sequence = (...items: Buffer[]): Buffer => tlv(TAG.SEQUENCE, Buffer.concat(items));

/** SET OF: DER orders the elements by their encodings. */
export const setOf = (...items: Buffer[]): Buffer => tlv(TAG.SET, Buffer.concat([...items].sort(Buffer.compare)));

/** A non-negative INTEGER from a number, a bigint, or an unsigned big-endian magnitude. */
export function integer(value: number | bigint | Buffer): Buffer {
  let magnitude: Buffer;
  if (Buffer.isBuffer(value)) magnitude = value;
  else {
    const v = BigInt(value);
    if (v < 0n) throw new RangeError('negative INTEGER is not supported');
    const hex = v.toString(16);
    magnitude = Buffer.from(hex.length % 2 ? `0${hex}` : hex, 'hex');
  }
  let start = 0;
  while (start < magnitude.length - 1 && magnitude[start] === 0) start++;
  const minimal = magnitude.subarray(start);
  // A set high bit would read as negative: prefix a zero byte.
  const body = minimal.length === 0 ? Buffer.from([0]) : minimal[0] & 0x80 ? Buffer.concat([Buffer.from([0]), minimal]) : minimal;
  return tlv(TAG.INTEGER, body);
}

export function oid(dotted: string): Buffer {
  const arcs = dotted.split('.').map((a) => {
    if (!/^\d+$/.test(a)) throw new RangeError(`bad OID ${dotted}`);
    return BigInt(a);
  });
  if (arcs.length < 2 || arcs[0] > 2n) throw new RangeError(`bad OID ${dotted}`);
  const out: number[] = [];
  for (const arc of [arcs[0] * 40n + arcs[1], ...arcs.slice(2)]) {
    const groups: number[] = [Number(arc & 0x7fn)];
    for (let v = arc >> 7n; v > 0n; v >>= 7n) groups.unshift(Number(v & 0x7fn) | 0x80);
    out.push(...groups);
  }
  return tlv(TAG.OID, Buffer.from(out));
}

export const nullValue = (): Buffer => Buffer.from([TAG.NULL, 0]);
export const boolean = (v: boolean): Buffer => tlv(TAG.BOOLEAN, Buffer.from([v ? 0xff : 0]));
export const octetString = (bytes: Buffer): Buffer => tlv(TAG.OCTET_STRING, bytes);
/** A BIT STRING; `unusedBits` trailing bits of the last byte are padding (named bit lists drop trailing zeros). */
export const bitString = (bytes: Buffer, unusedBits = 0): Buffer => tlv(TAG.BIT_STRING, Buffer.concat([Buffer.from([unusedBits]), bytes]));
export const utf8String = (s: string): Buffer => tlv(TAG.UTF8_STRING, Buffer.from(s, 'utf8'));

/** X.509 validity time (RFC 5280 4.1.2.5): UTCTime through 2049, GeneralizedTime from 2050, in whole seconds. */
export function time(date: Date): Buffer {
  const iso = date.toISOString(); // YYYY-MM-DDTHH:MM:SS.sssZ
  const digits = iso.slice(0, 19).replace(/[-T:]/g, '');
  const year = date.getUTCFullYear();
  return year >= 1950 && year < 2050 ? tlv(TAG.UTC_TIME, Buffer.from(`${digits.slice(2)}Z`)) : tlv(TAG.GENERALIZED_TIME, Buffer.from(`${digits}Z`));
}

/** [n] EXPLICIT: the inner encoding wrapped in a constructed context tag. */
export const explicit = (n: number, inner: Buffer): Buffer => tlv(0xa0 | n, inner);

/** [n] IMPLICIT over a constructed value: its tag replaced, its contents kept. */
export const implicit = (n: number, constructed: Buffer): Buffer => tlv(0xa0 | n, read(constructed, 0).content);

export interface Tlv {
  tag: number;
  content: Buffer;
  /** the whole encoding, tag and length included */
  encoded: Buffer;
}

/** Reads one TLV at `offset` (single-byte tags, definite lengths: what DER allows here). */
export function read(der: Buffer, offset: number): Tlv {
  if (offset + 2 > der.length) throw new RangeError('truncated DER');
  const tag = der[offset];
  let len = der[offset + 1];
  let header = 2;
  if (len & 0x80) {
    const count = len & 0x7f;
    if (count === 0 || count > 4 || offset + 2 + count > der.length) throw new RangeError('bad DER length');
    len = 0;
    for (let i = 0; i < count; i++) len = len * 256 + der[offset + 2 + i];
    header += count;
  }
  const end = offset + header + len;
  if (end > der.length) throw new RangeError('truncated DER');
  return { tag, content: der.subarray(offset + header, end), encoded: der.subarray(offset, end) };
}

/** The elements of a constructed value's contents, in order. */
export function children(constructed: Buffer): Tlv[] {
  const { content } = read(constructed, 0);
  const out: Tlv[] = [];
  for (let at = 0; at < content.length; at += out[out.length - 1].encoded.length) out.push(read(content, at));
  return out;
}

/** PEM armour, base64 in lines of 64 (RFC 7468). */
export function pem(label: string, der: Buffer): string {
  return `-----BEGIN ${label}-----\n${base64Lines(der)}\n-----END ${label}-----\n`;
}

export function base64Lines(bytes: Buffer, width = 64): string {
  return bytes.toString('base64').match(new RegExp(`.{1,${width}}`, 'g'))?.join('\n') ?? '';
}
