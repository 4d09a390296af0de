// Metrics on the wire: PutMetricData, GetMetricStatistics, GetMetricData, ListMetrics — generated
// request/response types <-> MetricStore (metric-store.ts).
import type { Operations, Dimension as WireDimension, Datapoint as WireDatapoint } from '../../../api/cloudwatch/types.js';
import type { HandlerMap } from '../../../protocol/dispatch.js';
import type { Datapoint, Dimension, MetricStore, Statistic } from './metric-store.js';
import { putMetricDataRequest } from './put-metric-data.js';

type MetricHandlers = Pick<HandlerMap<Operations>, 'PutMetricData' | 'GetMetricStatistics' | 'GetMetricData' | 'ListMetrics'>;

const dims = (d: WireDimension[] | undefined): Dimension[] => (d ?? []).map((x) => ({ name: x.Name, value: x.Value }));
const wireDims = (d: Dimension[]): WireDimension[] => d.map((x) => ({ Name: x.name, Value: x.value }));

export function metricHandlers(metrics: MetricStore): MetricHandlers {
  return {
    async PutMetricData(ctx, input) {
      await metrics.put(ctx, putMetricDataRequest(input, new Date()));
    },
    async GetMetricStatistics(ctx, input) {
      const points = await metrics.statistics(ctx, {
        namespace: input.Namespace,
        metricName: input.MetricName,
        dimensions: dims(input.Dimensions),
        start: input.StartTime,
        end: input.EndTime,
        periodSeconds: input.Period,
        unit: input.Unit,
        statistics: (input.Statistics ?? []) as Statistic[],
        extended: input.ExtendedStatistics,
      });
      return { Label: input.MetricName, Datapoints: points.map(wireDatapoint) };
    },
    async GetMetricData(ctx, input) {
      const out = await metrics.metricData(ctx, {
        queries: input.MetricDataQueries.map((q) => ({
          id: q.Id,
          metricStat: q.MetricStat && {
            metric: { namespace: q.MetricStat.Metric.Namespace ?? '', metricName: q.MetricStat.Metric.MetricName ?? '', dimensions: dims(q.MetricStat.Metric.Dimensions) },
            periodSeconds: q.MetricStat.Period,
            stat: q.MetricStat.Stat,
            unit: q.MetricStat.Unit,
          },
          expression: q.Expression,
          label: q.Label,
          returnData: q.ReturnData,
          periodSeconds: q.Period,
        })),
        start: input.StartTime,
        end: input.EndTime,
        scanBy: input.ScanBy,
        maxDatapoints: input.MaxDatapoints,
        nextToken: input.NextToken,
      });
      return {
        MetricDataResults: out.results.map((r) => ({
          Id: r.id,
          Label: r.label,
          Timestamps: r.timestamps,
          Values: r.values,
          StatusCode: r.statusCode,
          Messages: r.messages.map((m) => ({ Code: m.code, Value: m.value })),
        })),
        Messages: out.messages.map((m) => ({ Code: m.code, Value: m.value })),
        NextToken: out.nextToken,
      };
    },
    async ListMetrics(ctx, input) {
      // OwningAccount / IncludeLinkedAccounts: no cross-account observability here; the caller's own metrics
      const { metrics: found, nextToken } = await metrics.list(
        ctx,
        {
          namespace: input.Namespace,
          metricName: input.MetricName,
          dimensions: input.Dimensions?.map((d) => ({ name: d.Name, value: d.Value })),
          activeSince: input.RecentlyActive === 'PT3H' ? new Date(Date.now() - 3 * 3600_000) : undefined,
        },
        input.NextToken,
      );
      return { Metrics: found.map((m) => ({ Namespace: m.namespace, MetricName: m.metricName, Dimensions: wireDims(m.dimensions) })), NextToken: nextToken };
    },
  };
}

function wireDatapoint(p: Datapoint): WireDatapoint {
  return {
    Timestamp: p.timestamp,
    SampleCount: p.sampleCount,
    Average: p.average,
    Sum: p.sum,
    Minimum: p.minimum,
    Maximum: p.maximum,
    Unit: p.unit as WireDatapoint['Unit'],
    ExtendedStatistics: p.extended,
  };
}
