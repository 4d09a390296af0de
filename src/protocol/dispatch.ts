// From a decoded request to a response: find the handler, authorize the call, run the handler
// with the request context, and render the result — or the error — in the service's protocol.
import type { CallerIdentity } from '../iam/principal.js';
import type { ServiceModel } from './model.js';
import type { ProtocolAdapter, RawRequest, RawResponse } from './protocol.js';
import { ServiceError, isServiceError } from './service-error.js';

export interface RequestContext {
  requestId: string;
  accountId: string;
  region: string;
  /** the access key the request was signed with */
  accessKeyId: string;
  /** who is calling (gateway/auth.ts); absent only where services are called without the gateway */
  identity?: CallerIdentity;
  service: string;
  operation: string;
  /** EC2 `DryRun=true`: check permissions, then answer DryRunOperation without side effects */
  dryRun: boolean;
}

// Handlers are typed against the generated operation map; `any` here only erases that typing
// at the registry boundary, where inputs arrive already validated against the same model.
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export type Handler<I = any, O = any> = (ctx: RequestContext, input: I) => Promise<O> | O;

export type HandlerMap<Ops> = {
  [K in keyof Ops]?: Ops[K] extends { input: infer I; output: infer O } ? Handler<I, O> : never;
};

export interface ServiceDefinition {
  /** the SigV4 signing name, e.g. `ec2` */
  id: string;
  model: ServiceModel;
  protocol: ProtocolAdapter;
  handlers: Record<string, Handler | undefined>;
  /** error code this service uses for unexpected failures (500) */
  internalErrorCode: string;
  /** wraps every handler call (e.g. EC2's DryRun rule) */
  around?: (ctx: RequestContext, input: Record<string, unknown>, next: () => Promise<unknown>) => Promise<unknown>;
}

export interface DispatchResult {
  response: RawResponse;
  operation?: string;
  error?: ServiceError;
  /** set when the failure was not a ServiceError: log it, never send it */
  internal?: unknown;
  /** the decoded input and the handler's output, for the audit trail */
  input?: Record<string, unknown>;
  output?: unknown;
}

/**
 * The answer to an operation AWS has and Imago does not serve: a 400 (SDKs retry no 4xx of
 * these codes) with each protocol's documented code for a call the service does not offer —
 * EC2 `UnsupportedOperation`, awsQuery `InvalidAction`, JSON protocols `UnknownOperationException`.
 */
export function unservedError(model: ServiceModel, operation: string): ServiceError {
  const code = model.protocol === 'ec2' ? 'UnsupportedOperation' : model.protocol === 'query' ? 'InvalidAction' : 'UnknownOperationException';
  return new ServiceError(code, `The operation ${operation} is part of the AWS ${model.service} API, but Imago does not serve it.`, 400);
}

export type ContextBase = Omit<RequestContext, 'operation' | 'dryRun' | 'service'>;

/** Decides whether the caller may make this call (iam/enforcement/): throws the service's access-denied error. */
export type Authorize = (operation: string, input: Record<string, unknown>) => Promise<void>;

export async function dispatch(def: ServiceDefinition, req: RawRequest, base: ContextBase, authorize?: Authorize): Promise<DispatchResult> {
  let operation: string | undefined;
  let input: Record<string, unknown> | undefined;
  const protocol = def.protocol.forRequest?.(req) ?? def.protocol;
  try {
    operation = protocol.operationOf(req);
    // an operation Imago does not serve is named before its parameters are read: they are not
    // in the generated model, so checking them would only report them as unknown
    const handler = def.handlers[operation];
    if (!handler) throw unservedError(def.model, operation);
    input = protocol.decode(operation, req);
    // before the handler: a request not allowed changes nothing and learns nothing (DryRun included)
    if (authorize) await authorize(operation, input);
    const ctx: RequestContext = { ...base, service: def.id, operation, dryRun: input.DryRun === true };
    const decoded = input;
    const call = async () => handler(ctx, decoded);
    const output = def.around ? await def.around(ctx, input, call) : await call();
    return { response: protocol.encode(operation, output, base.requestId), operation, input, output };
  } catch (e) {
    if (isServiceError(e)) return { response: protocol.encodeError(e, base.requestId), operation, error: e, input };
    const err = new ServiceError(def.internalErrorCode, 'We encountered an internal error. Please try again.', 500);
    return { response: protocol.encodeError(err, base.requestId), operation, error: err, internal: e, input };
  }
}
