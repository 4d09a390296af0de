// Calls to the public APIs, exactly as any client makes them: a form POST to `/` in the Query
// (EC2, Auto Scaling, STS, IAM, CloudWatch) protocols — or JSON 1.1 for KMS — SigV4-signed with the session's keys, answering XML
// parsed with DOMParser. A refusal throws ApiError with AWS's code and message.
import { sign } from './sigv4.js';
import type { Session } from './session.js';

const VERSIONS: Record<string, string> = { ec2: '2016-11-15', autoscaling: '2011-01-01', sts: '2011-06-15', iam: '2010-05-08', monitoring: '2010-08-01' };

export class ApiError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number,
    readonly requestId?: string,
  ) {
    super(message);
  }
}

export type Params = Record<string, string | number | boolean | undefined>;

let session: Session | undefined;
export const setApiSession = (s: Session | undefined) => (session = s);
export const currentSession = () => session;

/** One call; `region` defaults to the session's. Returns the response document. */
export async function call(service: string, action: string, params: Params = {}, opts: { region?: string; session?: Session } = {}): Promise<Document> {
  const form = new URLSearchParams({ Action: action, Version: VERSIONS[service] ?? '' });
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== '') form.append(k, String(v));
  const { res, text } = await post(service, form.toString(), { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' }, opts);
  const doc = new DOMParser().parseFromString(text, 'application/xml');
  if (!res.ok) {
    const code = first(doc, 'Code') ?? `HTTP${res.status}`;
    const message = first(doc, 'Message') ?? (text.slice(0, 300) || res.statusText);
    throw new ApiError(code, message, res.status, first(doc, 'RequestID') ?? first(doc, 'RequestId'));
  }
  return doc;
}

/** One JSON 1.1 call (KMS: `callJson('kms', 'TrentService.ListKeys', {})`), signed like call(). */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export async function callJson<T = any>(service: string, target: string, input: object = {}, opts: { region?: string; session?: Session } = {}): Promise<T> {
  const { res, text } = await post(service, JSON.stringify(input), { 'content-type': 'application/x-amz-json-1.1', 'x-amz-target': target }, opts);
  let body: Record<string, unknown> = {};
  try {
    body = text ? (JSON.parse(text) as Record<string, unknown>) : {};
  } catch {
    if (res.ok) throw new ApiError('InvalidResponse', text.slice(0, 300), res.status);
  }
  if (!res.ok) {
    const code = String(body.__type ?? `HTTP${res.status}`).replace(/^.*#/, '');
    throw new ApiError(code, String(body.message ?? body.Message ?? (text.slice(0, 300) || res.statusText)), res.status, res.headers.get('x-amzn-requestid') ?? undefined);
  }
  return body as T;
}

/** The one place requests are signed and sent: a POST to `/` with the session's keys. */
async function post(service: string, body: string, headers: Record<string, string>, opts: { region?: string; session?: Session }): Promise<{ res: Response; text: string }> {
  const s = opts.session ?? session;
  if (!s) throw new ApiError('NotSignedIn', 'Sign in first.', 0);
  const region = opts.region ?? s.region;
  const signed = sign({ host: location.host, path: '/', region: service === 'iam' ? 'us-east-1' : region, service, body, credentials: s });
  let res: Response;
  try {
    res = await fetch('/', { method: 'POST', headers: { ...signed, ...headers }, body, credentials: 'omit', cache: 'no-store' });
  } catch (e) {
    throw new ApiError('NetworkError', `The server did not answer: ${String(e)}`, 0);
  }
  return { res, text: await res.text() };
}

/** The text of the first element named `tag` under `node` (any depth). */
export function first(node: ParentNode, tag: string): string | undefined {
  const el = (node as Element | Document).getElementsByTagName(tag)[0];
  return el?.textContent ?? undefined;
}

/** The direct child element named `tag`. */
export function child(el: Element, tag: string): Element | undefined {
  for (const c of Array.from(el.children)) if (c.localName === tag) return c;
  return undefined;
}

/** The text of a direct child (a path of child names: 'stateReason', 'message'). */
export function text(el: Element, ...path: string[]): string | undefined {
  let cur: Element | undefined = el;
  for (const p of path) cur = cur && child(cur, p);
  return cur?.textContent ?? undefined;
}

/** The <item>s of a direct child list (EC2's `<blockDeviceMapping><item>…`). */
export function items(el: Element | Document, ...path: string[]): Element[] {
  let cur: Element | undefined = el instanceof Document ? el.documentElement : el;
  for (const p of path) cur = cur && child(cur, p);
  return cur ? Array.from(cur.children).filter((c) => c.localName === 'item' || c.localName === 'member') : [];
}

/** EC2's tagSet as a map. */
export function tags(el: Element): Map<string, string> {
  return new Map(items(el, 'tagSet').map((t) => [text(t, 'key') ?? '', text(t, 'value') ?? '']));
}

/** `Prefix.1`, `Prefix.2`, … from a list. */
export function listParams(prefix: string, values: string[]): Params {
  const out: Params = {};
  values.forEach((v, i) => (out[`${prefix}.${i + 1}`] = v));
  return out;
}
