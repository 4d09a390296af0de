// CloudTrail wire handlers: generated request/response types <-> EventHistory.
import type { Operations } from '../../api/cloudtrail/types.js';
import type { HandlerMap } from '../../protocol/dispatch.js';
import type { EventHistory } from './event-history.js';

export function cloudTrailHandlers(history: EventHistory): HandlerMap<Operations> {
  return {
    async LookupEvents(ctx, input) {
      const { events, nextToken } = await history.lookup(ctx, {
        attributes: input.LookupAttributes?.map((a) => ({ key: a.AttributeKey, value: a.AttributeValue })),
        start: input.StartTime,
        end: input.EndTime,
        category: input.EventCategory,
        maxResults: input.MaxResults,
        nextToken: input.NextToken,
      });
      return {
        Events: events.map((e) => ({
          EventId: e.eventId,
          EventName: e.eventName,
          ReadOnly: e.readOnly,
          AccessKeyId: e.accessKeyId,
          EventTime: e.eventTime,
          EventSource: e.eventSource,
          Username: e.username,
          Resources: e.resources.map((r) => ({ ResourceType: r.type, ResourceName: r.name })),
          CloudTrailEvent: e.cloudTrailEvent,
        })),
        NextToken: nextToken,
      };
    },
  };
}
