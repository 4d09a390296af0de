// A call's input and output as CloudTrail shows them (requestParameters, responseElements),
// made by walking the service model, so it holds for every operation of every service:
//
//   JSON, query and REST services   member names in lower camel case (`KMSKeyId` -> `kmsKeyId`),
//                                   lists as arrays, maps as objects
//   EC2 requests                    its query names in lower camel case; a list is an XML set,
//                                   `<name>Set: {items: [...]}` (a list of strings: one
//                                   `{<name>: value}` per item), an empty one `{}`
//   EC2 responses                   the XML names (`instancesSet`, `imageId`), sets as above,
//                                   `return` as `_return`; `requestId` first
//
// Secrets never reach the trail: a member the model marks sensitive (RunInstances' UserData,
// KMS Plaintext, KeyMaterial, SSM parameter values, STS SecretAccessKey, IAM passwords) or one
// named in SECRET_MEMBERS becomes HIDDEN_DUE_TO_SECURITY_REASONS; block data (EBS BlockData, any
// streaming payload) is left out altogether. Timestamps are ISO-8601, blobs base64.
import { SCALARS, type MemberRef, type ServiceModel } from '../protocol/model.js';

export const REDACTED = 'HIDDEN_DUE_TO_SECURITY_REASONS';

/** Secrets by name, for members the models do not mark sensitive. */
const SECRET_MEMBERS: ReadonlySet<string> = new Set([
  'UserData',
  'SecretAccessKey',
  'SessionToken',
  'Plaintext',
  'KeyMaterial',
  'PrivateKeyMaterial',
  'PrivateKey',
  'EncryptedKeyMaterial',
  'Password',
  'OldPassword',
  'NewPassword',
]);

/** Never recorded, not even as a placeholder: block payloads. */
const OMITTED_MEMBERS: ReadonlySet<string> = new Set(['BlockData']);

type Style = 'plain' | 'ec2-request' | 'ec2-response';

export function lowerCamel(name: string): string {
  const run = /^[A-Z]+/.exec(name)?.[0];
  if (!run) return name;
  if (run.length === name.length) return name.toLowerCase();
  if (run.length === 1) return run.toLowerCase() + name.slice(1);
  // an acronym: its last capital starts the next word ("KMSKeyId" -> "kms" + "KeyId")
  return run.slice(0, -1).toLowerCase() + name.slice(run.length - 1);
}

/** requestParameters: the decoded input of `operation`, or null when there is none. */
export function requestParameters(model: ServiceModel, operation: string, input: Record<string, unknown> | undefined): Record<string, unknown> | null {
  const shape = model.operations[operation]?.input;
  if (!input || !shape) return null;
  return walkStructure(model, shape, input, model.protocol === 'ec2' ? 'ec2-request' : 'plain');
}

/** responseElements: the handler's output of `operation` (EC2: with its requestId first). */
export function responseElements(model: ServiceModel, operation: string, output: unknown, requestId: string): Record<string, unknown> | null {
  const shape = model.operations[operation]?.output;
  if (!shape || output === undefined || output === null) return null;
  if (model.protocol !== 'ec2') return walkStructure(model, shape, output as Record<string, unknown>, 'plain');
  return { requestId, ...walkStructure(model, shape, output as Record<string, unknown>, 'ec2-response') };
}

function keyOf(name: string, ref: MemberRef, style: Style): string {
  if (style === 'plain') return lowerCamel(name);
  if (style === 'ec2-response') {
    const key = ref.xmlName ?? lowerCamel(name);
    return key === 'return' ? '_return' : key;
  }
  return lowerCamel(ref.xmlName ?? name);
}

function walkStructure(model: ServiceModel, shapeName: string, value: Record<string, unknown>, style: Style): Record<string, unknown> {
  const shape = model.shapes[shapeName];
  if (!shape || shape.type !== 'structure' || typeof value !== 'object') return {};
  const out: Record<string, unknown> = {};
  for (const [name, ref] of Object.entries(shape.members)) {
    const v = value[name];
    if (v === undefined || v === null || OMITTED_MEMBERS.has(name) || ref.streaming) continue;
    let key = keyOf(name, ref, style);
    if (ref.sensitive || SECRET_MEMBERS.has(name)) {
      out[key] = REDACTED;
      continue;
    }
    const listShape = model.shapes[ref.target];
    if (style === 'ec2-request' && listShape?.type === 'list' && !key.endsWith('Set')) key = `${key}Set`;
    out[key] = walkRef(model, ref, v, style, lowerCamel(ref.xmlName ?? name));
  }
  return out;
}

function walkRef(model: ServiceModel, ref: MemberRef, v: unknown, style: Style, itemName: string): unknown {
  if (SCALARS.has(ref.target)) return scalar(ref.target, v);
  const shape = model.shapes[ref.target];
  if (!shape) return null;
  if (shape.type === 'structure') return walkStructure(model, ref.target, v as Record<string, unknown>, style);
  if (shape.type === 'map') {
    const out: Record<string, unknown> = {};
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) out[k] = walkRef(model, shape.value, item, style, itemName);
    return out;
  }
  const items = (Array.isArray(v) ? v : []).map((item) => walkRef(model, shape.member, item, style, itemName));
  if (style === 'plain') return items;
  if (items.length === 0) return {};
  if (!SCALARS.has(shape.member.target)) return { items };
  const name = style === 'ec2-request' ? itemName : (shape.member.xmlName ?? 'item');
  return { items: items.map((item) => ({ [name]: item })) };
}

function scalar(type: string, v: unknown): unknown {
  if (type === 'timestamp') return v instanceof Date ? v.toISOString() : v;
  if (type === 'blob') return Buffer.isBuffer(v) || v instanceof Uint8Array ? Buffer.from(v).toString('base64') : v;
  return v;
}
