// Emits the TypeScript types for one service's runtime model: an interface per structure
// (SDK member names), enum unions, and an operation map the handlers are typed against.
import { isScalar, type MemberRef, type ServiceModel } from '../../src/protocol/model.js';

const SCALAR_TS: Record<string, string> = {
  string: 'string',
  number: 'number',
  boolean: 'boolean',
  timestamp: 'Date',
  blob: 'Uint8Array',
  document: 'unknown',
};

/** Shape names that would shadow TypeScript globals get a prefix. */
const RESERVED = new Set(['Date', 'Record', 'Error', 'Array', 'Map', 'Set', 'Object', 'String', 'Number', 'Boolean', 'Function', 'Symbol', 'Promise']);

export function typeName(shape: string): string {
  const clean = shape.replace(/^__/, '').replace(/[^A-Za-z0-9_]/g, '_');
  return RESERVED.has(clean) ? `Aws${clean}` : clean;
}

function enumTypeName(name: string): string {
  return `${name.replace(/^_/, '')}Enum`;
}

function refType(model: ServiceModel, ref: MemberRef): string {
  if (ref.enum) return enumTypeName(ref.enum);
  if (isScalar(ref.target)) return SCALAR_TS[ref.target];
  const shape = model.shapes[ref.target];
  if (shape.type === 'list') {
    const inner = refType(model, shape.member);
    return /^[\w]+$/.test(inner) ? `${inner}[]` : `(${inner})[]`;
  }
  if (shape.type === 'map') return `Record<string, ${refType(model, shape.value)}>`;
  return typeName(ref.target);
}

export function emitTypes(model: ServiceModel, header: string): string {
  const out: string[] = [header, ''];
  for (const [name, values] of Object.entries(model.enums)) {
    out.push(`export type ${enumTypeName(name)} = ${values.map((v) => JSON.stringify(v)).join(' | ')};`);
  }
  out.push('');
  for (const [name, shape] of Object.entries(model.shapes)) {
    if (shape.type !== 'structure') continue;
    out.push(`export interface ${typeName(name)} {`);
    for (const [member, ref] of Object.entries(shape.members)) {
      const key = /^[A-Za-z_$][\w$]*$/.test(member) ? member : JSON.stringify(member);
      out.push(`  ${key}${ref.required ? '' : '?'}: ${refType(model, ref)};`);
    }
    out.push('}');
  }
  out.push('');
  out.push('export interface Operations {');
  for (const [op, def] of Object.entries(model.operations)) {
    const input = def.input ? typeName(def.input) : 'Record<string, never>';
    const output = def.output ? typeName(def.output) : 'void';
    out.push(`  ${op}: { input: ${input}; output: ${output} };`);
  }
  out.push('}');
  out.push('');
  out.push('export type OperationName = keyof Operations;');
  out.push('');
  return out.join('\n');
}
