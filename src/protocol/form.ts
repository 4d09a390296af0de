// application/x-www-form-urlencoded parsing that fails loudly (and politely) on bad
// percent-encoding instead of guessing, memoised per body buffer.
import { isUtf8 } from 'node:buffer';
import { ServiceError } from './service-error.js';

const cache = new WeakMap<Buffer, [string, string][]>();

function decode(s: string): string {
  const plus = s.includes('+') ? s.replace(/\+/g, ' ') : s;
  if (!plus.includes('%')) return plus;
  try {
    return decodeURIComponent(plus);
  } catch {
    throw new ServiceError('MalformedQueryString', `The query string contains a malformed percent-encoding: ${JSON.stringify(s.slice(0, 64))}`, 400);
  }
}

export function parseFormString(text: string): [string, string][] {
  const out: [string, string][] = [];
  if (!text) return out;
  for (const pair of text.split('&')) {
    if (!pair) continue;
    const eq = pair.indexOf('=');
    const k = decode(eq < 0 ? pair : pair.slice(0, eq));
    const v = eq < 0 ? '' : decode(pair.slice(eq + 1));
    out.push([k, v]);
  }
  return out;
}

export function formParams(body: Buffer): [string, string][] {
  let params = cache.get(body);
  if (!params) {
    // bytes that are not UTF-8 would become U+FFFD and quietly change a value: refused instead
    if (!isUtf8(body)) throw new ServiceError('MalformedQueryString', 'The request body is not valid UTF-8.', 400);
    params = parseFormString(body.toString('utf8'));
    cache.set(body, params);
  }
  return params;
}
