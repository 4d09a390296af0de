// The in-process API of CloudWatch metrics: what PutMetricData, GetMetricStatistics,
// GetMetricData and ListMetrics do, callable without the wire — by alarms (../alarms/), by the
// metrics Imago emits for instances, volumes and groups, and by scaling policies.
//
// A metric is identified by (account, region, namespace, name, the exact set of dimensions):
// {InstanceId=i-1} and {InstanceId=i-1, ImageId=ami-2} are two metrics, and a query never
// aggregates across dimension subsets (AWS/EC2's AutoScalingGroupName aggregate exists because
// the publisher writes that dimension set too). Dimension order does not matter.
//
// Datapoints are kept as AWS retains them (metric-tiers.ts): 1-second (high resolution) for 3
// hours, 1-minute for 15 days, 5-minute for 63 days, 1-hour for 15 months. A query's period picks
// the finest tier that divides it and still reaches back to its start.
import type { Scope } from '../../../store/scope.js';

export interface Dimension {
  name: string;
  value: string;
}

export interface MetricIdentity {
  namespace: string;
  metricName: string;
  /** the exact dimension set, any order */
  dimensions: Dimension[];
}

/** AWS's StandardUnit values ('None' when a datum gives none) */
export type MetricUnit = string;

export interface StatisticSet {
  sampleCount: number;
  sum: number;
  minimum: number;
  maximum: number;
}

/** One entry of PutMetricData: a value list (Value is one value of count 1) or a statistic set. */
export interface MetricDatum extends MetricIdentity {
  timestamp: Date;
  unit?: MetricUnit;
  values?: { value: number; count: number }[];
  statisticValues?: StatisticSet;
  /** 1 = high resolution (kept per second for 3 hours); 60 = standard */
  storageResolution: 1 | 60;
}

export type Statistic = 'SampleCount' | 'Average' | 'Sum' | 'Minimum' | 'Maximum';
export const STATISTICS: readonly Statistic[] = ['SampleCount', 'Average', 'Sum', 'Minimum', 'Maximum'];

export interface StatisticsQuery extends MetricIdentity {
  /** inclusive; rounded down to the period as AWS does */
  start: Date;
  /** exclusive */
  end: Date;
  periodSeconds: number;
  /** only data put with this unit; without it, every unit, each its own datapoints */
  unit?: MetricUnit;
  statistics: Statistic[];
  /** percentiles and friends: p90, p99.9, tm90, wm90, tc90, ts90 (from raw values, see metric-tiers.ts) */
  extended?: string[];
}

/** One period of one unit; only the statistics asked for are set. */
export interface Datapoint {
  timestamp: Date;
  unit: MetricUnit;
  sampleCount?: number;
  average?: number;
  sum?: number;
  minimum?: number;
  maximum?: number;
  /** extended statistic name -> value; a name is absent where the period's raw values are not kept */
  extended?: Record<string, number>;
}

export interface MetricFilter {
  namespace?: string;
  metricName?: string;
  /** each must be among the metric's dimensions; without a value, any value */
  dimensions?: { name: string; value?: string }[];
  /** RecentlyActive=PT3H: only metrics with a datum put since */
  activeSince?: Date;
}

export interface MetricStat {
  metric: MetricIdentity;
  periodSeconds: number;
  /** a Statistic or an extended statistic (p90 …) */
  stat: string;
  unit?: MetricUnit;
}

export interface MetricDataQuery {
  id: string;
  metricStat?: MetricStat;
  /** metric math: arithmetic between ids, SUM/AVG/MIN/MAX/…, METRICS(), FILL, RATE, DIFF (metric-math.ts) */
  expression?: string;
  label?: string;
  /** default true */
  returnData?: boolean;
  /** an expression's period where it has no metric to take one from */
  periodSeconds?: number;
}

export interface MetricDataRequest {
  queries: MetricDataQuery[];
  start: Date;
  end: Date;
  /** default TimestampDescending, as AWS */
  scanBy?: 'TimestampDescending' | 'TimestampAscending';
  /** page size in datapoints over all results (AWS default 100,800) */
  maxDatapoints?: number;
  nextToken?: string;
}

export interface MetricMessage {
  code: string;
  value: string;
}

export interface MetricDataResult {
  id: string;
  label: string;
  timestamps: Date[];
  values: number[];
  statusCode: 'Complete' | 'PartialData' | 'InternalError' | 'Forbidden';
  messages: MetricMessage[];
}

export interface MetricDataResponse {
  results: MetricDataResult[];
  messages: MetricMessage[];
  nextToken?: string;
}

/**
 * Throws ServiceError (../cloudwatch-errors.ts) with AWS's codes and texts for input AWS refuses
 * (values out of range, too many dimensions, bad periods, …). `put` does not apply the rule that
 * callers may not write "AWS/" namespaces: that is PutMetricData's (the handler's), so Imago's own
 * emitters can write AWS/EC2, AWS/EBS and AWS/AutoScaling through it.
 */
export interface MetricStore {
  /** all of it in one transaction */
  put(scope: Scope, data: MetricDatum[], now?: Date): Promise<void>;
  /** periods with data only, ascending by timestamp (then unit) */
  statistics(scope: Scope, query: StatisticsQuery, now?: Date): Promise<Datapoint[]>;
  /** GetMetricData: MetricStat and expression queries, paged by nextToken */
  metricData(scope: Scope, request: MetricDataRequest, now?: Date): Promise<MetricDataResponse>;
  /** ListMetrics: 500 a page, ordered by namespace, name, dimensions */
  list(scope: Scope, filter: MetricFilter, nextToken?: string): Promise<{ metrics: MetricIdentity[]; nextToken?: string }>;
}
