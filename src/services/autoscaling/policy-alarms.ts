// What scaling policies need from CloudWatch alarms, as an interface (the server wires it to the
// alarm service's in-process port), and the managed alarms of a target tracking policy as AWS
// makes them: "TargetTracking-<group>-AlarmHigh-<uuid>" (3 of 3 datapoints above the target) and
// "-AlarmLow-<uuid>" (15 of 15 below 90% of it; none with DisableScaleIn), on the policy's metric
// (a predefined one: AWS/EC2 CPUUtilization, NetworkIn or NetworkOut with the
// AutoScalingGroupName dimension, Average; ALBRequestCountPerTarget: AWS/ApplicationELB
// RequestCountPerTarget of the ResourceLabel's target group, Sum), one-minute periods unless a
// customized metric gives its own, and the policy's ARN as their only alarm action. A demo/test
// knob: when the server's metrics period (`--metrics-period-seconds`) is under a minute, the
// alarms on the EC2 metrics instances publish use that period (see managedAlarmPeriod), so that
// 3 and 15 datapoints take seconds rather than 3 and 15 minutes.
import { randomUUID } from 'node:crypto';
import type { Alarm, CustomizedMetricSpecification, TargetTrackingConfiguration } from '../../api/autoscaling/types.js';
import type { Scope } from '../../store/scope.js';
import { validationError } from './asg-errors.js';
import { targetAlarmShapes } from './scaling-math.js';

export interface ScalingAlarmDimension {
  name: string;
  value: string;
}
export interface ScalingAlarmMetric {
  namespace: string;
  metricName: string;
  dimensions: ScalingAlarmDimension[];
}
export interface ScalingAlarmQuery {
  id: string;
  metricStat?: { metric: ScalingAlarmMetric; period: number; stat: string; unit?: string };
  expression?: string;
  label?: string;
  returnData?: boolean;
  period?: number;
}

/** PutMetricAlarm's input, as much of it as a managed alarm uses. */
export interface ScalingAlarmDefinition {
  name: string;
  description?: string;
  actionsEnabled?: boolean;
  alarmActions?: string[];
  namespace?: string;
  metricName?: string;
  dimensions?: ScalingAlarmDimension[];
  statistic?: string;
  period?: number;
  unit?: string;
  evaluationPeriods: number;
  datapointsToAlarm?: number;
  threshold?: number;
  comparisonOperator: string;
  metrics?: ScalingAlarmQuery[];
}

export interface ScalingAlarms {
  putMetricAlarm(scope: Scope, definition: ScalingAlarmDefinition): Promise<{ arn: string }>;
  /** names that do not exist are skipped */
  deleteAlarms(scope: Scope, names: readonly string[]): Promise<void>;
  /** the named alarms that exist */
  describeAlarms(scope: Scope, names: readonly string[]): Promise<{ name: string; arn: string }[]>;
  /** the alarms whose actions (any state) include this ARN: DescribePolicies' Alarms of step and simple policies */
  alarmsWithAction?(scope: Scope, actionArn: string): Promise<{ name: string; arn: string }[]>;
  /** the period of the managed alarms on instance metrics (managedAlarmPeriod; 60 when absent) */
  periodSeconds?: number;
}

/**
 * The managed alarms' period for the server's metrics period: AWS's minute by default; a shorter
 * metrics period (the knob) gives the shortest period CloudWatch can query (1, 5, 10, 20 or 30 s)
 * that spans it. 1 and 5 s are no alarm periods on AWS: the server lets CloudWatch accept that one
 * (server.ts).
 */
export function managedAlarmPeriod(metricsPeriodSeconds: number): number {
  if (metricsPeriodSeconds >= 60) return 60;
  return [1, 5, 10, 20, 30].find((p) => p >= metricsPeriodSeconds) ?? 60;
}

export const PREDEFINED_METRICS: Record<string, { namespace: string; metricName: string; statistic: string }> = {
  ASGAverageCPUUtilization: { namespace: 'AWS/EC2', metricName: 'CPUUtilization', statistic: 'Average' },
  ASGAverageNetworkIn: { namespace: 'AWS/EC2', metricName: 'NetworkIn', statistic: 'Average' },
  ASGAverageNetworkOut: { namespace: 'AWS/EC2', metricName: 'NetworkOut', statistic: 'Average' },
  ALBRequestCountPerTarget: { namespace: 'AWS/ApplicationELB', metricName: 'RequestCountPerTarget', statistic: 'Sum' },
};

const STATISTICS = ['Average', 'Minimum', 'Maximum', 'SampleCount', 'Sum'];

/** The metric part of the managed alarms (validated as PutScalingPolicy does), for a group with these target groups. */
export function trackedMetric(groupName: string, targetGroupArns: readonly string[], c: TargetTrackingConfiguration, instancePeriod = 60): Omit<ScalingAlarmDefinition, 'name' | 'evaluationPeriods' | 'comparisonOperator'> {
  const pre = c.PredefinedMetricSpecification;
  const custom = c.CustomizedMetricSpecification;
  if (!Number.isFinite(c.TargetValue)) throw validationError('TargetValue must be a number.');
  if (pre && custom) throw validationError('Only one of PredefinedMetricSpecification or CustomizedMetricSpecification can be specified.');
  if (pre) {
    const m = PREDEFINED_METRICS[pre.PredefinedMetricType];
    if (!m) throw validationError(`Unsupported predefined metric type ${pre.PredefinedMetricType}. Valid values are ${Object.keys(PREDEFINED_METRICS).join(', ')}.`);
    if (pre.PredefinedMetricType === 'ALBRequestCountPerTarget') {
      const label = pre.ResourceLabel;
      if (!label) throw validationError('ResourceLabel is required for the predefined metric type ALBRequestCountPerTarget.');
      const tg = /^app\/[^/]+\/[^/]+\/(targetgroup\/[^/]+\/[^/]+)$/.exec(label)?.[1];
      if (!tg) throw validationError(`The ResourceLabel ${label} is not valid: expected app/<load-balancer-name>/<load-balancer-id>/targetgroup/<target-group-name>/<target-group-id>.`);
      if (!targetGroupArns.some((arn) => arn.endsWith(`:${tg}`))) throw validationError(`The target group ${tg} in the ResourceLabel is not attached to the Auto Scaling group ${groupName}.`);
      return { namespace: m.namespace, metricName: m.metricName, statistic: m.statistic, dimensions: [{ name: 'TargetGroup', value: tg }, { name: 'LoadBalancer', value: label.split('/targetgroup/')[0]! }], period: 60 };
    }
    if (pre.ResourceLabel !== undefined) throw validationError(`ResourceLabel is only valid for the predefined metric type ALBRequestCountPerTarget.`);
    return { namespace: m.namespace, metricName: m.metricName, statistic: m.statistic, dimensions: [{ name: 'AutoScalingGroupName', value: groupName }], period: instancePeriod };
  }
  if (!custom) throw validationError('Either PredefinedMetricSpecification or CustomizedMetricSpecification must be specified.');
  return customizedMetric(custom);
}

function customizedMetric(custom: CustomizedMetricSpecification): Omit<ScalingAlarmDefinition, 'name' | 'evaluationPeriods' | 'comparisonOperator'> {
  const period = custom.Period ?? 60;
  if (![10, 30, 60].includes(period)) throw validationError(`Period ${period} is not valid for a customized metric: use 10, 30 or 60 seconds.`);
  if (custom.Metrics?.length) {
    if (custom.MetricName !== undefined || custom.Namespace !== undefined || custom.Statistic !== undefined || custom.Dimensions !== undefined) {
      throw validationError('A CustomizedMetricSpecification with Metrics cannot also specify MetricName, Namespace, Dimensions or Statistic.');
    }
    const returning = custom.Metrics.filter((q) => q.ReturnData !== false);
    if (returning.length !== 1) throw validationError('Exactly one of the Metrics of a CustomizedMetricSpecification must have ReturnData set to true.');
    const metrics: ScalingAlarmQuery[] = custom.Metrics.map((q) => {
      if (!q.Expression === !q.MetricStat) throw validationError(`Metric ${q.Id} must specify exactly one of Expression or MetricStat.`);
      return {
        id: q.Id,
        expression: q.Expression,
        label: q.Label,
        returnData: q === returning[0],
        period: q.Expression ? (q.Period ?? period) : undefined,
        metricStat: q.MetricStat && {
          metric: {
            namespace: q.MetricStat.Metric.Namespace,
            metricName: q.MetricStat.Metric.MetricName,
            dimensions: (q.MetricStat.Metric.Dimensions ?? []).map((d) => ({ name: d.Name, value: d.Value })),
          },
          stat: q.MetricStat.Stat,
          unit: q.MetricStat.Unit,
          period: q.MetricStat.Period ?? period,
        },
      };
    });
    return { metrics };
  }
  if (!custom.MetricName || !custom.Namespace || !custom.Statistic) {
    throw validationError('A CustomizedMetricSpecification must specify MetricName, Namespace and Statistic, or Metrics.');
  }
  if (!STATISTICS.includes(custom.Statistic)) throw validationError(`Invalid statistic ${custom.Statistic}. Valid values are ${STATISTICS.join(', ')}.`);
  return {
    namespace: custom.Namespace,
    metricName: custom.MetricName,
    statistic: custom.Statistic,
    dimensions: (custom.Dimensions ?? []).map((d) => ({ name: d.Name, value: d.Value })),
    unit: custom.Unit,
    period,
  };
}

/** The managed alarms of a policy: kept names (an update changes them in place), new ones for a new alarm. */
export function managedAlarms(groupName: string, policyArn: string, c: TargetTrackingConfiguration, metric: ReturnType<typeof trackedMetric>, kept: readonly string[]): ScalingAlarmDefinition[] {
  return targetAlarmShapes(c.TargetValue, c.DisableScaleIn ?? false).map((shape) => {
    const prefix = `TargetTracking-${groupName}-${shape.suffix}-`;
    const name = kept.find((n) => n.startsWith(prefix)) ?? `${prefix}${randomUUID()}`;
    return {
      ...metric,
      name,
      description: `DO NOT EDIT OR DELETE. For TargetTrackingScaling policy ${policyArn}.`,
      actionsEnabled: true,
      alarmActions: [policyArn],
      evaluationPeriods: shape.evaluationPeriods,
      datapointsToAlarm: shape.evaluationPeriods,
      threshold: shape.threshold,
      comparisonOperator: shape.comparison,
    };
  });
}

export const alarmOut = (a: { name: string; arn: string }): Alarm => ({ AlarmName: a.name, AlarmARN: a.arn });
