// The identity document as EC2 serves it at dynamic/instance-identity/document: pretty-printed
// JSON in EC2's own layout (two-space indent, `"key" : value`, lists on one line, no final
// newline), fields in the document's order. The signatures cover exactly these bytes.
import type { IdentityDocument } from '../instance-metadata.js';

export function renderIdentityDocument(doc: IdentityDocument): string {
  const fields = Object.entries(doc).map(([k, v]) => `  ${JSON.stringify(k)} : ${value(v)}`);
  return `{\n${fields.join(',\n')}\n}`;
}

function value(v: unknown): string {
  if (Array.isArray(v)) return v.length ? `[ ${v.map((x) => JSON.stringify(x)).join(', ')} ]` : '[ ]';
  return JSON.stringify(v ?? null);
}
