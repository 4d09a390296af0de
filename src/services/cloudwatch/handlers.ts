// CloudWatch's wire handlers: one map from every area's handlers. Each area maps generated
// request/response types to its own service (metrics/ here; alarms/ by alarm-handlers.ts).
import type { Operations } from '../../api/cloudwatch/types.js';
import type { HandlerMap } from '../../protocol/dispatch.js';
import type { MetricStore } from './metrics/metric-store.js';
import { metricHandlers } from './metrics/metric-handlers.js';
import type { AlarmService } from './alarms/alarm-service.js';
import { alarmHandlers } from './alarms/alarm-handlers.js';

export interface CloudWatchAreas {
  metrics: MetricStore;
  alarms: AlarmService;
}

export function cloudWatchHandlers(areas: CloudWatchAreas): HandlerMap<Operations> {
  return {
    ...metricHandlers(areas.metrics),
    ...alarmHandlers(areas.alarms),
  };
}
