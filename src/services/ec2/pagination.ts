// EC2 MaxResults/NextToken paging. Tokens are opaque, bound to the caller and the request's
// filters (a token reused with other filters is refused), and never repeat (botocore aborts
// when a token comes back twice). Items are paged by a stable sort key.
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { ec2Error, invalidParameterCombination, invalidParameterValue } from './ec2-errors.js';

// tokens are authenticated, not encrypted: they carry only a position
const SECRET = randomBytes(32);

export interface PageRequest {
  MaxResults?: number;
  NextToken?: string;
}

export interface PageOptions {
  /** identifies the query (caller, operation, filters) a token belongs to */
  binding: unknown;
  /** AWS's bounds for this operation's MaxResults (default 5..1000, larger values clamped) */
  min?: number;
  max?: number;
  /** names the id list for the "cannot be used with maxResults" error, e.g. `imagesSet` */
  idsParameter?: string;
  /** whether explicit ids were given (MaxResults with ids is refused) */
  hasIds?: boolean;
}

function bindingHash(binding: unknown): string {
  return createHash('sha256').update(JSON.stringify(binding)).digest('base64url').slice(0, 16);
}

export function encodeToken(binding: unknown, position: string): string {
  const body = Buffer.from(JSON.stringify({ b: bindingHash(binding), p: position })).toString('base64url');
  const mac = createHmac('sha256', SECRET).update(body).digest('base64url').slice(0, 22);
  return `${body}.${mac}`;
}

export function decodeToken(binding: unknown, token: string): string {
  const [body, mac] = token.split('.');
  const invalid = () => ec2Error('InvalidNextToken', `The token '${token.slice(0, 80)}' is invalid.`);
  if (!body || !mac || createHmac('sha256', SECRET).update(body).digest('base64url').slice(0, 22) !== mac) throw invalid();
  const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { b: string; p: string };
  if (parsed.b !== bindingHash(binding)) throw invalid();
  return parsed.p;
}

/**
 * One page of `items` (already filtered and sorted by `keyOf`, unique keys). Without MaxResults
 * and NextToken: everything, no token.
 */
/** The MaxResults rules alone (for queries that page in SQL): not with ids, at least `min`. */
export function checkPageRequest(req: PageRequest, opts: Omit<PageOptions, 'binding'>): void {
  if (req.MaxResults !== undefined && opts.hasIds) {
    throw invalidParameterCombination(`The parameter ${opts.idsParameter ?? 'ids'} cannot be used with the parameter maxResults`);
  }
  const min = opts.min ?? 5;
  if (req.MaxResults !== undefined && (!Number.isInteger(req.MaxResults) || req.MaxResults < min)) {
    throw invalidParameterValue(`Value ( ${req.MaxResults} ) for parameter maxResults is invalid. Expecting a value greater than ${min - 1}.`);
  }
}

export function paginate<T>(items: readonly T[], keyOf: (item: T) => string, req: PageRequest, opts: PageOptions): { page: T[]; nextToken?: string } {
  checkPageRequest(req, opts);
  const max = opts.max ?? 1000;
  let start = 0;
  if (req.NextToken) {
    const after = decodeToken(opts.binding, req.NextToken);
    start = items.findIndex((item) => keyOf(item) > after);
    if (start < 0) start = items.length;
  }
  if (req.MaxResults === undefined && !req.NextToken) return { page: [...items] };
  const size = Math.min(req.MaxResults ?? max, max);
  const page = items.slice(start, start + size);
  const more = start + size < items.length;
  return { page, nextToken: more ? encodeToken(opts.binding, keyOf(page[page.length - 1])) : undefined };
}
