// The in-process API other services use for the alarms they manage themselves (Auto Scaling's
// target-tracking policies create and delete their alarms through it). It skips IAM — the
// caller has authorized its own operation — but validates exactly as PutMetricAlarm does and
// writes the same history; a ServiceError (ValidationError, LimitExceeded) comes back as from
// the API. Alarms put through it are ordinary alarms: DescribeAlarms lists them, and they are
// evaluated and act (AlarmActions with a scaling policy's ARN) like any other.
import type { Scope } from '../../../store/scope.js';
import type { AlarmState, MetricAlarmDefinition } from './alarm-model.js';

export type { MetricAlarmDefinition, AlarmQuery, AlarmMetric, AlarmDimension } from './alarm-model.js';

export interface ManagedAlarmView {
  name: string;
  arn: string;
  state: AlarmState;
}

export interface AlarmPort {
  /** Creates or replaces the alarm `definition.name` in `scope` (PutMetricAlarm semantics); returns its ARN. */
  putMetricAlarm(scope: Scope, definition: MetricAlarmDefinition): Promise<{ arn: string }>;
  /** Deletes these alarms of `scope`; names that do not exist are skipped. */
  deleteAlarms(scope: Scope, names: readonly string[]): Promise<void>;
  /** The named alarms of `scope` that exist (name, ARN, state). */
  describeAlarms(scope: Scope, names: readonly string[]): Promise<ManagedAlarmView[]>;
  /** The alarms of `scope` with `actionArn` among their actions (any state). */
  alarmsWithAction(scope: Scope, actionArn: string): Promise<ManagedAlarmView[]>;
}
