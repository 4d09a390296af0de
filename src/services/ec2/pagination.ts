// EC2 MaxResults/NextToken paging. Tokens (page-tokens.ts) are opaque, bound to the caller and
// the request's filters (a token reused with other filters is refused), valid across restarts,
// and never repeat (botocore aborts when a token comes back twice). Items are paged by a stable
// sort key.
import { ec2Error, invalidParameterCombination, invalidParameterValue } from './ec2-errors.js';
import { decodePageToken, encodePageToken } from '../page-tokens.js';

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

export const encodeToken = encodePageToken;

export function decodeToken(binding: unknown, token: string): string {
  const position = decodePageToken(binding, token);
  if (position === undefined) throw ec2Error('InvalidNextToken', `The token '${token.slice(0, 80)}' is invalid.`);
  return position;
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
