// NextToken for every paged listing of every service: opaque, MACed under a key derived from the
// data directory's master key, so a token survives restarts and is valid on every node that
// shares the key; bound to the query it continues (caller, operation, filters: a token replayed
// with another query is refused) and carrying only a position (the last item's sort key).
// Tokens are authenticated, not encrypted: a position names nothing the caller may not list.
//
// The composition root keys the process's tokens once (`keyPageTokens`); until then (unit tests
// that build services directly) a random key is used.
import { createHash, createHmac, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';

export class PageTokens {
  private readonly secret: Buffer;

  constructor(masterKey: Buffer) {
    this.secret = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'imago page tokens v1', 32));
  }

  encode(binding: unknown, position: string): string {
    const body = Buffer.from(JSON.stringify({ b: bindingOf(binding), p: position })).toString('base64url');
    return `${body}.${this.mac(body)}`;
  }

  /** The position a token names, or undefined when it is not one of ours for this query. */
  decode(binding: unknown, token: string): string | undefined {
    const dot = token.indexOf('.');
    if (dot <= 0) return undefined;
    const body = token.slice(0, dot);
    const mac = Buffer.from(token.slice(dot + 1));
    const expected = Buffer.from(this.mac(body));
    if (mac.length !== expected.length || !timingSafeEqual(mac, expected)) return undefined;
    try {
      const parsed = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as { b?: unknown; p?: unknown };
      return parsed.b === bindingOf(binding) && typeof parsed.p === 'string' ? parsed.p : undefined;
    } catch {
      return undefined;
    }
  }

  private mac(body: string): string {
    return createHmac('sha256', this.secret).update(body).digest('base64url').slice(0, 22);
  }
}

function bindingOf(binding: unknown): string {
  return createHash('sha256').update(JSON.stringify(binding)).digest('base64url').slice(0, 16);
}

let tokens = new PageTokens(randomBytes(32));

/** Keys the process's page tokens from the data directory's master key (the composition root, once). */
export function keyPageTokens(masterKey: Buffer): void {
  tokens = new PageTokens(masterKey);
}

export const encodePageToken = (binding: unknown, position: string): string => tokens.encode(binding, position);

export const decodePageToken = (binding: unknown, token: string): string | undefined => tokens.decode(binding, token);
