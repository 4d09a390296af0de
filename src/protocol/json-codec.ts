// JSON values <-> JS values by walking a shape, for awsJson1.1 (KMS, SSM) and the bodies of
// restJson1 (EBS direct APIs). Timestamps travel as epoch seconds, blobs as base64.
import { isScalar, type MemberRef, type ServiceModel } from './model.js';
import { ValidationFailure, lowerFirst } from './validate.js';
import type { ServiceError } from './service-error.js';

function typeError(path: string, value: unknown, expected: string): never {
  throw new ValidationFailure({ kind: 'type', wirePath: path, memberPath: path, value, expected });
}

export class JsonCodec {
  constructor(private readonly model: ServiceModel) {}

  /** Converts a parsed JSON object to the input shape's JS values (an unknown key is an `unknown` violation). */
  readStructure(shapeName: string, json: unknown, path = '', skip?: (member: MemberRef) => boolean): Record<string, unknown> {
    const shape = this.model.shapes[shapeName];
    const out: Record<string, unknown> = {};
    if (json === undefined || json === null) return out;
    if (typeof json !== 'object' || Array.isArray(json)) typeError(path || 'body', json, 'structure');
    if (shape?.type !== 'structure') return out;
    const obj = json as Record<string, unknown>;
    let present = 0;
    for (const [name, ref] of Object.entries(shape.members)) {
      if (skip?.(ref) || !Object.hasOwn(obj, name)) continue;
      present++;
      const v = obj[name];
      if (v === undefined || v === null) continue;
      out[name] = this.read(ref, v, path ? `${path}.${lowerFirst(name)}` : lowerFirst(name));
    }
    // a key the shape does not have (`__proto__` and `constructor` included) is refused, not dropped
    if (present < Object.keys(obj).length) {
      for (const key of Object.keys(obj)) {
        const ref = shape.members[key];
        if (Object.hasOwn(shape.members, key) && !skip?.(ref)) continue;
        const where = path ? `${path}.${key}` : key;
        throw new ValidationFailure({ kind: 'unknown', wirePath: where, memberPath: where });
      }
    }
    return out;
  }

  private read(ref: MemberRef, v: unknown, path: string): unknown {
    if (isScalar(ref.target)) return readScalar(ref, v, path);
    const shape = this.model.shapes[ref.target];
    if (shape.type === 'structure') return this.readStructure(ref.target, v, path);
    if (shape.type === 'list') {
      if (!Array.isArray(v)) typeError(path, v, 'list');
      return v.map((item, i) => this.read(shape.member, item, `${path}.${i + 1}.member`));
    }
    if (typeof v !== 'object' || Array.isArray(v)) typeError(path, v, 'map');
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) {
      // defined, not assigned: a key such as `__proto__` is data, never the prototype
      Object.defineProperty(out, k, { value: this.read(shape.value, item, `${path}.${k}`), enumerable: true, writable: true, configurable: true });
    }
    return out;
  }

  /** Converts JS output values to plain JSON values. */
  writeStructure(shapeName: string, value: Record<string, unknown>, skip?: (member: MemberRef) => boolean): Record<string, unknown> {
    const shape = this.model.shapes[shapeName];
    const out: Record<string, unknown> = {};
    if (shape?.type !== 'structure') return out;
    for (const [name, ref] of Object.entries(shape.members)) {
      if (skip?.(ref)) continue;
      const v = value[name];
      if (v === undefined || v === null) continue;
      out[name] = this.write(ref, v);
    }
    return out;
  }

  private write(ref: MemberRef, v: unknown): unknown {
    if (isScalar(ref.target)) return writeScalar(ref, v);
    const shape = this.model.shapes[ref.target];
    if (shape.type === 'structure') return this.writeStructure(ref.target, v as Record<string, unknown>);
    if (shape.type === 'list') return (v as unknown[]).map((item) => this.write(shape.member, item));
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) out[k] = this.write(shape.value, item);
    return out;
  }
}

function readScalar(ref: MemberRef, v: unknown, path: string): unknown {
  switch (ref.target) {
    case 'string':
      if (typeof v !== 'string') typeError(path, v, 'string');
      return v;
    case 'number':
      if (typeof v !== 'number' || !Number.isFinite(v)) typeError(path, v, 'number');
      return v;
    case 'boolean':
      if (typeof v !== 'boolean') typeError(path, v, 'boolean');
      return v;
    case 'timestamp':
      if (typeof v === 'number') return new Date(v * 1000);
      if (typeof v === 'string' && !Number.isNaN(Date.parse(v))) return new Date(v);
      return typeError(path, v, 'timestamp');
    case 'blob':
      if (typeof v !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(v)) typeError(path, v, 'base64 blob');
      return Buffer.from(v, 'base64');
    default:
      return v;
  }
}

function writeScalar(ref: MemberRef, v: unknown): unknown {
  switch (ref.target) {
    case 'timestamp': {
      const d = v instanceof Date ? v : new Date(v as string | number);
      return d.getTime() / 1000;
    }
    case 'blob':
      return Buffer.from(v as Uint8Array).toString('base64');
    default:
      return v;
  }
}

/** awsJson error body: `{"__type": code, "message": …}` plus the error's own members. */
export function jsonErrorBody(err: ServiceError, type: string = err.code): string {
  return JSON.stringify({ __type: type, message: err.message, ...(err.fields ?? {}) });
}
