// Alarms on the wire: generated request/response types <-> AlarmService (alarm-service.ts).
import type { CompositeAlarm, Dimension as WireDimension, MetricAlarm, MetricDataQuery as WireQuery, Operations, Tag as WireTag } from '../../../api/cloudwatch/types.js';
import type { HandlerMap } from '../../../protocol/dispatch.js';
import type { AlarmDimension, AlarmQuery, MetricAlarmDefinition } from './alarm-model.js';
import type { AlarmRecord, AlarmService, AlarmType } from './alarm-service.js';
import { refuseUnserved } from './alarm-validation.js';

type AlarmOperations =
  | 'PutMetricAlarm'
  | 'PutCompositeAlarm'
  | 'DescribeAlarms'
  | 'DescribeAlarmsForMetric'
  | 'DescribeAlarmHistory'
  | 'DeleteAlarms'
  | 'SetAlarmState'
  | 'EnableAlarmActions'
  | 'DisableAlarmActions'
  | 'TagResource'
  | 'UntagResource'
  | 'ListTagsForResource';

const dims = (d: WireDimension[] | undefined): AlarmDimension[] | undefined => d?.map((x) => ({ name: x.Name, value: x.Value }));
const wireDims = (d: AlarmDimension[] | undefined): WireDimension[] | undefined => d?.map((x) => ({ Name: x.name, Value: x.value }));
const tags = (t: WireTag[] | undefined) => t?.map((x) => ({ key: x.Key, value: x.Value }));
const wireTags = (t: { key: string; value: string }[]): WireTag[] => t.map((x) => ({ Key: x.key, Value: x.value }));

const query = (q: WireQuery): AlarmQuery => ({
  id: q.Id,
  metricStat: q.MetricStat && { metric: { namespace: q.MetricStat.Metric.Namespace ?? '', metricName: q.MetricStat.Metric.MetricName ?? '', dimensions: dims(q.MetricStat.Metric.Dimensions) ?? [] }, period: q.MetricStat.Period, stat: q.MetricStat.Stat, unit: q.MetricStat.Unit },
  expression: q.Expression,
  label: q.Label,
  returnData: q.ReturnData,
  period: q.Period,
  accountId: q.AccountId,
});

const wireQuery = (q: AlarmQuery): WireQuery => ({
  Id: q.id,
  MetricStat: q.metricStat && { Metric: { Namespace: q.metricStat.metric.namespace, MetricName: q.metricStat.metric.metricName, Dimensions: wireDims(q.metricStat.metric.dimensions) }, Period: q.metricStat.period, Stat: q.metricStat.stat, Unit: q.metricStat.unit as never },
  Expression: q.expression,
  Label: q.label,
  ReturnData: q.returnData,
  Period: q.period,
  AccountId: q.accountId,
});

const common = (a: AlarmRecord) => ({
  AlarmName: a.name,
  AlarmArn: a.arn,
  AlarmDescription: (a.metric ?? a.composite)!.description,
  AlarmConfigurationUpdatedTimestamp: a.configUpdatedAt,
  ActionsEnabled: a.actionsEnabled,
  OKActions: (a.metric ?? a.composite)!.okActions ?? [],
  AlarmActions: (a.metric ?? a.composite)!.alarmActions ?? [],
  InsufficientDataActions: (a.metric ?? a.composite)!.insufficientDataActions ?? [],
  StateValue: a.status.state,
  StateReason: a.status.reason,
  StateReasonData: a.status.reasonData,
  StateUpdatedTimestamp: a.status.updatedAt,
  StateTransitionedTimestamp: a.status.transitionedAt,
});

function wireMetricAlarm(a: AlarmRecord): MetricAlarm {
  const m = a.metric!;
  return {
    ...common(a),
    MetricName: m.metricName,
    Namespace: m.namespace,
    Statistic: m.statistic as never,
    ExtendedStatistic: m.extendedStatistic,
    Dimensions: m.metrics?.length ? undefined : (wireDims(m.dimensions) ?? []),
    Period: m.period,
    Unit: m.unit as never,
    EvaluationPeriods: m.evaluationPeriods,
    DatapointsToAlarm: m.datapointsToAlarm,
    Threshold: m.threshold,
    ComparisonOperator: m.comparisonOperator as never,
    TreatMissingData: m.treatMissingData,
    EvaluateLowSampleCountPercentile: m.evaluateLowSampleCountPercentile,
    Metrics: m.metrics?.map(wireQuery),
  };
}

const wireCompositeAlarm = (a: AlarmRecord): CompositeAlarm => ({ ...common(a), AlarmRule: a.composite!.alarmRule });

export function alarmHandlers(alarms: AlarmService): Pick<HandlerMap<Operations>, AlarmOperations> {
  return {
    async PutMetricAlarm(ctx, i) {
      refuseUnserved({ EvaluationCriteria: i.EvaluationCriteria, EvaluationInterval: i.EvaluationInterval, EvaluationWindow: i.EvaluationWindow, WarmUpConfiguration: i.WarmUpConfiguration, ActionConfiguration: i.ActionConfiguration });
      const def: MetricAlarmDefinition = {
        name: i.AlarmName,
        description: i.AlarmDescription,
        actionsEnabled: i.ActionsEnabled,
        okActions: i.OKActions,
        alarmActions: i.AlarmActions,
        insufficientDataActions: i.InsufficientDataActions,
        namespace: i.Namespace,
        metricName: i.MetricName,
        dimensions: dims(i.Dimensions),
        statistic: i.Statistic,
        extendedStatistic: i.ExtendedStatistic,
        period: i.Period,
        unit: i.Unit,
        evaluationPeriods: i.EvaluationPeriods!,
        datapointsToAlarm: i.DatapointsToAlarm,
        threshold: i.Threshold,
        comparisonOperator: i.ComparisonOperator!,
        treatMissingData: i.TreatMissingData,
        evaluateLowSampleCountPercentile: i.EvaluateLowSampleCountPercentile,
        metrics: i.Metrics?.map(query),
        thresholdMetricId: i.ThresholdMetricId,
        tags: tags(i.Tags),
      };
      await alarms.putMetricAlarm(ctx, JSON.parse(JSON.stringify(def)) as MetricAlarmDefinition);
    },
    async PutCompositeAlarm(ctx, i) {
      refuseUnserved({ ActionsSuppressorWaitPeriod: i.ActionsSuppressorWaitPeriod, ActionsSuppressorExtensionPeriod: i.ActionsSuppressorExtensionPeriod, ActionConfiguration: i.ActionConfiguration });
      const def = { name: i.AlarmName, description: i.AlarmDescription, actionsEnabled: i.ActionsEnabled, okActions: i.OKActions, alarmActions: i.AlarmActions, insufficientDataActions: i.InsufficientDataActions, alarmRule: i.AlarmRule, actionsSuppressor: i.ActionsSuppressor, tags: tags(i.Tags) };
      await alarms.putCompositeAlarm(ctx, JSON.parse(JSON.stringify(def)) as typeof def);
    },
    async DescribeAlarms(ctx, i) {
      const out = await alarms.describeAlarms(ctx, {
        names: i.AlarmNames,
        prefix: i.AlarmNamePrefix,
        state: i.StateValue,
        actionPrefix: i.ActionPrefix,
        types: i.AlarmTypes?.filter((t): t is AlarmType => t === 'MetricAlarm' || t === 'CompositeAlarm'),
        childrenOf: i.ChildrenOfAlarmName,
        parentsOf: i.ParentsOfAlarmName,
        maxRecords: i.MaxRecords,
        nextToken: i.NextToken,
      });
      // an alarm's children or parents: AWS answers their name, ARN, state and its time only
      const family = i.ChildrenOfAlarmName !== undefined || i.ParentsOfAlarmName !== undefined;
      const brief = (a: AlarmRecord) => ({ AlarmName: a.name, AlarmArn: a.arn, StateValue: a.status.state, StateUpdatedTimestamp: a.status.updatedAt });
      return {
        MetricAlarms: out.alarms.filter((a) => a.type === 'MetricAlarm').map(family ? brief : wireMetricAlarm),
        CompositeAlarms: out.alarms.filter((a) => a.type === 'CompositeAlarm').map(family ? brief : wireCompositeAlarm),
        NextToken: out.nextToken,
      };
    },
    async DescribeAlarmsForMetric(ctx, i) {
      const found = await alarms.describeAlarmsForMetric(ctx, { namespace: i.Namespace, metricName: i.MetricName, dimensions: dims(i.Dimensions), statistic: i.Statistic, extendedStatistic: i.ExtendedStatistic, period: i.Period, unit: i.Unit });
      return { MetricAlarms: found.map(wireMetricAlarm) };
    },
    async DescribeAlarmHistory(ctx, i) {
      const out = await alarms.describeHistory(ctx, {
        alarmName: i.AlarmName,
        types: i.AlarmTypes?.filter((t): t is AlarmType => t === 'MetricAlarm' || t === 'CompositeAlarm'),
        itemType: i.HistoryItemType as never,
        start: i.StartDate,
        end: i.EndDate,
        maxRecords: i.MaxRecords,
        nextToken: i.NextToken,
        scanBy: i.ScanBy,
      });
      return {
        AlarmHistoryItems: out.items.map((h) => ({ AlarmName: h.alarmName, AlarmType: h.alarmType, Timestamp: h.timestamp, HistoryItemType: h.itemType, HistorySummary: h.summary, HistoryData: h.data })),
        NextToken: out.nextToken,
      };
    },
    async DeleteAlarms(ctx, i) {
      await alarms.deleteAlarms(ctx, i.AlarmNames);
    },
    async SetAlarmState(ctx, i) {
      await alarms.setAlarmState(ctx, i.AlarmName, { state: i.StateValue, reason: i.StateReason, reasonData: i.StateReasonData });
    },
    async EnableAlarmActions(ctx, i) {
      await alarms.setActionsEnabled(ctx, i.AlarmNames, true);
    },
    async DisableAlarmActions(ctx, i) {
      await alarms.setActionsEnabled(ctx, i.AlarmNames, false);
    },
    async TagResource(ctx, i) {
      await alarms.tagResource(ctx, i.ResourceARN, tags(i.Tags) ?? []);
      return {};
    },
    async UntagResource(ctx, i) {
      await alarms.untagResource(ctx, i.ResourceARN, i.TagKeys);
      return {};
    },
    async ListTagsForResource(ctx, i) {
      return { Tags: wireTags(await alarms.listTags(ctx, i.ResourceARN)) };
    },
  };
}
