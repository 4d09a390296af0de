// What the instance metadata service answers, sockets aside (metadata-service.ts owns those):
// one request and the instance's state of the moment in, status, headers and body out.
// Behaviour from the EC2 User Guide (instancedata-data-retrieval, instance-metadata-v2-how-it-
// works, instancedata-data-categories, instance-identity-documents):
//
//   endpoint disabled                       403 to everything ("the IMDS is turned off")
//   PUT /latest/api/token                   200 + token, X-aws-ec2-metadata-token-ttl-seconds
//     ttl header missing, not 1..21600      400 ("the PUT request is not valid")
//     with X-Forwarded-For                  403 (PUTs carrying it "are rejected": not allowed)
//     any other path (/2021-03-23/api/token) 403 (documented for versioned token paths)
//   GET/HEAD with a token that is invalid   401, whatever HttpTokens says
//     (forged, expired, another instance's)
//   GET/HEAD without a token, tokens required 401
//   GET/HEAD with a valid token             its remaining seconds in X-aws-ec2-metadata-token-ttl-seconds
//   other methods                           405, Allow: GET, HEAD, PUT
//   missing resource                        404 with EC2's XHTML error page
//   values and listings                     text/plain, listings one item a line, subdirectories with a `/`
import type { IncomingHttpHeaders } from 'node:http';
import { lookup, withoutCategory, type InstanceMetadata } from '../instance-metadata.js';
import type { IdentitySignatures } from './identity-signer.js';
import { renderIdentityDocument } from './identity-document.js';
import { MAX_TTL_SECONDS, MIN_TTL_SECONDS, type ImdsTokens } from './imds-token.js';
import type { ImdsOptions, ImdsSource } from './imds-source.js';

export const TOKEN_HEADER = 'X-aws-ec2-metadata-token';
export const TTL_HEADER = 'X-aws-ec2-metadata-token-ttl-seconds';

/**
 * The metadata versions `/` lists: those the User Guide's example lists, those its categories
 * table names as release versions, and those cloud-init asks for. Any other well-formed date is
 * served too (as the latest tree): guests probe versions and must not fail on a newer one.
 */
export const VERSIONS = [
  '1.0', '2007-01-19', '2007-03-01', '2007-08-29', '2007-10-10', '2007-12-15', '2008-02-01', '2008-09-01',
  '2009-04-04', '2011-01-01', '2011-05-01', '2012-01-12', '2014-02-25', '2014-11-05', '2015-10-20', '2016-04-19',
  '2016-06-30', '2016-09-02', '2016-11-15', '2016-11-30', '2018-05-23', '2018-08-17', '2018-09-24', '2018-11-29',
  '2019-10-01', '2020-08-24', '2020-10-27', '2020-11-01', '2021-01-03', '2021-03-23', '2021-07-15', 'latest',
];

/** dynamic/instance-identity/, in the order EC2 lists it (less dsa2048, which we do not make). */
const IDENTITY_ENTRIES = ['rsa2048', 'pkcs7', 'document', 'signature'] as const;

export interface ImdsRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
}

export interface ImdsReply {
  status: number;
  headers: Record<string, string>;
  body: string | Buffer;
}

export interface ImdsContext {
  instanceId: string;
  options: ImdsOptions;
  /** the tree, fetched once for the request however often asked */
  metadata(): Promise<InstanceMetadata>;
  iam?: ImdsSource['iam'];
  tokens: ImdsTokens;
  signatures(document: string): IdentitySignatures;
  now: number;
}

export async function answer(req: ImdsRequest, ctx: ImdsContext): Promise<ImdsReply> {
  if (ctx.options.httpEndpoint !== 'enabled') return failure(403);
  const path = segments(req.url);
  if (req.method === 'PUT') return path ? issueToken(path, req.headers, ctx) : failure(403);
  if (req.method !== 'GET' && req.method !== 'HEAD') return failure(405, { Allow: 'GET, HEAD, PUT' });
  const token = req.headers[TOKEN_HEADER.toLowerCase()];
  let session: Record<string, string> = {};
  if (token !== undefined) {
    const left = ctx.tokens.remainingMs(ctx.instanceId, String(token), ctx.now);
    if (left === undefined) return failure(401);
    session = { [TTL_HEADER]: String(Math.ceil(left / 1000)) };
  } else if (ctx.options.httpTokens === 'required') return failure(401);
  const reply = path ? await resource(path, ctx, token !== undefined) : failure(404);
  return { ...reply, headers: { ...reply.headers, ...session } };
}

function issueToken(path: string[], headers: IncomingHttpHeaders, ctx: ImdsContext): ImdsReply {
  if (headers['x-forwarded-for'] !== undefined) return failure(403);
  if (path.join('/') !== 'latest/api/token') return failure(403);
  const ttl = headers[TTL_HEADER.toLowerCase()];
  if (typeof ttl !== 'string' || !/^\d{1,5}$/.test(ttl)) return failure(400);
  const seconds = Number(ttl);
  if (seconds < MIN_TTL_SECONDS || seconds > MAX_TTL_SECONDS) return failure(400);
  return text(ctx.tokens.issue(ctx.instanceId, seconds, ctx.now), { [TTL_HEADER]: String(seconds) });
}

async function resource(path: string[], ctx: ImdsContext, tokenUsed: boolean): Promise<ImdsReply> {
  if (path.length === 0) return text(VERSIONS.join('\n'));
  const [version, category, ...rest] = path;
  if (!/^(latest|1\.0|\d{4}-\d{2}-\d{2})$/.test(version)) return failure(404);
  switch (category) {
    case undefined:
      return text(['dynamic', 'meta-data', ...((await ctx.metadata()).userData ? ['user-data'] : [])].join('\n'));
    case 'meta-data':
      return metaData(rest, ctx, tokenUsed);
    case 'user-data': {
      const userData = rest.length ? undefined : (await ctx.metadata()).userData;
      return userData ? { status: 200, headers: { 'Content-Type': 'application/octet-stream' }, body: userData } : failure(404);
    }
    case 'dynamic':
      return dynamic(rest, ctx);
    case 'api':
      return rest.join('/') === 'token' ? failure(405, { Allow: 'PUT' }) : failure(404);
    default:
      return failure(404);
  }
}

async function metaData(rest: string[], ctx: ImdsContext, tokenUsed: boolean): Promise<ImdsReply> {
  if (rest[0] === 'iam') {
    const value = await ctx.iam?.(rest.slice(1).join('/'), { tokenUsed });
    return value === undefined ? failure(404) : text(value);
  }
  let md = await ctx.metadata();
  // The tree already omits tags when they are not allowed; the options can change after it was built.
  if (ctx.options.instanceMetadataTags !== 'enabled') md = withoutCategory(md, 'tags');
  let value = lookup(md, rest.join('/'));
  if (rest.length === 0 && ctx.iam && (await ctx.iam('', { tokenUsed })) !== undefined) {
    value = [...(value ? value.split('\n') : []), 'iam/'].sort().join('\n');
  }
  return value === undefined ? failure(404) : text(value);
}

async function dynamic(rest: string[], ctx: ImdsContext): Promise<ImdsReply> {
  if (rest.length === 0) return text('instance-identity/');
  if (rest[0] !== 'instance-identity' || rest.length > 2) return failure(404);
  if (rest.length === 1) return text(IDENTITY_ENTRIES.join('\n'));
  const entry = IDENTITY_ENTRIES.find((e) => e === rest[1]);
  if (!entry) return failure(404);
  const document = renderIdentityDocument((await ctx.metadata()).identityDocument);
  return text(entry === 'document' ? document : ctx.signatures(document)[entry]);
}

/** The path's segments, percent-decoded, empty ones dropped; undefined when it cannot be decoded. */
function segments(url: string): string[] | undefined {
  let path = url;
  if (!path.startsWith('/')) {
    // absolute-form (a guest's proxy-style request)
    try {
      path = new URL(path).pathname;
    } catch {
      return undefined;
    }
  }
  try {
    return path.split(/[?#]/, 1)[0].split('/').filter(Boolean).map(decodeURIComponent);
  } catch {
    return undefined;
  }
}

const text = (body: string, headers: Record<string, string> = {}): ImdsReply => ({ status: 200, headers: { 'Content-Type': 'text/plain', ...headers }, body });

const REASONS: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  429: 'Too Many Requests',
  500: 'Internal Server Error',
};

/** An error as EC2's metadata service words it: a small XHTML page titled "<code> - <reason>". */
export function failure(status: number, headers: Record<string, string> = {}): ImdsReply {
  const title = `${status} - ${REASONS[status] ?? 'Error'}`;
  const body = `<?xml version="1.0" encoding="iso-8859-1"?>
<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN"
         "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd">
<html xmlns="http://www.w3.org/1999/xhtml" xml:lang="en" lang="en">
 <head>
  <title>${title}</title>
 </head>
 <body>
  <h1>${title}</h1>
 </body>
</html>
`;
  return { status, headers: { 'Content-Type': 'text/html', ...headers }, body };
}
