// What the gateway tells the audit trail: once per request, after dispatch (or after an
// authentication failure), with what it knows of the call. `record` never throws and takes
// what it needs before returning (a read's response is not kept); the promise it returns is
// what the answer waits for: a call that may have changed state is answered once its event is
// committed and durable, a read-only one at once (its event follows within a fraction of a
// second). `committed` resolves once every call recorded so far is written, reads included.
import type { DispatchResult, ServiceDefinition } from '../protocol/dispatch.js';
import type { RawRequest } from '../protocol/protocol.js';
import type { ServiceError } from '../protocol/service-error.js';
import type { CallerIdentity } from '../iam/principal.js';

export interface AuditedCall {
  requestId: string;
  def: ServiceDefinition;
  raw: RawRequest;
  sourceIp: string | undefined;
  /** the authenticated caller; absent when authentication failed */
  caller?: { accountId: string; accessKeyId: string; region: string; identity: CallerIdentity };
  /** what dispatch answered */
  result?: DispatchResult;
  /** authentication failed: the signature's access key and region, and the error answered */
  rejected?: { accessKeyId: string; region: string; error: ServiceError };
}

export interface AuditSink {
  record(call: AuditedCall): Promise<void>;
  committed(): Promise<void>;
}
