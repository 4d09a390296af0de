// CBOR (RFC 8949) as Smithy RPC v2 CBOR uses it: maps with text keys, arrays, text and byte
// strings (definite or indefinite length), integers, floats (half, single, double), booleans,
// null, and tag 1 (epoch-seconds timestamps) as Date. Decoding is for hostile input: every length
// is checked against the bytes left before anything is allocated, nesting is bounded, text must be
// valid UTF-8, unknown tags, simple values and trailing bytes are refused — each with CborError,
// which the protocol turns into a 400.
export class CborError extends Error {}

const MAX_DEPTH = 64;
const utf8 = new TextDecoder('utf-8', { fatal: true });
const BREAK = Symbol('break');

export type CborValue = null | undefined | boolean | number | string | Uint8Array | Date | CborValue[] | { [key: string]: CborValue };

export function decodeCbor(buf: Uint8Array): CborValue {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let pos = 0;
  const need = (n: number) => {
    if (n > buf.length - pos) throw new CborError('truncated CBOR data');
  };
  const argument = (info: number): number => {
    if (info < 24) return info;
    if (info === 24) return need(1), buf[pos++]!;
    if (info === 25) return need(2), (pos += 2), view.getUint16(pos - 2);
    if (info === 26) return need(4), (pos += 4), view.getUint32(pos - 4);
    if (info === 27) {
      need(8);
      const hi = view.getUint32(pos);
      const lo = view.getUint32(pos + 4);
      pos += 8;
      return hi * 2 ** 32 + lo;
    }
    throw new CborError(`invalid additional information ${info}`);
  };
  const chunks = (major: number): Uint8Array => {
    const parts: Uint8Array[] = [];
    for (;;) {
      need(1);
      if (buf[pos] === 0xff) {
        pos++;
        break;
      }
      const head = buf[pos++]!;
      if (head >> 5 !== major || (head & 0x1f) === 31) throw new CborError('invalid chunk in an indefinite-length string');
      const n = argument(head & 0x1f);
      need(n);
      parts.push(buf.subarray(pos, (pos += n)));
      if (parts.length > buf.length) throw new CborError('too many chunks');
    }
    return Buffer.concat(parts);
  };
  const text = (bytes: Uint8Array): string => {
    try {
      return utf8.decode(bytes);
    } catch {
      throw new CborError('text string is not valid UTF-8');
    }
  };
  const item = (depth: number, allowBreak = false): CborValue | typeof BREAK => {
    if (depth > MAX_DEPTH) throw new CborError('CBOR data nested too deeply');
    need(1);
    const head = buf[pos++]!;
    const major = head >> 5;
    const info = head & 0x1f;
    switch (major) {
      case 0:
        return argument(info);
      case 1:
        return -1 - argument(info);
      case 2:
      case 3: {
        let bytes: Uint8Array;
        if (info === 31) bytes = chunks(major);
        else {
          const n = argument(info);
          need(n);
          bytes = buf.subarray(pos, (pos += n));
        }
        return major === 2 ? Uint8Array.from(bytes) : text(bytes);
      }
      case 4: {
        const out: CborValue[] = [];
        if (info === 31) {
          for (let v = item(depth + 1, true); v !== BREAK; v = item(depth + 1, true)) out.push(v);
          return out;
        }
        const n = argument(info);
        need(n); // each element takes at least one byte
        for (let i = 0; i < n; i++) out.push(item(depth + 1) as CborValue);
        return out;
      }
      case 5: {
        const out: Record<string, CborValue> = {};
        const entry = (k: CborValue | typeof BREAK): boolean => {
          if (k === BREAK) return false;
          if (typeof k !== 'string') throw new CborError('map keys must be text strings');
          // defined, not assigned: `__proto__` is data, never the prototype
          Object.defineProperty(out, k, { value: item(depth + 1) as CborValue, enumerable: true, writable: true, configurable: true });
          return true;
        };
        if (info === 31) {
          while (entry(item(depth + 1, true)));
          return out;
        }
        const n = argument(info);
        need(n * 2);
        for (let i = 0; i < n; i++) entry(item(depth + 1));
        return out;
      }
      case 6: {
        const tag = argument(info);
        if (tag !== 1) throw new CborError(`unsupported CBOR tag ${tag}`);
        const v = item(depth + 1);
        if (typeof v !== 'number' || !Number.isFinite(v)) throw new CborError('tag 1 (epoch time) must hold a number');
        return new Date(v * 1000);
      }
      default: {
        if (info === 20) return false;
        if (info === 21) return true;
        if (info === 22) return null;
        if (info === 23) return undefined;
        if (info === 25) return need(2), (pos += 2), halfFloat(view.getUint16(pos - 2));
        if (info === 26) return need(4), (pos += 4), view.getFloat32(pos - 4);
        if (info === 27) return need(8), (pos += 8), view.getFloat64(pos - 8);
        if (info === 31 && allowBreak) return BREAK;
        throw new CborError(info === 31 ? 'unexpected break' : `unsupported simple value ${info}`);
      }
    }
  };
  const value = item(0);
  if (value === BREAK) throw new CborError('unexpected break');
  if (pos !== buf.length) throw new CborError('trailing bytes after the CBOR data item');
  return value;
}

function halfFloat(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * 2 ** -14 * (mant / 1024);
  if (exp === 31) return mant ? NaN : sign * Infinity;
  return sign * 2 ** (exp - 15) * (1 + mant / 1024);
}

/** Encodes with definite lengths; integers as integers, other numbers as doubles; Date as tag 1. */
export function encodeCbor(value: CborValue): Buffer {
  const parts: Buffer[] = [];
  const head = (major: number, n: number) => {
    if (n < 24) parts.push(Buffer.from([(major << 5) | n]));
    else if (n < 0x100) parts.push(Buffer.from([(major << 5) | 24, n]));
    else if (n < 0x10000) {
      const b = Buffer.alloc(3);
      b[0] = (major << 5) | 25;
      b.writeUInt16BE(n, 1);
      parts.push(b);
    } else if (n < 0x100000000) {
      const b = Buffer.alloc(5);
      b[0] = (major << 5) | 26;
      b.writeUInt32BE(n, 1);
      parts.push(b);
    } else {
      const b = Buffer.alloc(9);
      b[0] = (major << 5) | 27;
      b.writeBigUInt64BE(BigInt(n), 1);
      parts.push(b);
    }
  };
  const double = (n: number) => {
    const b = Buffer.alloc(9);
    b[0] = 0xfb;
    b.writeDoubleBE(n, 1);
    parts.push(b);
  };
  const write = (v: CborValue): void => {
    if (v === null || v === undefined) parts.push(Buffer.from([0xf6]));
    else if (v === true) parts.push(Buffer.from([0xf5]));
    else if (v === false) parts.push(Buffer.from([0xf4]));
    else if (typeof v === 'number') {
      if (!Number.isSafeInteger(v) || Object.is(v, -0)) double(v);
      else if (v >= 0) head(0, v);
      else head(1, -1 - v);
    } else if (typeof v === 'string') {
      const b = Buffer.from(v, 'utf8');
      head(3, b.length);
      parts.push(b);
    } else if (v instanceof Uint8Array) {
      head(2, v.length);
      parts.push(Buffer.from(v));
    } else if (v instanceof Date) {
      parts.push(Buffer.from([0xc1]));
      const s = v.getTime() / 1000;
      if (Number.isSafeInteger(s) && s >= 0) head(0, s);
      else double(s);
    } else if (Array.isArray(v)) {
      head(4, v.length);
      v.forEach(write);
    } else {
      const entries = Object.entries(v).filter(([, x]) => x !== undefined);
      head(5, entries.length);
      for (const [k, x] of entries) {
        write(k);
        write(x);
      }
    }
  };
  write(value);
  return Buffer.concat(parts);
}
