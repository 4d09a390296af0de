// XML responses for awsQuery (Auto Scaling) and its EC2 variant, by walking the output shape.
//   awsQuery: <OpResponse xmlns><OpResult>…</OpResult><ResponseMetadata><RequestId>…
//             lists as <member> (or the list member's xmlName), errors in <ErrorResponse>.
//   EC2:      <OpResponse xmlns><requestId>…</requestId>…</OpResponse>; list items named by the
//             list member's xmlName (`item`); errors in <Response><Errors><Error>.
// Elements are named by xmlName, else the member name. Timestamps are RFC 3339 with
// milliseconds, booleans lower-case, blobs base64. An empty list is written as its wrapper
// (`<imagesSet/>`, which clients read as []); an absent one is omitted — so Describe* handlers
// always return their result list, even empty.
import { isScalar, type MemberRef, type ServiceModel } from './model.js';
import type { ServiceError } from './service-error.js';
import type { QueryVariant } from './query-parser.js';
import { XML_ILLEGAL, XML_SUSPECT, isXmlSafe } from './validate.js';

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' };

const NEEDS_ESCAPE = /[&<>"'\r]/;
const ILLEGAL = new RegExp(XML_ILLEGAL.source, 'g');
/**
 * any character escapeXml may change (one to escape, or an XML_SUSPECT one): one test for the
 * common case, as one character class (XML_SUSPECT's plus the escaped ones; an alternation of
 * two classes tests slower)
 */
const PLAIN_TEXT = new RegExp(`[${XML_SUSPECT.source.slice(1, -1)}&<>"'\\r]`);

/**
 * Text for an element. Characters XML 1.0 cannot carry at all (C0 controls, unpaired
 * surrogates: parsers refuse the whole document) become U+FFFD — the parsers refuse them on
 * input, so only text stored before that (or a message quoting input) can hold them.
 */
export function escapeXml(text: string): string {
  if (!PLAIN_TEXT.test(text)) return text;
  if (!isXmlSafe(text)) text = text.replace(ILLEGAL, '\uFFFD');
  return NEEDS_ESCAPE.test(text) ? text.replace(/[&<>"'\r]/g, (c) => ESCAPES[c]) : text;
}

type Writer = (v: unknown) => string;
type StructureWriter = (v: Record<string, unknown>) => string;

export class XmlSerializer {
  // one function per structure shape, generated from the model when first needed: its members'
  // tags are literals and its property reads are by name (not a loop over a member table with a
  // computed key each), so a response is a straight walk of the value with string concatenation
  private readonly structures = new Map<string, StructureWriter>();

  constructor(
    private readonly model: ServiceModel,
    private readonly variant: QueryVariant,
  ) {}

  response(operation: string, output: unknown, requestId: string): string {
    const outputShape = this.model.operations[operation]?.output;
    const ns = this.model.xmlNamespace ?? '';
    let body = '';
    if (outputShape) body = this.structure(outputShape)((output ?? {}) as Record<string, unknown>);
    let xml = `${XML_DECL}<${operation}Response xmlns="${ns}">`;
    if (this.variant === 'ec2') {
      // operations without an output shape still answer <return>true</return>, as AWS does
      xml += `<requestId>${requestId}</requestId>${outputShape ? body : '<return>true</return>'}`;
    } else {
      if (outputShape) xml += `<${operation}Result>${body}</${operation}Result>`;
      xml += `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>`;
    }
    return `${xml}</${operation}Response>`;
  }

  error(err: ServiceError, requestId: string): string {
    const code = escapeXml(err.code);
    const message = escapeXml(err.message);
    if (this.variant === 'ec2') {
      return `${XML_DECL}<Response><Errors><Error><Code>${code}</Code><Message>${message}</Message></Error></Errors><RequestID>${requestId}</RequestID></Response>`;
    }
    const type = err.fault === 'server' ? 'Receiver' : 'Sender';
    const ns = this.model.xmlNamespace ?? '';
    return `${XML_DECL}<ErrorResponse xmlns="${ns}"><Error><Type>${type}</Type><Code>${code}</Code><Message>${message}</Message></Error><RequestId>${requestId}</RequestId></ErrorResponse>`;
  }

  /** The members of a `shapeName` value as elements, in the model's order (absent and null ones left out). */
  private structure(shapeName: string): StructureWriter {
    let write = this.structures.get(shapeName);
    if (!write) {
      write = this.compileStructure(shapeName);
      this.structures.set(shapeName, write);
    }
    return write;
  }

  /**
   * The generated function of a structure shape. Its text holds only the model's member names
   * and tags, quoted by JSON.stringify; values reach it as arguments. A string member is written
   * in place (`<tag>` + escaped text + `</tag>`), a boolean as one of two literals, a structure
   * through its own function (found on first use: shapes can be recursive), anything else
   * through the writer `writer` makes.
   */
  private compileStructure(shapeName: string): StructureWriter {
    const shape = this.model.shapes[shapeName];
    if (shape?.type !== 'structure') return () => '';
    const writers: Writer[] = [];
    const lines: string[] = [];
    for (const [name, ref] of Object.entries(shape.members)) {
      const tag = ref.xmlName ?? name;
      const [open, close] = [JSON.stringify(`<${tag}>`), JSON.stringify(`</${tag}>`)];
      const i = writers.length;
      let text: string;
      if (ref.target === 'string') {
        writers.push(escapeXml as Writer);
        text = `${open} + w[${i}](typeof x === "string" ? x : String(x)) + ${close}`;
      } else if (ref.target === 'boolean') {
        writers.push(() => '');
        text = `(x ? ${JSON.stringify(`<${tag}>true</${tag}>`)} : ${JSON.stringify(`<${tag}>false</${tag}>`)})`;
      } else if (!isScalar(ref.target) && this.model.shapes[ref.target]?.type === 'structure') {
        const target = ref.target;
        // replaced by the member structure's own function on first use
        writers.push((x) => (writers[i] = this.structure(target) as Writer)(x));
        text = `${open} + w[${i}](x) + ${close}`;
      } else {
        writers.push(this.writer(tag, ref));
        text = `w[${i}](x)`;
      }
      lines.push(`x = v[${JSON.stringify(name)}];`, `if (x !== undefined && x !== null) out += ${text};`);
    }
    const make = new Function('w', `return function (v) {\n  let out = "";\n  let x;\n  ${lines.join('\n  ')}\n  return out;\n};`) as (w: Writer[]) => StructureWriter;
    return make(writers);
  }

  /** A function writing one element named `tag` holding a value of `ref`'s type. */
  private writer(tag: string, ref: MemberRef): Writer {
    const open = `<${tag}>`;
    const close = `</${tag}>`;
    if (isScalar(ref.target)) {
      if (ref.target === 'string') return (v) => open + escapeXml(typeof v === 'string' ? v : String(v)) + close;
      return (v) => open + scalarText(ref, v) + close;
    }
    const shape = this.model.shapes[ref.target];
    if (shape.type === 'structure') {
      const target = ref.target;
      let write: StructureWriter | undefined;
      return (v) => open + (write ??= this.structure(target))(v as Record<string, unknown>) + close;
    }
    if (shape.type === 'list') {
      // the list member's xmlName names the items (almost always `item` in EC2); JS SDK v3
      // reads only that element, so `<member>` in an EC2 answer silently yields []
      const itemTag = shape.member.xmlName ?? (this.variant === 'ec2' ? 'item' : 'member');
      let item: Writer | undefined;
      const itemWriter = () => (item ??= this.writer(ref.flattened ? tag : itemTag, shape.member));
      if (ref.flattened) {
        return (v) => {
          let out = '';
          for (const x of v as unknown[]) out += itemWriter()(x);
          return out;
        };
      }
      const empty = `<${tag}/>`;
      return (v) => {
        const items = v as unknown[];
        if (items.length === 0) return empty;
        const w = itemWriter();
        if (items.length < 16) {
          let out = open;
          for (const x of items) out += w(x);
          return out + close;
        }
        // a long list is joined, not concatenated: one flat string instead of a deep rope that
        // every later use (its byte length, its encoding for the socket) would flatten again
        const parts = new Array<string>(items.length + 2);
        parts[0] = open;
        for (let i = 0; i < items.length; i++) parts[i + 1] = w(items[i]);
        parts[items.length + 1] = close;
        return parts.join('');
      };
    }
    const keyTag = shape.key.xmlName ?? 'key';
    const valueTag = shape.value.xmlName ?? 'value';
    let value: Writer | undefined;
    return (v) => {
      const w = (value ??= this.writer(valueTag, shape.value));
      let out = ref.flattened ? '' : open;
      for (const [k, x] of Object.entries(v as Record<string, unknown>)) {
        out += `${ref.flattened ? open : '<entry>'}<${keyTag}>${escapeXml(k)}</${keyTag}>${w(x)}${ref.flattened ? close : '</entry>'}`;
      }
      return ref.flattened ? out : out + close;
    };
  }
}

function scalarText(ref: MemberRef, v: unknown): string {
  switch (ref.target) {
    case 'timestamp':
      return formatTimestamp(v);
    case 'boolean':
      return v ? 'true' : 'false';
    case 'blob':
      return Buffer.isBuffer(v) || v instanceof Uint8Array ? Buffer.from(v).toString('base64') : escapeXml(String(v));
    default:
      return escapeXml(String(v));
  }
}

const ISO_MS = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** RFC 3339 UTC with milliseconds: what AWS sends and what JS SDK v3 accepts. */
export function formatTimestamp(v: unknown): string {
  // stored timestamps are mostly in this form already: passed through without a Date round trip
  if (typeof v === 'string' && ISO_MS.test(v)) return v;
  const d = v instanceof Date ? v : new Date(v as string | number);
  return d.toISOString();
}
