// Auto Scaling's MaxRecords/NextToken paging: opaque tokens bound to the caller and the query
// (a token from another query is InvalidNextToken), positions by a stable sort key.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { invalidNextToken, checkRange } from './asg-errors.js';

const SECRET = randomBytes(32);

const sign = (body: string) => createHmac('sha256', SECRET).update(body).digest('base64url').slice(0, 22);
const bind = (binding: unknown) => createHash('sha256').update(JSON.stringify(binding)).digest('base64url').slice(0, 16);

export interface PageInput {
  MaxRecords?: number;
  NextToken?: string;
}

/** One page of `items` (sorted by `keyOf`, unique keys ascending). */
export function page<T>(items: readonly T[], keyOf: (item: T) => string, input: PageInput, opts: { binding: unknown; max: number; defaultSize: number }): { items: T[]; nextToken?: string } {
  checkRange('maxRecords', input.MaxRecords, 1, opts.max);
  let start = 0;
  if (input.NextToken) {
    const [body, mac] = input.NextToken.split('.');
    if (!body || !mac || sign(body) !== mac) throw invalidNextToken();
    const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { b: string; p: string };
    if (parsed.b !== bind(opts.binding)) throw invalidNextToken();
    start = items.findIndex((i) => keyOf(i) > parsed.p);
    if (start < 0) start = items.length;
  }
  const size = input.MaxRecords ?? opts.defaultSize;
  const slice = items.slice(start, start + size);
  if (start + size >= items.length) return { items: slice };
  const body = Buffer.from(JSON.stringify({ b: bind(opts.binding), p: keyOf(slice[slice.length - 1]) })).toString('base64url');
  return { items: slice, nextToken: `${body}.${sign(body)}` };
}
