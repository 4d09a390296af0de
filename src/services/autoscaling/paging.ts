// Auto Scaling's MaxRecords/NextToken paging: opaque tokens (page-tokens.ts) bound to the caller
// and the query (a token from another query is InvalidNextToken), positions by a stable sort key.
import { invalidNextToken, checkRange } from './asg-errors.js';
import { decodePageToken, encodePageToken } from '../page-tokens.js';

export interface PageInput {
  MaxRecords?: number;
  NextToken?: string;
}

/** One page of `items` (sorted by `keyOf`, unique keys ascending). */
export function page<T>(items: readonly T[], keyOf: (item: T) => string, input: PageInput, opts: { binding: unknown; max: number; defaultSize: number }): { items: T[]; nextToken?: string } {
  checkRange('maxRecords', input.MaxRecords, 1, opts.max);
  let start = 0;
  if (input.NextToken) {
    const after = decodePageToken(opts.binding, input.NextToken);
    if (after === undefined) throw invalidNextToken();
    start = items.findIndex((i) => keyOf(i) > after);
    if (start < 0) start = items.length;
  }
  const size = input.MaxRecords ?? opts.defaultSize;
  const slice = items.slice(start, start + size);
  if (start + size >= items.length) return { items: slice };
  return { items: slice, nextToken: encodePageToken(opts.binding, keyOf(slice[slice.length - 1])) };
}
