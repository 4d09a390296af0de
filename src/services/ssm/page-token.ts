// NextToken for SSM's list calls (page-tokens.ts): the last item's sort key, bound to the request
// it continues (a token replayed with another request is InvalidNextToken).
import { decodePageToken, encodePageToken } from '../page-tokens.js';
import { invalidNextToken } from './ssm-errors.js';

/** The sort key to continue after (undefined without a token). */
function continueAfter(request: unknown, token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  const position = decodePageToken(request, token);
  if (position === undefined) throw invalidNextToken();
  return position;
}

/** One page of items sorted by `keyOf`, and the token for the next one. */
export function pageOf<T>(items: readonly T[], keyOf: (item: T) => string, size: number, request: unknown, token: string | undefined): { page: T[]; nextToken?: string } {
  const after = continueAfter(request, token);
  const start = after === undefined ? 0 : items.findIndex((i) => keyOf(i) > after);
  const from = start < 0 ? items.length : start;
  const page = items.slice(from, from + size);
  return { page, nextToken: from + size < items.length ? encodePageToken(request, keyOf(page[page.length - 1])) : undefined };
}
