// Calls between nodes: what only the node that runs a VM (or holds a volume open) can do, asked
// by the node that received the request. POST /_imago/cluster/call on the peer's registered URL,
// a JSON body {op, args}, authenticated by an HMAC-SHA256 over the time and the body under a
// key derived from the master key every node shares (a request older or newer than five minutes
// is refused, so a recorded call cannot be replayed later). A handler's ServiceError comes back
// as the same error on the caller, so the client sees what it would from the owner itself.
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import { ServiceError } from '../protocol/service-error.js';
import type { NodeRegistry } from './node-registry.js';

export const CLUSTER_CALL_PATH = '/_imago/cluster/call';
const SKEW_MS = 5 * 60_000;

export type ClusterOp = (args: Record<string, unknown>) => Promise<unknown>;

/** The peer could not be reached or did not answer in time. */
export class PeerUnavailable extends Error {}

function sign(key: Buffer, time: string, node: string, body: Buffer): string {
  return createHmac('sha256', key).update(`${time}\n${node}\n`).update(body).digest('hex');
}

export class ClusterCalls {
  private readonly key: Buffer;
  private readonly ops = new Map<string, ClusterOp>();

  constructor(
    masterKey: Buffer,
    private readonly registry: NodeRegistry,
  ) {
    this.key = Buffer.from(hkdfSync('sha256', masterKey, Buffer.alloc(0), 'imago cluster calls v1', 32));
  }

  register(op: string, handler: ClusterOp): void {
    this.ops.set(op, handler);
  }

  get nodeId(): string {
    return this.registry.nodeId;
  }

  isAlive(nodeId: string): boolean {
    return this.registry.isAlive(nodeId);
  }

  /** Runs `op` on `nodeId` (here when it is this node). */
  async call<T>(nodeId: string, op: string, args: Record<string, unknown>, timeoutMs = 60_000): Promise<T> {
    if (nodeId === this.registry.nodeId) return (await this.local(op, args)) as T;
    let url = this.registry.urlOf(nodeId);
    if (!url) {
      await this.registry.refresh();
      url = this.registry.urlOf(nodeId);
    }
    if (!url) throw new PeerUnavailable(`node ${nodeId} is not registered`);
    const body = Buffer.from(JSON.stringify({ op, args }));
    const time = String(Date.now());
    let res: Response;
    try {
      res = await fetch(new URL(CLUSTER_CALL_PATH, url), {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-imago-node': this.registry.nodeId, 'x-imago-time': time, 'x-imago-signature': sign(this.key, time, this.registry.nodeId, body) },
        body,
        signal: AbortSignal.timeout(timeoutMs),
      });
    } catch (e) {
      throw new PeerUnavailable(`node ${nodeId} (${url}) did not answer: ${(e as Error).message}`);
    }
    const out = (await res.json().catch(() => ({}))) as { result?: unknown; error?: { code: string; message: string; status: number } };
    if (res.status === 200) return out.result as T;
    // 409 carries the handler's own ServiceError; anything else is the peer failing
    if (res.status === 409 && out.error) throw new ServiceError(out.error.code, out.error.message, out.error.status);
    throw new PeerUnavailable(`node ${nodeId} failed ${op}: ${out.error?.message ?? `HTTP ${res.status}`}`);
  }

  private async local(op: string, args: Record<string, unknown>): Promise<unknown> {
    const handler = this.ops.get(op);
    if (!handler) throw new Error(`no cluster operation ${op}`);
    return handler(args);
  }

  /** The server side of a call (the gateway's route). */
  async handle(headers: IncomingHttpHeaders, body: Buffer): Promise<{ status: number; body: unknown }> {
    const time = String(headers['x-imago-time'] ?? '');
    const node = String(headers['x-imago-node'] ?? '');
    const given = Buffer.from(String(headers['x-imago-signature'] ?? ''), 'hex');
    const expected = Buffer.from(sign(this.key, time, node, body), 'hex');
    if (!/^\d+$/.test(time) || Math.abs(Date.now() - Number(time)) > SKEW_MS || given.length !== expected.length || !timingSafeEqual(given, expected)) {
      return { status: 403, body: { error: { code: 'AccessDenied', message: 'not a signed call from a node of this cluster', status: 403 } } };
    }
    let call: { op?: unknown; args?: unknown };
    try {
      call = JSON.parse(body.toString('utf8')) as typeof call;
    } catch {
      return { status: 400, body: { error: { code: 'BadRequest', message: 'malformed call', status: 400 } } };
    }
    const handler = typeof call.op === 'string' ? this.ops.get(call.op) : undefined;
    if (!handler || typeof call.args !== 'object' || call.args === null) return { status: 400, body: { error: { code: 'BadRequest', message: `unknown operation ${String(call.op)}`, status: 400 } } };
    try {
      return { status: 200, body: { result: (await handler(call.args as Record<string, unknown>)) ?? null } };
    } catch (e) {
      if (e instanceof ServiceError) return { status: 409, body: { error: { code: e.code, message: e.message, status: e.httpStatus } } };
      return { status: 500, body: { error: { code: 'InternalError', message: String(e), status: 500 } } };
    }
  }
}
