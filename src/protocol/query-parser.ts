// Form-encoded request parsing for awsQuery (Auto Scaling) and its EC2 variant, by walking
// the operation's input shape. The two differ only in how members are named and how lists
// are flattened:
//   awsQuery: name = xmlName ?? member name; lists `Name.member.N` (or `Name.N` if flattened);
//             an empty list is sent as `Name=`.
//   EC2:      name = ec2QueryName ?? capitalised xmlName ?? member name; lists always `Name.N`.
// A parameter the model does not know is refused (an `unknown` violation: UnknownParameter),
// as AWS does, rather than silently ignored: `ImageIds.1` for `ImageId.1` would otherwise
// describe every image. Only the envelope (Action, Version, signature parameters) is allowed
// beside the operation's members. Text that no XML answer could carry (C0 controls, lone
// surrogates) is refused as a `characters` violation.
import { isScalar, type MemberRef, type ServiceModel, type StructureShape } from './model.js';
import { ValidationFailure, isXmlSafe, lowerFirst, memberList, type WireNamer } from './validate.js';

export type QueryVariant = 'ec2' | 'query';

interface Node {
  value?: string;
  children?: Map<string, Node>;
}

function capitalise(s: string): string {
  return s ? s[0].toUpperCase() + s.slice(1) : s;
}

export const ec2WireName: WireNamer = (name, ref) =>
  ref.ec2QueryName ?? (ref.xmlName !== undefined ? capitalise(ref.xmlName) : name);
export const queryWireName: WireNamer = (name, ref) => ref.xmlName ?? name;

/** Builds the trie of dotted parameter names: `Filter.1.Value.2=x`. */
export function buildParamTree(params: Iterable<[string, string]>): Node {
  const root: Node = { children: new Map() };
  for (const [key, value] of params) {
    let node = root;
    for (const part of key.split('.')) {
      node.children ??= new Map();
      let next = node.children.get(part);
      if (!next) {
        next = {};
        node.children.set(part, next);
      }
      node = next;
    }
    node.value = value;
  }
  return root;
}

/** Top-level parameters of the request's envelope, beside the operation's own members (SigV2 names included). */
const ENVELOPE = new Set(['Action', 'Version', 'AWSAccessKeyId', 'Signature', 'SignatureMethod', 'SignatureVersion', 'Timestamp', 'Expires', 'SecurityToken']);

export function isEnvelopeParameter(name: string): boolean {
  return ENVELOPE.has(name) || /^x-amz-/i.test(name);
}

const INDEX = /^[1-9]\d{0,8}$/;

function unknown(wire: string): never {
  throw new ValidationFailure({ kind: 'unknown', wirePath: wire, memberPath: wire });
}

export class QueryParser {
  private readonly namer: WireNamer;
  /** wire names per structure shape, for telling unknown parameters apart */
  private readonly wireNames = new Map<string, Set<string>>();

  constructor(
    private readonly model: ServiceModel,
    private readonly variant: QueryVariant,
  ) {
    this.namer = variant === 'ec2' ? ec2WireName : queryWireName;
  }

  parse(shapeName: string | undefined, params: Iterable<[string, string]>): Record<string, unknown> {
    const root = buildParamTree(params);
    if (!shapeName) {
      for (const name of root.children!.keys()) if (!isEnvelopeParameter(name)) unknown(name);
      return {};
    }
    return this.structure(shapeName, root, '', '');
  }

  private names(shapeName: string): Set<string> {
    let names = this.wireNames.get(shapeName);
    if (!names) {
      const shape = this.model.shapes[shapeName];
      names = new Set(shape?.type === 'structure' ? Object.entries(shape.members).map(([name, ref]) => this.namer(name, ref)) : []);
      this.wireNames.set(shapeName, names);
    }
    return names;
  }

  /** a structure's members with their wire names, in model order, listed once per shape */
  private readonly wiredMembers = new WeakMap<StructureShape, [string, MemberRef, string][]>();

  private wired(shape: StructureShape): [string, MemberRef, string][] {
    let list = this.wiredMembers.get(shape);
    if (!list) {
      list = memberList(shape).map(([name, ref]) => [name, ref, this.namer(name, ref)]);
      this.wiredMembers.set(shape, list);
    }
    return list;
  }

  private structure(shapeName: string, node: Node, wire: string, path: string): Record<string, unknown> {
    const shape = this.model.shapes[shapeName];
    const out: Record<string, unknown> = {};
    if (shape?.type !== 'structure' || !node.children) return out;
    let matched = 0;
    for (const [name, ref, wireName] of this.wired(shape)) {
      const child = node.children.get(wireName);
      if (!child) continue;
      matched++;
      const w = wire ? `${wire}.${wireName}` : wireName;
      const p = path ? `${path}.${lowerFirst(name)}` : lowerFirst(name);
      const v = this.value(ref, child, w, p);
      if (v !== undefined) out[name] = v;
    }
    if (matched < node.children.size) {
      const names = this.names(shapeName);
      for (const key of node.children.keys()) {
        if (names.has(key) || (!wire && isEnvelopeParameter(key))) continue;
        unknown(wire ? `${wire}.${key}` : key);
      }
    }
    return out;
  }

  private value(ref: MemberRef, node: Node, wire: string, path: string): unknown {
    if (isScalar(ref.target)) {
      // `ImageId.1.Foo`: nothing in the model goes below a scalar
      if (node.children) unknown(`${wire}.${node.children.keys().next().value as string}`);
      if (node.value === undefined) return undefined;
      return parseScalar(ref, node.value, wire, path);
    }
    const shape = this.model.shapes[ref.target];
    if (shape.type === 'structure') return this.structure(ref.target, node, wire, path);
    if (shape.type === 'list') {
      let itemsNode: Node | undefined = node;
      let itemWire = wire;
      if (this.variant === 'query' && !ref.flattened) {
        const memberName = shape.member.xmlName ?? 'member';
        for (const key of node.children?.keys() ?? []) if (key !== memberName) unknown(`${wire}.${key}`);
        itemsNode = node.children?.get(memberName);
        itemWire = `${wire}.${memberName}`;
        if (!itemsNode) return node.value !== undefined ? [] : undefined; // `Name=` is an empty list
      }
      return this.indexed(itemsNode, itemWire).map(([i, item]) => this.value(shape.member, item, `${itemWire}.${i}`, `${path}.${i}.member`));
    }
    // map: `Name.entry.N.key` / `.value` (flattened: `Name.N.key`)
    if (!ref.flattened) for (const key of node.children?.keys() ?? []) if (key !== 'entry') unknown(`${wire}.${key}`);
    const entriesNode = ref.flattened ? node : node.children?.get('entry');
    if (!entriesNode) return node.value !== undefined ? {} : undefined;
    const keyName = shape.key.xmlName ?? 'key';
    const valueName = shape.value.xmlName ?? 'value';
    const out: Record<string, unknown> = {};
    const entriesWire = ref.flattened ? wire : `${wire}.entry`;
    for (const [i, entry] of this.indexed(entriesNode, entriesWire)) {
      for (const part of entry.children?.keys() ?? []) if (part !== keyName && part !== valueName) unknown(`${entriesWire}.${i}.${part}`);
      const k = entry.children?.get(keyName)?.value;
      const v = entry.children?.get(valueName);
      if (k === undefined || !v) continue;
      const value = this.value(shape.value, v, `${entriesWire}.${i}.${valueName}`, `${path}.${k}`);
      // a key such as `__proto__` is data: defined, never assigned (which would set the prototype)
      Object.defineProperty(out, k, { value, enumerable: true, writable: true, configurable: true });
    }
    return out;
  }

  /** Children named by positive integers, in numeric order; any other child is an unknown parameter. */
  private indexed(node: Node, wire?: string): [number, Node][] {
    const items: [number, Node][] = [];
    if (!node.children) return items;
    for (const [k, child] of node.children) {
      if (INDEX.test(k)) items.push([Number(k), child]);
      else if (wire !== undefined) unknown(`${wire}.${k}`);
    }
    return items.sort((a, b) => a[0] - b[0]);
  }
}

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;
const BASE64 = /^[A-Za-z0-9+/\r\n]*={0,2}$/;

/** Converts one wire string to its JS type, or throws a type Violation. */
export function parseScalar(ref: MemberRef, text: string, wire: string, path: string): unknown {
  switch (ref.target) {
    case 'string':
      if (!isXmlSafe(text)) throw new ValidationFailure({ kind: 'characters', wirePath: wire, memberPath: path, value: text, expected: 'text without control characters' });
      return text;
    case 'number': {
      const t = text.trim();
      // 1e400 is Infinity: no member of any model holds it
      if (!NUMBER.test(t) || !Number.isFinite(Number(t))) throw new ValidationFailure({ kind: 'type', wirePath: wire, memberPath: path, value: text, expected: 'number' });
      return Number(t);
    }
    case 'boolean': {
      const t = text.trim().toLowerCase();
      if (t !== 'true' && t !== 'false')
        throw new ValidationFailure({ kind: 'type', wirePath: wire, memberPath: path, value: text, expected: 'boolean' });
      return t === 'true';
    }
    case 'timestamp': {
      const d = parseTimestamp(text);
      if (!d) throw new ValidationFailure({ kind: 'type', wirePath: wire, memberPath: path, value: text, expected: 'timestamp' });
      return d;
    }
    case 'blob':
      if (!BASE64.test(text)) throw new ValidationFailure({ kind: 'type', wirePath: wire, memberPath: path, value: text, expected: 'base64' });
      return Buffer.from(text, 'base64');
    default:
      return text;
  }
}

/** ISO 8601 / RFC 3339 (what SDKs send), or epoch seconds. */
export function parseTimestamp(text: string): Date | undefined {
  const t = text.trim();
  if (/^\d+(\.\d+)?$/.test(t)) return new Date(Number(t) * 1000);
  if (!/^\d{4}-\d{2}-\d{2}([Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?)?$/.test(t)) return undefined;
  // no zone designator means UTC (never the server's local time)
  const hasZone = /([Zz]|[+-]\d{2}:?\d{2})$/.test(t) || !/[Tt ]/.test(t);
  const ms = Date.parse(hasZone ? t : `${t}Z`);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}
