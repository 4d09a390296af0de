// One call -> one CloudTrail record (the JSON LookupEvents returns as CloudTrailEvent) and the
// columns it is looked up by. Which calls are read-only (Describe*, Get*, List*, Lookup*) and
// which are data events (the EBS direct APIs' block calls: CloudTrail logs them as data events,
// which event history — LookupEvents — does not return) is decided here, in one place.
import { randomUUID } from 'node:crypto';
import type { CallerIdentity } from '../iam/principal.js';
import type { AuditEventRow, AuditResourceRow } from '../store/repos/audit-events.js';
import type { AuditedCall } from './audit-sink.js';
import { requestParameters, responseElements } from './cloudtrail-shape.js';
import { findResources } from './audit-resources.js';

export const EVENT_VERSION = '1.09';

/** Responses larger than this (JSON bytes) are left out of the record (a RunInstances of hundreds). */
const MAX_RESPONSE_ELEMENTS = 100 * 1024;

/** EBS direct APIs over blocks: data events. */
const DATA_EVENTS: Record<string, ReadonlySet<string>> = {
  ebs: new Set(['PutSnapshotBlock', 'GetSnapshotBlock', 'ListSnapshotBlocks', 'ListChangedBlocks']),
  // CloudTrail's AWS::CloudWatch::Metric data events
  cloudwatch: new Set(['PutMetricData', 'GetMetricData', 'GetMetricStatistics', 'ListMetrics']),
};

/** eventSource where it is not `<service id>.amazonaws.com` */
const EVENT_SOURCE: Record<string, string> = { cloudwatch: 'monitoring.amazonaws.com' };

/** IAM is global: its events are in us-east-1's history, as CloudTrail keeps them. */
const GLOBAL_SERVICE_REGION: Record<string, string> = { iam: 'us-east-1' };

export const isReadOnly = (operation: string) => /^(Describe|Get|List|Lookup)[A-Z]/.test(operation);

export interface BuiltEvent {
  row: AuditEventRow;
  resources: AuditResourceRow[];
}

/** LookupEvents' Username: `root`, the IAM user's name, or the role session's name. */
export function usernameOf(id: CallerIdentity): string {
  if (id.kind === 'root') return 'root';
  if (id.kind === 'user') return id.userName ?? id.arn.slice(id.arn.lastIndexOf('/') + 1);
  return id.arn.slice(id.arn.lastIndexOf('/') + 1);
}

function userIdentity(id: CallerIdentity): Record<string, unknown> {
  const common = { principalId: id.userId, arn: id.arn, accountId: id.accountId, accessKeyId: id.accessKeyId };
  if (id.kind === 'root') return { type: 'Root', ...common };
  if (id.kind === 'user') return { type: 'IAMUser', ...common, userName: usernameOf(id) };
  const roleArn = id.roleArn ?? '';
  return {
    type: 'AssumedRole',
    ...common,
    sessionContext: {
      sessionIssuer: { type: 'Role', principalId: id.userId.split(':')[0], arn: roleArn, accountId: id.accountId, userName: roleArn.slice(roleArn.lastIndexOf('/') + 1) },
      ...(id.sourceIdentity ? { sourceIdentity: id.sourceIdentity } : {}),
    },
  };
}

/**
 * What the record of a call needs, taken when it is told (`record` keeps nothing else of the
 * request: a block payload, a response body are not held while the event waits for its round).
 */
export interface CapturedCall {
  requestId: string;
  def: AuditedCall['def'];
  operation: string;
  readOnly: boolean;
  /** the caller's region (or the rejected signature's) */
  region: string | undefined;
  sourceIp: string | undefined;
  userAgent: string;
  error?: { code: string; message: string };
  input?: Record<string, unknown>;
  /** the handler's output, for a call that changed state and succeeded (responseElements) */
  output?: unknown;
}

export function captureCall(call: AuditedCall): CapturedCall {
  const { result, rejected } = call;
  const operation = result?.operation ?? operationOf(call) ?? 'Unknown';
  const readOnly = isReadOnly(operation);
  const error = result?.error ?? rejected?.error;
  return {
    requestId: call.requestId,
    def: call.def,
    operation,
    readOnly,
    region: call.caller?.region ?? rejected?.region,
    sourceIp: call.sourceIp,
    userAgent: call.raw.headers['user-agent'] ?? '',
    error: error && { code: error.code, message: error.message },
    input: result?.input,
    output: !readOnly && !error ? result?.output : undefined,
  };
}

/** `,"key":value` as JSON.stringify writes a member (nothing for undefined) */
const member = (key: string, value: unknown): string => (value === undefined ? '' : `,"${key}":${JSON.stringify(value)}`);

/** eventTime of the last second seen (records of one round share it) */
let lastSecond = NaN;
let lastSecondText = '';

/** CloudTrail's eventTime: ISO-8601 to the second. */
function eventTimeOf(ms: number): string {
  const second = Math.floor(ms / 1000);
  if (second !== lastSecond) [lastSecond, lastSecondText] = [second, new Date(second * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z')];
  return lastSecondText;
}

/**
 * The record of `call` by `identity`; `now` is the event time (ms). The event's JSON is written
 * member by member, in CloudTrail's order, as JSON.stringify of the whole record would write it
 * (the response serialised once: its size decides whether it is kept).
 */
export function buildEvent(call: CapturedCall, identity: CallerIdentity, now: number, eventId: string): BuiltEvent {
  const { def, operation, readOnly, error, input, output } = call;
  const service = def.id;
  const region = GLOBAL_SERVICE_REGION[service] ?? call.region ?? 'us-east-1';
  const data = DATA_EVENTS[service]?.has(operation) ?? false;
  const eventSource = EVENT_SOURCE[service] ?? `${service}.amazonaws.com`;
  const accountId = identity.accountId;
  const found = findResources(service, accountId, region, output === undefined ? [input] : [input, output]);

  const response = output === undefined ? null : responseElements(def.model, operation, output, call.requestId);
  let responseJson = response ? JSON.stringify(response) : 'null';
  let omitted = '';
  if (response) {
    const size = Buffer.byteLength(responseJson);
    if (size > MAX_RESPONSE_ELEMENTS) [responseJson, omitted] = ['null', `,"additionalEventData":{"responseElementsOmitted":true,"responseElementsBytes":${size}}`];
  }
  const event =
    `{"eventVersion":"${EVENT_VERSION}"` +
    member('userIdentity', userIdentity(identity)) +
    member('eventTime', eventTimeOf(now)) +
    member('eventSource', eventSource) +
    member('eventName', operation) +
    member('awsRegion', region) +
    member('sourceIPAddress', call.sourceIp ?? '') +
    member('userAgent', call.userAgent) +
    (error ? member('errorCode', error.code) + member('errorMessage', error.message) : '') +
    member('requestParameters', requestParameters(def.model, operation, input)) +
    `,"responseElements":${responseJson}${omitted}` +
    member('requestID', call.requestId) +
    member('eventID', eventId) +
    `,"readOnly":${readOnly}` +
    (found.length ? member('resources', found.map((r) => ({ accountId, type: r.type, ARN: r.arn }))) : '') +
    `,"eventType":"AwsApiCall","managementEvent":${!data}` +
    member('recipientAccountId', accountId) +
    `,"eventCategory":"${data ? 'Data' : 'Management'}"}`;
  const management = data ? 0 : 1;
  return {
    row: {
      event_id: eventId,
      account_id: accountId,
      region,
      management,
      event_time: now,
      event_source: eventSource,
      event_name: operation,
      read_only: readOnly ? 1 : 0,
      username: usernameOf(identity),
      principal_arn: identity.arn,
      access_key_id: identity.accessKeyId,
      error_code: error?.code ?? null,
      resources: found.length ? JSON.stringify(found.map((r) => ({ type: r.type, name: r.name }))) : '[]',
      event,
    },
    resources: found.map((r) => ({ event_id: eventId, account_id: accountId, region, management, resource_type: r.type, resource_name: r.name, event_time: now })),
  };
}

/**
 * An event id: a UUID (CloudTrail's form) whose first 48 bits are the time in ms (RFC 9562's
 * version 7), so each round's ids land at the right edge of the event_id index and of the
 * resources' primary key instead of a random page each.
 */
export function eventIdAt(ms: number): string {
  const t = Math.max(0, Math.min(Math.floor(ms), 2 ** 48 - 1)).toString(16).padStart(12, '0');
  const random = randomUUID(); // xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx (node keeps a pool of random bytes for it)
  return `${t.slice(0, 8)}-${t.slice(8)}-7${random.slice(15)}`;
}

/** The operation of a request that failed authentication, if its envelope names one. */
function operationOf(call: AuditedCall): string | undefined {
  try {
    return call.def.protocol.operationOf(call.raw);
  } catch {
    return undefined;
  }
}
