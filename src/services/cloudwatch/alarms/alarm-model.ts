// A metric or composite alarm as the alarm service keeps it: the definition PutMetricAlarm /
// PutCompositeAlarm take (domain names, no wire shapes) and the state evaluation moves.
import type { AlarmState, StaticOperator, TreatMissingData } from './alarm-evaluation.js';
import type { Dimension as AlarmDimension, MetricIdentity as AlarmMetric } from '../metrics/metric-store.js';

export type { AlarmState } from './alarm-evaluation.js';

/** a metric as the metric store names it (namespace, name, the exact dimension set) */
export type { Dimension as AlarmDimension, MetricIdentity as AlarmMetric } from '../metrics/metric-store.js';

/** One of a metric-math alarm's Metrics[] (MetricDataQuery). */
export interface AlarmQuery {
  id: string;
  metricStat?: { metric: AlarmMetric; period: number; stat: string; unit?: string };
  expression?: string;
  label?: string;
  /** exactly one query of an alarm returns data: the one compared with the threshold */
  returnData?: boolean;
  period?: number;
  accountId?: string;
}

/** What metric and composite alarms both have. */
export interface AlarmCommon {
  name: string;
  description?: string;
  /** default true */
  actionsEnabled?: boolean;
  okActions?: string[];
  alarmActions?: string[];
  insufficientDataActions?: string[];
  tags?: { key: string; value: string }[];
}

/** PutMetricAlarm's input, in domain terms. */
export interface MetricAlarmDefinition extends AlarmCommon {
  /** a single-metric alarm: namespace, metricName, dimensions, statistic or extendedStatistic, period */
  namespace?: string;
  metricName?: string;
  dimensions?: AlarmDimension[];
  statistic?: string;
  extendedStatistic?: string;
  period?: number;
  unit?: string;
  evaluationPeriods: number;
  datapointsToAlarm?: number;
  threshold?: number;
  comparisonOperator: StaticOperator | string;
  treatMissingData?: TreatMissingData | string;
  evaluateLowSampleCountPercentile?: 'evaluate' | 'ignore' | string;
  /** a metric-math alarm: the queries, instead of the single-metric fields */
  metrics?: AlarmQuery[];
  thresholdMetricId?: string;
}

/** PutCompositeAlarm's input, in domain terms. */
export interface CompositeAlarmDefinition extends AlarmCommon {
  alarmRule: string;
  /** not served: PutCompositeAlarm refuses it rather than ignore it */
  actionsSuppressor?: string;
}

export interface AlarmStatus {
  state: AlarmState;
  reason: string;
  reasonData?: string;
  /** when the state (or its reason) was last set */
  updatedAt: Date;
  /** when the state value last changed */
  transitionedAt: Date;
}

export const alarmArn = (region: string, accountId: string, name: string): string => `arn:aws:cloudwatch:${region}:${accountId}:alarm:${name}`;
