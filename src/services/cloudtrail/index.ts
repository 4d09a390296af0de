// CloudTrail over awsJson1.1 (X-Amz-Target CloudTrail_20131101.*): LookupEvents, the event
// history of the audit trail (src/audit/) for the caller's account and region.
import { loadServiceModel } from '../../protocol/model.js';
import { JsonProtocol } from '../../protocol/json-protocol.js';
import type { ServiceDefinition } from '../../protocol/dispatch.js';
import type { AuditEventsRepo } from '../../store/repos/audit-events.js';
import { EventHistory } from './event-history.js';
import { cloudTrailHandlers } from './handlers.js';

/** `pending`: writes the audit events still queued, before a lookup (AuditTrail.committed). */
export function cloudTrailService(deps: { repo: AuditEventsRepo; pending?: () => Promise<void> }): ServiceDefinition {
  const model = loadServiceModel('cloudtrail');
  return {
    id: 'cloudtrail',
    model,
    protocol: new JsonProtocol(model),
    handlers: cloudTrailHandlers(new EventHistory(deps.repo, deps.pending)) as ServiceDefinition['handlers'],
    internalErrorCode: 'InternalServerError',
  };
}
