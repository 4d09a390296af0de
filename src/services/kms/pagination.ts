// List paging for KMS: Limit bounds (ValidationException outside them) and opaque markers that
// encode the last item's sort key (InvalidMarkerException when they do not decode).
import { constraint, invalidMarker } from './kms-errors.js';

export function pageLimit(limit: number | undefined, max: number, fallback: number): number {
  if (limit === undefined) return fallback;
  if (!Number.isInteger(limit) || limit < 1) throw constraint(limit, 'limit', 'have value greater than or equal to 1');
  if (limit > max) throw constraint(limit, 'limit', `have value less than or equal to ${max}`);
  return limit;
}

export function encodeMarker(parts: string[]): string {
  return Buffer.from(JSON.stringify(parts), 'utf8').toString('base64url');
}

export function decodeMarker(marker: string | undefined, arity: number): string[] | undefined {
  if (marker === undefined) return undefined;
  try {
    const parts: unknown = JSON.parse(Buffer.from(marker, 'base64url').toString('utf8'));
    if (Array.isArray(parts) && parts.length === arity && parts.every((p) => typeof p === 'string')) return parts as string[];
  } catch {
    /* fall through */
  }
  throw invalidMarker();
}

/** Splits `limit + 1` fetched rows into a page and the marker for the next one. */
export function toPage<R, T>(rows: R[], limit: number, map: (r: R) => T, key: (r: R) => string[]): { items: T[]; nextMarker?: string } {
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return { items: page.map(map), ...(more ? { nextMarker: encodeMarker(key(page[page.length - 1])) } : {}) };
}
