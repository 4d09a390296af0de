// NextToken for SSM's list calls: the last item's sort key and a digest of the request it
// continues (a token replayed with another request is InvalidNextToken). Tokens only name a
// position within data the caller may read anyway, so they need no secret.
import { createHash } from 'node:crypto';
import { invalidNextToken } from './ssm-errors.js';

function digest(request: unknown): string {
  return createHash('sha256').update(JSON.stringify(request)).digest('base64url').slice(0, 12);
}

export function encodePageToken(request: unknown, after: string): string {
  return Buffer.from(JSON.stringify({ r: digest(request), a: after }), 'utf8').toString('base64url');
}

/** The sort key to continue after (undefined without a token). */
export function decodePageToken(request: unknown, token: string | undefined): string | undefined {
  if (token === undefined) return undefined;
  try {
    const parsed = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as { r?: unknown; a?: unknown };
    if (parsed.r === digest(request) && typeof parsed.a === 'string') return parsed.a;
  } catch {
    /* not ours */
  }
  throw invalidNextToken();
}

/** One page of items sorted by `keyOf`, and the token for the next one. */
export function pageOf<T>(items: readonly T[], keyOf: (item: T) => string, size: number, request: unknown, token: string | undefined): { page: T[]; nextToken?: string } {
  const after = decodePageToken(request, token);
  const start = after === undefined ? 0 : items.findIndex((i) => keyOf(i) > after);
  const from = start < 0 ? items.length : start;
  const page = items.slice(from, from + size);
  return { page, nextToken: from + size < items.length ? encodePageToken(request, keyOf(page[page.length - 1])) : undefined };
}
