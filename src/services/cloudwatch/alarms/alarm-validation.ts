// What PutMetricAlarm and PutCompositeAlarm refuse, with AWS's codes (ValidationError for the
// alarm's own rules, InvalidParameterCombination / MissingParameter for the metric fields):
// one metric (namespace, name, period, Statistic xor ExtendedStatistic) or a Metrics[] list with
// exactly one query returning data; Period 10, 20, 30 or a multiple of 60; M <= N; a total
// evaluation period of at most a day (periods under an hour) or seven days; the actions' ARNs.
import { invalidParameterCombination, invalidParameterValue, missingParameter } from '../cloudwatch-errors.js';
import { checkDimensions } from '../metrics/metric-names.js';
import { MathError, parseExpression, references } from '../metrics/metric-math.js';
import { STATIC_OPERATORS, TREAT_MISSING_DATA, type StaticOperator } from './alarm-evaluation.js';
import type { AlarmCommon, AlarmQuery, MetricAlarmDefinition } from './alarm-model.js';
import { validationError } from './alarm-errors.js';

export const MAX_ACTIONS = 5;
export const MAX_METRICS = 10;
const STATISTICS = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];
const EXTENDED = /^(p|tm|wm|tc|ts|pr)(\d{1,2}(\.\d{1,10})?|100)$|^(TM|WM|TC|TS|PR)\(.+\)$/;

/** AWS's member constraint error: "1 validation error detected: Value '500' at 'maxRecords' failed to satisfy constraint: …" */
export function checkConstraint(ok: boolean, value: unknown, member: string, constraint: string): void {
  if (!ok) throw validationError(`1 validation error detected: Value '${String(value)}' at '${member}' failed to satisfy constraint: Member must ${constraint}`);
}

export function checkLength(value: string | undefined, member: string, min: number, max: number): void {
  if (value === undefined) return;
  checkConstraint(value.length >= min, value, member, `have length greater than or equal to ${min}`);
  checkConstraint(value.length <= max, value, member, `have length less than or equal to ${max}`);
}

export function checkMaxRecords(value: number | undefined): void {
  if (value === undefined) return;
  checkConstraint(value >= 1, value, 'maxRecords', 'have value greater than or equal to 1');
  checkConstraint(value <= 100, value, 'maxRecords', 'have value less than or equal to 100');
}

/** AlarmName (1..255) and AlarmDescription (0..1024) of both kinds of alarm. */
export function checkNames(def: AlarmCommon): void {
  checkLength(def.name, 'alarmName', 1, 255);
  checkLength(def.description, 'alarmDescription', 0, 1024);
}

/** Request members this server does not serve: refused by name rather than ignored. */
export function refuseUnserved(members: Record<string, unknown>): void {
  const given = Object.entries(members).find(([, v]) => v !== undefined);
  if (given) throw validationError(`${given[0]} is not supported by this server.`);
}

/** `extra`: a period under 10 s the server also accepts (target tracking's under a shortened `--metrics-period-seconds`, a demo/test knob) */
export const validPeriod = (p: number, extra?: number): boolean => p === 10 || p === 20 || p === 30 || (p >= 60 && p % 60 === 0) || (extra !== undefined && p === extra);

/** The period a metric alarm evaluates at: its Period, or its data-returning query's. */
export function alarmPeriod(def: MetricAlarmDefinition): number {
  if (!def.metrics?.length) return def.period ?? 60;
  const q = def.metrics.find((m) => m.returnData !== false) ?? def.metrics[0]!;
  return q.metricStat?.period ?? q.period ?? def.metrics.find((m) => m.metricStat)?.metricStat?.period ?? 60;
}

export function validateMetricAlarm(def: MetricAlarmDefinition, region: string, extraPeriod?: number): void {
  checkNames(def);
  checkConstraint(typeof def.comparisonOperator === 'string', null, 'comparisonOperator', 'not be null');
  validateActions(def, region);
  const single = def.metricName !== undefined || def.namespace !== undefined || def.statistic !== undefined || def.extendedStatistic !== undefined || def.period !== undefined || (def.dimensions?.length ?? 0) > 0;
  if (def.metrics?.length) {
    if (single) throw validationError('Metrics list cannot be combined with MetricName, Namespace, Dimensions, Statistic, ExtendedStatistic or Period.');
    validateQueries(def.metrics, extraPeriod);
  } else {
    if (def.metricName === undefined) throw missingParameter('The parameter MetricName is required.');
    if (def.namespace === undefined) throw missingParameter('The parameter Namespace is required.');
    if (def.period === undefined) throw missingParameter('The parameter Period is required.');
    if (def.statistic !== undefined && def.extendedStatistic !== undefined) throw invalidParameterCombination('Exactly one element of the Statistic and ExtendedStatistic parameters must be specified.');
    if (def.statistic === undefined && def.extendedStatistic === undefined) throw missingParameter('Exactly one element of the Statistic and ExtendedStatistic parameters must be specified.');
    if (def.statistic !== undefined && !STATISTICS.includes(def.statistic)) throw validationError(`Invalid statistic: ${def.statistic}`);
    if (def.extendedStatistic !== undefined && !EXTENDED.test(def.extendedStatistic)) throw invalidParameterValue(`The value ${def.extendedStatistic} for parameter ExtendedStatistic is not supported.`);
    checkDimensions(def.dimensions ?? [], 'Dimensions');
    if (!validPeriod(def.period, extraPeriod)) throw validationError('Period must be 10, 20, 30 or a multiple of 60.');
  }
  if (def.evaluationPeriods === undefined || def.evaluationPeriods < 1) throw validationError('EvaluationPeriods must be greater than or equal to 1.');
  if (def.datapointsToAlarm !== undefined && def.datapointsToAlarm < 1) throw validationError('DatapointsToAlarm must be greater than or equal to 1.');
  if (def.datapointsToAlarm !== undefined && def.datapointsToAlarm > def.evaluationPeriods) throw validationError('DatapointsToAlarm must be less than or equal to EvaluationPeriods');
  const period = alarmPeriod(def);
  const total = period * def.evaluationPeriods;
  if (period < 3600 && total > 86_400) throw validationError('The evaluation period (Period * EvaluationPeriods) of an alarm with a Period under 3600 seconds cannot exceed 86400 seconds.');
  if (total > 604_800) throw validationError('The evaluation period (Period * EvaluationPeriods) of an alarm cannot exceed 604800 seconds.');
  if (!(STATIC_OPERATORS as readonly string[]).includes(def.comparisonOperator)) {
    if (def.thresholdMetricId !== undefined) throw validationError('Anomaly detection alarms (ThresholdMetricId) are not supported by this server.');
    throw validationError(`Comparison operator ${def.comparisonOperator} requires ThresholdMetricId.`);
  }
  if (def.thresholdMetricId !== undefined) throw validationError('ThresholdMetricId can only be used with the anomaly detection comparison operators.');
  if (def.threshold === undefined) throw validationError('Threshold is required for a static threshold alarm.');
  if (def.treatMissingData !== undefined && !(TREAT_MISSING_DATA as readonly string[]).includes(def.treatMissingData)) {
    throw validationError(`Invalid value '${def.treatMissingData}' for TreatMissingData. Valid values: breaching, notBreaching, ignore, missing.`);
  }
  if (def.evaluateLowSampleCountPercentile !== undefined) {
    if (!['evaluate', 'ignore'].includes(def.evaluateLowSampleCountPercentile)) throw validationError(`Invalid value '${def.evaluateLowSampleCountPercentile}' for EvaluateLowSampleCountPercentile. Valid values: evaluate, ignore.`);
    if (!/^p\d/.test(def.extendedStatistic ?? '')) throw validationError('EvaluateLowSampleCountPercentile can only be used with a percentile ExtendedStatistic.');
  }
}

export const isStaticOperator = (op: string): op is StaticOperator => (STATIC_OPERATORS as readonly string[]).includes(op);

function validateQueries(queries: readonly AlarmQuery[], extraPeriod: number | undefined): void {
  if (queries.length > MAX_METRICS) throw validationError(`The collection Metrics must not have a size greater than ${MAX_METRICS}.`);
  const ids = new Set<string>();
  for (const q of queries) {
    if (!/^[a-z][a-zA-Z0-9_]*$/.test(q.id)) throw validationError(`Invalid metrics list: the Id '${q.id}' must start with a lowercase letter and contain only letters, numbers and underscores.`);
    if (ids.has(q.id)) throw validationError(`Invalid metrics list: the Id '${q.id}' is used more than once.`);
    ids.add(q.id);
    if ((q.metricStat === undefined) === (q.expression === undefined)) throw validationError('Invalid metrics list: exactly one of MetricStat and Expression must be specified in each query.');
    if (q.metricStat) {
      checkDimensions(q.metricStat.metric.dimensions, 'Dimensions');
      if (!validPeriod(q.metricStat.period, extraPeriod)) throw validationError('Period must be 10, 20, 30 or a multiple of 60.');
    }
    if (q.period !== undefined && !validPeriod(q.period, extraPeriod)) throw validationError('Period must be 10, 20, 30 or a multiple of 60.');
  }
  for (const q of queries) {
    if (q.expression === undefined) continue;
    let refs: string[];
    try {
      refs = references(parseExpression(q.expression));
    } catch (e) {
      if (e instanceof MathError) throw validationError(`Invalid metrics list: error in expression '${q.id}': ${e.message}`);
      throw e;
    }
    const unknown = refs.find((r) => !ids.has(r));
    if (unknown !== undefined) throw validationError(`Invalid metrics list: expression '${q.id}' refers to '${unknown}', which is not the Id of a query of the list.`);
  }
  if (queries.filter((q) => q.returnData !== false).length !== 1) throw validationError('Exactly one element of the metrics list should return data.');
}

const ARN = /^arn:aws[a-z-]*:([a-z0-9-]+):([a-z0-9-]*):(\d{12})?:(.+)$/;

/** The actions' ARNs: syntax, the EC2 actions' own forms and region, five at most a list. */
export function validateActions(def: AlarmCommon, region: string): void {
  for (const list of [def.alarmActions, def.okActions, def.insufficientDataActions]) {
    if ((list?.length ?? 0) > MAX_ACTIONS) throw validationError(`The collection of actions must not have a size greater than ${MAX_ACTIONS}.`);
    for (const arn of list ?? []) {
      const automate = /^arn:aws[a-z-]*:automate:([a-z0-9-]+):ec2:(stop|terminate|reboot|recover)$/.exec(arn);
      const m = automate ? undefined : ARN.exec(arn);
      if (!automate && (!m || arn.startsWith('arn:aws:automate:'))) throw validationError(`Invalid arn syntax: ${arn}`);
      const arnRegion = automate ? automate[1]! : m![2]!;
      if (arnRegion && arnRegion !== region && m?.[1] !== 'ssm-incidents') throw validationError(`Invalid region ${arnRegion} specified. Only ${region} is supported.`);
    }
  }
}
