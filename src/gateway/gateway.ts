// The HTTP front door: request id, body limit, authentication, routing to a service, one log
// line per request. No stack trace or internal detail ever reaches a client.
import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { dispatch, type Authorize, type ServiceDefinition } from '../protocol/dispatch.js';
import type { Enforcer } from '../iam/enforcement/enforcer.js';
import type { RawRequest, RawResponse } from '../protocol/protocol.js';
import { ServiceError } from '../protocol/service-error.js';
import { SigV4Failure, parseSignature, type ParsedSignature, type SigV4Request } from '../protocol/sigv4.js';
import { parseFormString } from '../protocol/form.js';
import type { Logger } from '../logger.js';
import type { Authenticator, Caller } from './auth.js';
import { authError } from './auth-errors.js';
import { BodyTooLarge, InvalidEncoding, discardBody, inflateBody, readBody } from './body.js';
import { BODY_LIMITS, MAX_BODY, guessService } from './routing.js';
import { handleAdmin, isAdminPath, type AdminDeps } from './admin.js';
import type { AuditSink } from '../audit/audit-sink.js';
import { isConsolePath, type ConsoleAssets } from './console.js';

const EMPTY = Buffer.alloc(0);

export interface GatewayDeps {
  services: Map<string, ServiceDefinition>;
  auth: Authenticator;
  admin: AdminDeps;
  log: Logger;
  /** resolves once everything committed so far survives a power loss: awaited before every response */
  durable?: () => Promise<void>;
  /** IAM policies on every call of a user or role session (iam/enforcement/) */
  enforcer?: Enforcer;
  /** the audit trail: told of every call that got past the signature's parsing, once */
  audit?: AuditSink;
  /** operator metrics (src/metrics/operator-metrics.ts): one observation per request */
  metrics?: RequestMetrics;
  /** the web console's static assets under /console/ */
  console?: ConsoleAssets;
  now?: () => number;
}

/** What the gateway tells the operator metrics. */
export interface RequestMetrics {
  request(service: string, action: string | undefined, status: number, seconds: number, error?: string): void;
  authFailure(service: string, reason: string): void;
}

/** the request's log line (a type, not an interface: the logger takes it as a record) */
type LogFields = {
  requestId: string;
  service?: string;
  action?: string;
  account?: string;
  region?: string;
  status?: number;
  error?: string;
  ms?: number;
};

export class Gateway {
  private readonly now: () => number;

  constructor(private readonly deps: GatewayDeps) {
    this.now = deps.now ?? Date.now;
  }

  readonly handle = (req: IncomingMessage, res: ServerResponse): void => {
    const started = performance.now();
    answers.expect();
    const fields: LogFields = { requestId: randomUUID() };
    const audited: { event?: Promise<void> } = {};
    void this.respond(req, res, fields, audited, started);
  };

  private async respond(req: IncomingMessage, res: ServerResponse, fields: LogFields, audited: { event?: Promise<void> }, started: number): Promise<void> {
    let response: RawResponse;
    try {
      response = await this.process(req, fields, audited);
      // nothing is acknowledged (nor shown: a reader may see another request's commit) before it is durable
      if (audited.event) await audited.event; // a mutating call's audit event, committed and synced (a read's: at once)
      if (this.deps.durable) await this.deps.durable();
    } catch (e) {
      // last resort: something outside dispatch failed; never leak it
      this.deps.log.error('unhandled gateway failure', { requestId: fields.requestId, err: describe(e) });
      response = { status: 500, headers: { 'content-type': 'text/plain' }, body: 'Internal error' };
    }
    fields.status = response.status;
    answers.add(() => this.finish(res, response, fields, started));
  }

  /** Writes the answer, then its metrics and log line. */
  private finish(res: ServerResponse, response: RawResponse, fields: LogFields, started: number): void {
    send(res, response, fields.requestId);
    const elapsed = performance.now() - started;
    this.deps.metrics?.request(fields.service ?? 'unknown', fields.action, response.status, elapsed / 1000, fields.error);
    // the request's own fields object is the log line's (it is not used after this)
    if (this.deps.log.enabled('info')) {
      fields.ms = Math.round(elapsed * 100) / 100;
      this.deps.log.info('request', fields);
    }
  }

  /** The enforcement of the caller's policies on each call (none for account roots). */
  private authorizer(service: string, caller: Caller, sourceIp: string | undefined): Authorize | undefined {
    const enforcer = this.deps.enforcer;
    if (!enforcer || caller.identity.kind === 'root') return undefined;
    return (operation, input) => enforcer.authorize({ identity: caller.identity, service, operation, input, region: caller.region, sourceIp, now: new Date(this.now()) });
  }

  /** Admin endpoints: anyone in dev mode; with a credentials file, a signed admin principal. */
  private async adminCaller(method: string, path: string, rawQuery: string, rawHeaders: string[], body: Buffer): Promise<{ admin: boolean; authError?: string; reason?: string }> {
    if (!this.deps.auth.verifying) return { admin: true };
    const sigReq: SigV4Request = { method, path, rawQuery, rawHeaders, body };
    try {
      const sig = parseSignature(sigReq);
      if (!sig) return { admin: false, authError: 'the request is not signed', reason: 'missing' };
      const caller = await this.deps.auth.authenticate(sigReq, sig, this.now());
      return caller.admin ? { admin: true } : { admin: false, authError: `access key ${caller.accessKeyId} is not an Imago admin (imago_admin = true)`, reason: 'not-admin' };
    } catch (e) {
      return { admin: false, authError: e instanceof SigV4Failure ? e.message : 'authentication failed', reason: e instanceof SigV4Failure ? e.kind : 'error' };
    }
  }

  private async process(req: IncomingMessage, fields: LogFields, audited: { event?: Promise<void> }): Promise<RawResponse> {
    const url = req.url ?? '/';
    const q = url.indexOf('?');
    const path = q < 0 ? url : url.slice(0, q);
    const rawQuery = q < 0 ? '' : url.slice(q + 1);
    const method = req.method ?? 'GET';
    if (this.deps.console && isConsolePath(path)) {
      fields.service = 'console';
      fields.action = path;
      const header = (name: string) => String(req.headers[name] ?? '');
      return this.deps.console.handle(method, path, header('accept-encoding'), header('if-none-match'));
    }
    if (isAdminPath(path)) {
      fields.service = 'admin';
      fields.action = path;
      const body = await readBody(req, 64 * 1024).catch(() => EMPTY);
      const { reason, ...caller } = await this.adminCaller(method, path, rawQuery, req.rawHeaders, body);
      const response = await handleAdmin({ method, path, query: new URLSearchParams(rawQuery), body, headers: req.headers, ...caller }, this.deps.admin);
      if (response.status === 403 && !caller.admin) this.deps.metrics?.authFailure('admin', reason ?? 'not-admin');
      return response;
    }

    const sigReq: SigV4Request = { method, path, rawQuery, rawHeaders: req.rawHeaders, body: EMPTY };
    let sig: ParsedSignature | undefined;
    let sigFailure: SigV4Failure | undefined;
    try {
      sig = parseSignature(sigReq);
    } catch (e) {
      if (!(e instanceof SigV4Failure)) throw e;
      sigFailure = e;
    }

    const scoped = sig ? this.deps.services.get(sig.credential.service) : undefined;
    let def = scoped ?? this.deps.services.get(guessService(path, req.headers))!;
    let body: Buffer;
    try {
      body = await readBody(req, scoped ? BODY_LIMITS[def.model.protocol] : MAX_BODY);
    } catch (e) {
      if (!(e instanceof BodyTooLarge)) throw e;
      fields.service = def.id;
      const err = new ServiceError(
        'RequestEntityTooLarge',
        `The request body${e.size ? ` (${e.size} bytes)` : ''} exceeds the limit of ${e.limit} bytes for this service.`,
        413,
      );
      const response = def.protocol.encodeError(err, fields.requestId);
      if (!discardBody(req, e.size)) response.headers.connection = 'close';
      fields.error = err.code;
      return response;
    }
    if (!scoped) def = this.deps.services.get(guessService(path, req.headers, body))!;
    fields.service = def.id;
    sigReq.body = body;

    const raw: RawRequest = {
      method,
      path,
      query: rawQuery ? safeQuery(rawQuery) : [],
      headers: lowerHeaders(req),
      body,
    };

    const fail = (err: ServiceError): RawResponse => {
      fields.error = err.code;
      return (def.protocol.forRequest?.(raw) ?? def.protocol).encodeError(err, fields.requestId);
    };

    const refused = (reason: string, err: ServiceError): RawResponse => {
      this.deps.metrics?.authFailure(def.id, reason);
      return fail(err);
    };
    if (sigFailure) return refused(sigFailure.kind, authError(def.model.protocol, sigFailure.kind, sigFailure.message));
    if (!sig) return refused('missing', authError(def.model.protocol, 'missing', 'Request is missing Authentication Token'));
    if (!scoped) {
      return refused('wrong-service', authError(def.model.protocol, 'bad-signature', `Credential should be scoped to correct service: '${def.id}'.`));
    }
    let caller;
    try {
      caller = await this.deps.auth.authenticate(sigReq, sig, this.now());
    } catch (e) {
      if (!(e instanceof SigV4Failure)) throw e;
      const err = authError(def.model.protocol, e.kind, e.message);
      audited.event = this.deps.audit?.record({ requestId: fields.requestId, def, raw, sourceIp: req.socket.remoteAddress, rejected: { accessKeyId: sig.credential.accessKeyId, region: sig.credential.region, error: err } });
      return refused(e.kind, err);
    }
    fields.account = caller.accountId;
    fields.region = caller.region;
    try {
      raw.body = inflateBody(raw.headers['content-encoding'], body, BODY_LIMITS[def.model.protocol]);
    } catch (e) {
      if (e instanceof BodyTooLarge) return fail(new ServiceError('RequestEntityTooLarge', `The request body exceeds the limit of ${e.limit} bytes for this service once decompressed.`, 413));
      if (e instanceof InvalidEncoding) return fail(new ServiceError('SerializationException', e.message, 400));
      throw e;
    }

    let result;
    try {
      result = await dispatch(def, raw, {
        requestId: fields.requestId,
        accountId: caller.accountId,
        region: caller.region,
        accessKeyId: caller.accessKeyId,
        identity: caller.identity,
      }, this.authorizer(def.id, caller, req.socket.remoteAddress));
    } catch (e) {
      if (e instanceof ServiceError) return fail(e);
      throw e;
    }
    fields.action = result.operation;
    audited.event = this.deps.audit?.record({ requestId: fields.requestId, def, raw, sourceIp: req.socket.remoteAddress, caller, result });
    if (result.error) fields.error = result.error.code;
    if (result.internal !== undefined) {
      this.deps.log.error('internal error', { requestId: fields.requestId, service: def.id, action: result.operation, err: describe(result.internal) });
    }
    return result.response;
  }
}

function safeQuery(rawQuery: string): [string, string][] {
  try {
    return parseFormString(rawQuery);
  } catch {
    return [];
  }
}

function lowerHeaders(req: IncomingMessage): Record<string, string> {
  const out: Record<string, string> = {};
  const headers = req.headers;
  for (const k in headers) {
    const v = headers[k];
    if (v !== undefined) out[k] = Array.isArray(v) ? v.join(',') : v;
  }
  return out;
}

/**
 * The answers ready in one turn of the event loop, written together at its end (setImmediate,
 * after the poll phase that read their requests). Each answer is still one write of its own
 * socket, with the same bytes; what changes is that they go out back to back instead of one
 * per request, ~150 µs apart: each write to a loopback socket whose reader sleeps pays the
 * reader's wake-up (in a VM, an inter-processor interrupt), and answers written back to back
 * share it. A request whose answer waits for I/O (a commit's sync) is written at the end of the
 * turn that finishes it. The flush is scheduled when a request arrives, before anything its
 * handling schedules (the audit trail builds a read's event after its answer went out).
 */
class AnswerBatch {
  private pending: (() => void)[] = [];
  private scheduled = false;
  private readonly flush = (): void => {
    this.scheduled = false;
    // answers added while flushing (none today: writing is synchronous) go in the next turn
    const pending = this.pending;
    this.pending = [];
    for (const write of pending) {
      try {
        write();
      } catch (e) {
        // as uncaught as it was before answers were batched, but the others still go out
        queueMicrotask(() => {
          throw e;
        });
      }
    }
  };

  /** A request arrived: its answer may be ready by the end of this turn. */
  expect(): void {
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.flush);
    }
  }

  add(write: () => void): void {
    this.pending.push(write);
    this.expect();
  }
}

const answers = new AnswerBatch();

/** Any character outside ASCII: node writes a header block beside a string body in the body's encoding. */
const NON_ASCII = /[^\x00-\x7f]/;

function send(res: ServerResponse, response: RawResponse, requestId: string): void {
  if (res.headersSent || res.destroyed) return;
  let body = response.body;
  const headers: Record<string, string | number> = { 'x-amzn-requestid': requestId };
  let ascii = true;
  for (const k in response.headers) {
    const v = response.headers[k];
    headers[k] = v;
    if (ascii && NON_ASCII.test(v)) ascii = false;
  }
  // a text body goes to the socket as it is (node encodes it once, with the header block in
  // front); headers that are not all ASCII keep the Buffer path, which writes them as latin1
  if (typeof body === 'string' && !ascii) body = Buffer.from(body);
  const length = typeof body === 'string' ? Buffer.byteLength(body) : body.length;
  headers['content-length'] = length;
  try {
    res.writeHead(response.status, headers);
  } catch {
    // a header value node refuses (a control character echoed from input): an unhandled throw
    // here would take the process down; the answer goes without the extra headers instead
    res.removeHeader('content-length');
    res.writeHead(response.status, { 'x-amzn-requestid': requestId, 'content-type': response.headers['content-type'] ?? 'text/plain', 'content-length': length });
  }
  res.end(body);
}

function describe(e: unknown): string {
  return e instanceof Error ? (e.stack ?? e.message) : String(e);
}
