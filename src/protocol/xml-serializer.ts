// XML responses for awsQuery (Auto Scaling) and its EC2 variant, by walking the output shape.
//   awsQuery: <OpResponse xmlns><OpResult>…</OpResult><ResponseMetadata><RequestId>…
//             lists as <member> (or the list member's xmlName), errors in <ErrorResponse>.
//   EC2:      <OpResponse xmlns><requestId>…</requestId>…</OpResponse>; list items named by the
//             list member's xmlName (`item`); errors in <Response><Errors><Error>.
// Elements are named by xmlName, else the member name. Timestamps are RFC 3339 with
// milliseconds, booleans lower-case, blobs base64. Top-level lists always get their wrapper,
// even empty (`<imagesSet/>`): clients index into them.
import { isScalar, type MemberRef, type ServiceModel } from './model.js';
import type { ServiceError } from './service-error.js';
import type { QueryVariant } from './query-parser.js';

const XML_DECL = '<?xml version="1.0" encoding="UTF-8"?>\n';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;', '\r': '&#13;' };

export function escapeXml(text: string): string {
  return /[&<>"'\r]/.test(text) ? text.replace(/[&<>"'\r]/g, (c) => ESCAPES[c]) : text;
}

export class XmlSerializer {
  constructor(
    private readonly model: ServiceModel,
    private readonly variant: QueryVariant,
  ) {}

  response(operation: string, output: unknown, requestId: string): string {
    const outputShape = this.model.operations[operation]?.output;
    const ns = this.model.xmlNamespace ?? '';
    const parts: string[] = [XML_DECL, `<${operation}Response xmlns="${ns}">`];
    const body: string[] = [];
    if (outputShape) this.members(outputShape, (output ?? {}) as Record<string, unknown>, body, true);
    if (this.variant === 'ec2') {
      parts.push(`<requestId>${requestId}</requestId>`);
      // operations without an output shape still answer <return>true</return>, as AWS does
      parts.push(outputShape ? body.join('') : '<return>true</return>');
    } else {
      if (outputShape) parts.push(`<${operation}Result>`, body.join(''), `</${operation}Result>`);
      parts.push(`<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata>`);
    }
    parts.push(`</${operation}Response>`);
    return parts.join('');
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

  private members(shapeName: string, value: Record<string, unknown>, out: string[], topLevel = false): void {
    const shape = this.model.shapes[shapeName];
    if (shape?.type !== 'structure') return;
    for (const [name, ref] of Object.entries(shape.members)) {
      let v = value[name];
      if (v === undefined || v === null) {
        if (!topLevel || this.model.shapes[ref.target]?.type !== 'list') continue;
        v = [];
      }
      this.element(ref.xmlName ?? name, ref, v, out);
    }
  }

  private element(tag: string, ref: MemberRef, v: unknown, out: string[]): void {
    if (isScalar(ref.target)) {
      out.push(`<${tag}>`, scalarText(ref, v), `</${tag}>`);
      return;
    }
    const shape = this.model.shapes[ref.target];
    if (shape.type === 'structure') {
      out.push(`<${tag}>`);
      this.members(ref.target, v as Record<string, unknown>, out);
      out.push(`</${tag}>`);
    } else if (shape.type === 'list') {
      const items = v as unknown[];
      if (ref.flattened) {
        for (const item of items) this.element(tag, shape.member, item, out);
        return;
      }
      if (items.length === 0) {
        out.push(`<${tag}/>`);
        return;
      }
      // the list member's xmlName names the items (almost always `item` in EC2); JS SDK v3
      // reads only that element, so `<member>` in an EC2 answer silently yields []
      const itemTag = shape.member.xmlName ?? (this.variant === 'ec2' ? 'item' : 'member');
      out.push(`<${tag}>`);
      for (const item of items) this.element(itemTag, shape.member, item, out);
      out.push(`</${tag}>`);
    } else {
      const keyTag = shape.key.xmlName ?? 'key';
      const valueTag = shape.value.xmlName ?? 'value';
      const entries = Object.entries(v as Record<string, unknown>);
      if (!ref.flattened) out.push(`<${tag}>`);
      for (const [k, item] of entries) {
        out.push(ref.flattened ? `<${tag}>` : '<entry>', `<${keyTag}>${escapeXml(k)}</${keyTag}>`);
        this.element(valueTag, shape.value, item, out);
        out.push(ref.flattened ? `</${tag}>` : '</entry>');
      }
      if (!ref.flattened) out.push(`</${tag}>`);
    }
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

/** RFC 3339 UTC with milliseconds: what AWS sends and what JS SDK v3 accepts. */
export function formatTimestamp(v: unknown): string {
  const d = v instanceof Date ? v : new Date(v as string | number);
  return d.toISOString();
}
