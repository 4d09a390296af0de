// Imago's API as the guests of the qemu driver reach it: http://169.254.169.252/ inside a VM is a
// guestfwd (compute/qemu/qemu-command.ts) to a unix socket the server listens on with the same
// request handler as its TCP port. It is how software in an instance uses its instance profile's
// credentials against Imago, and nothing else of the host is reachable that way.
//
// A guest is not a local user: in dev mode (no credentials file) the API trusts any signature,
// which must not extend to guests. So in dev mode a guest's request is let through only when it
// carries a session token Imago issued for its access key (STS or instance profile credentials:
// their signature is then verified as always); anything else is refused here with AuthFailure.
// With a credentials file every signature is verified anyway and guests get the API as is.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { chmod, unlink } from 'node:fs/promises';
import type { SessionTokens } from '../iam/session-tokens.js';
import { MAX_HEADER_SIZE, answerClientErrors } from './client-errors.js';

export interface GuestEndpointOptions {
  path: string;
  /** the server verifies no signatures (no credentials file) */
  devMode: boolean;
  sessions: SessionTokens;
  handle(req: IncomingMessage, res: ServerResponse): void;
  now?: () => number;
}

/** The access key and session token of a SigV4 request (header or presigned), if it has both. */
export function sessionOf(req: IncomingMessage): { accessKeyId: string; token: string } | undefined {
  const query = new URL(req.url ?? '/', 'http://guest').searchParams;
  const header = (name: string) => {
    const v = req.headers[name];
    return Array.isArray(v) ? v[0] : v;
  };
  const credential = /Credential=([^/,\s]+)\//.exec(header('authorization') ?? '')?.[1] ?? query.get('X-Amz-Credential')?.split('/')[0];
  const token = header('x-amz-security-token') ?? query.get('X-Amz-Security-Token') ?? undefined;
  return credential && token ? { accessKeyId: credential, token } : undefined;
}

function refuse(res: ServerResponse): void {
  const body =
    '<?xml version="1.0" encoding="UTF-8"?>\n<Response><Errors><Error><Code>AuthFailure</Code><Message>Requests from instances must be signed with temporary credentials Imago issued (an instance profile or STS).</Message></Error></Errors><RequestID>00000000-0000-0000-0000-000000000000</RequestID></Response>';
  res.writeHead(403, { 'Content-Type': 'text/xml', 'Content-Length': Buffer.byteLength(body), Connection: 'close' });
  res.end(body);
}

export async function listenGuestEndpoint(o: GuestEndpointOptions): Promise<Server> {
  const server = createServer({ keepAliveTimeout: 65_000, maxHeaderSize: MAX_HEADER_SIZE }, (req, res) => {
    if (o.devMode) {
      const s = sessionOf(req);
      if (!s || o.sessions.open(s.accessKeyId, s.token, (o.now ?? Date.now)()) === 'invalid') {
        req.resume();
        refuse(res);
        return;
      }
    }
    o.handle(req, res);
  });
  answerClientErrors(server);
  await unlink(o.path).catch(() => undefined);
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(o.path, () => resolve());
  });
  await chmod(o.path, 0o600);
  return server;
}
