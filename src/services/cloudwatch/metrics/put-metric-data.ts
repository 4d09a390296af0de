// PutMetricData's input as AWS checks it, turned into MetricDatum[] (metric-store.ts). Parameter
// paths in messages are awsQuery's (MetricData.member.N.Value), as AWS writes them in every protocol.
// EntityMetricData (entity-scoped metrics for Application Signals) is not served: a request that
// carries only EntityMetricData is refused; one that carries both stores MetricData alone.
import type { PutMetricDataInput } from '../../../api/cloudwatch/types.js';
import { invalidParameterCombination, invalidParameterValue, missingParameter } from '../cloudwatch-errors.js';
import type { Dimension, MetricDatum } from './metric-store.js';
import { checkDimensions } from './metric-names.js';

export const MAX_METRIC_DATA = 1000;
export const MAX_VALUES = 150;
const TWO_WEEKS_MS = 14 * 86_400_000;
const TWO_HOURS_MS = 2 * 3_600_000;
/** AWS refuses values whose magnitude is above 2^360 or (non-zero) below 2^-260 */
const MAX_MAGNITUDE = 2 ** 360;
const MIN_MAGNITUDE = 2 ** -260;

export function putMetricDataRequest(input: PutMetricDataInput, now: Date): MetricDatum[] {
  if (input.Namespace.startsWith('AWS/')) throw invalidParameterValue(`The value ${input.Namespace} for parameter Namespace is invalid.`);
  const data = input.MetricData ?? [];
  if (data.length === 0) {
    if (input.EntityMetricData?.length) throw invalidParameterValue('EntityMetricData is not supported by this endpoint: send MetricData.');
    throw missingParameter('The parameter MetricData is required.');
  }
  if (data.length > MAX_METRIC_DATA) throw invalidParameterValue(`The collection MetricData must not have a size greater than ${MAX_METRIC_DATA}.`);
  return data.map((d, i): MetricDatum => {
    const at = `MetricData.member.${i + 1}`;
    const dimensions: Dimension[] = (d.Dimensions ?? []).map((x) => ({ name: x.Name, value: x.Value }));
    checkDimensions(dimensions, `${at}.Dimensions`);
    const timestamp = d.Timestamp ?? now;
    if (timestamp.getTime() < now.getTime() - TWO_WEEKS_MS) throw invalidParameterValue(`The parameter ${at}.Timestamp must specify a time within the past two weeks.`);
    if (timestamp.getTime() > now.getTime() + TWO_HOURS_MS) throw invalidParameterValue(`The parameter ${at}.Timestamp must specify a time no more than two hours in the future.`);
    const resolution = d.StorageResolution ?? 60;
    if (resolution !== 1 && resolution !== 60) throw invalidParameterValue(`The value ${resolution} for parameter ${at}.StorageResolution is invalid.`);
    const both = (a: string, b: string) => invalidParameterCombination(`The parameters ${at}.${a} and ${at}.${b} are mutually exclusive and you have specified both.`);
    if (d.Value !== undefined && d.StatisticValues) throw both('Value', 'StatisticValues');
    if (d.Value !== undefined && d.Values) throw both('Value', 'Values');
    if (d.Values && d.StatisticValues) throw both('Values', 'StatisticValues');
    const base = { namespace: input.Namespace, metricName: d.MetricName, dimensions, timestamp, unit: d.Unit ?? 'None', storageResolution: resolution } as const;
    if (d.StatisticValues) {
      const s = d.StatisticValues;
      for (const [k, v] of Object.entries(s)) checkValue(v, `${at}.StatisticValues.${k}`);
      if (s.SampleCount <= 0) throw invalidParameterValue(`The parameter ${at}.StatisticValues.SampleCount must be greater than 0.`);
      if (s.Minimum > s.Maximum) throw invalidParameterValue(`The parameter ${at}.StatisticValues.Maximum must be greater than ${at}.StatisticValues.Minimum.`);
      return { ...base, statisticValues: { sampleCount: s.SampleCount, sum: s.Sum, minimum: s.Minimum, maximum: s.Maximum } };
    }
    if (d.Values) {
      if (d.Values.length > MAX_VALUES) throw invalidParameterValue(`The collection ${at}.Values must not have a size greater than ${MAX_VALUES}.`);
      if (d.Counts && d.Counts.length !== d.Values.length) throw invalidParameterValue(`The parameters ${at}.Values and ${at}.Counts must be of the same size.`);
      const values = d.Values.map((value, j) => {
        checkValue(value, `${at}.Values.member.${j + 1}`);
        const count = d.Counts?.[j] ?? 1;
        if (!Number.isFinite(count) || count < 0) throw invalidParameterValue(`The value ${count} for parameter ${at}.Counts.member.${j + 1} is invalid.`);
        return { value, count };
      }).filter((v) => v.count > 0);
      return { ...base, values };
    }
    if (d.Counts) throw invalidParameterCombination(`The parameter ${at}.Counts must be specified with ${at}.Values.`);
    if (d.Value === undefined) throw missingParameter(`The parameter ${at}.Value is required.`);
    checkValue(d.Value, `${at}.Value`);
    return { ...base, values: [{ value: d.Value, count: 1 }] };
  });
}

function checkValue(v: number, at: string): void {
  const m = Math.abs(v);
  if (!Number.isFinite(v) || m > MAX_MAGNITUDE || (m !== 0 && m < MIN_MAGNITUDE)) throw invalidParameterValue(`The value ${v} for parameter ${at} is invalid.`);
}
