// AWS/AutoScaling group metrics (EnableMetricsCollection): once a period — the metrics period,
// a minute by default — every group collecting metrics publishes the ones it enabled, dimension
// AutoScalingGroupName, stamped with the period's start. One durable job does it for the whole
// cluster (leased: one node at a time), so each value is published once.
//
//   GroupMinSize, GroupMaxSize, GroupDesiredCapacity   the group's settings
//   GroupInServiceInstances   InService
//   GroupPendingInstances     Pending, Pending:Wait, Pending:Proceed
//   GroupStandbyInstances     Standby (and entering it)
//   GroupTerminatingInstances Terminating, Terminating:Wait, Terminating:Proceed
//   GroupTotalInstances       in service, pending and terminating (AWS's definition: not standby)
//   Group*Capacity            the same in capacity units (a mixed instances policy's
//                             WeightedCapacity per instance type, else 1 an instance)
//   WarmPool*                 with a warm pool: its desired capacity ((MaxGroupPreparedCapacity,
//                             else MaxSize) − desired, at least MinSize), Warmed:Pending (pending),
//                             Warmed:Terminating (terminating), the other Warmed:* (warmed), all
//                             of them (total); GroupAndWarmPool* add the group's
import type { JobRunner } from '../../jobs/job-runner.js';
import type { Logger } from '../../logger.js';
import type { GroupRow } from '../../store/repos/autoscaling-groups.js';
import type { GroupInstanceRow } from '../../store/repos/autoscaling-instances.js';
import type { Store } from '../../store/store.js';
import type { MetricDatum, MetricStore } from '../cloudwatch/metrics/metric-store.js';
import { enabledMetrics } from './group-model.js';

export const GROUP_METRICS_JOB = 'autoscaling.group-metrics';

const PENDING = new Set(['Pending', 'Pending:Wait', 'Pending:Proceed']);
const TERMINATING = new Set(['Terminating', 'Terminating:Wait', 'Terminating:Proceed']);
const STANDBY = new Set(['Standby', 'EnteringStandby']);

/** Every metric a group can publish now, by name (the caller keeps those enabled). */
export function groupMetricValues(row: GroupRow, members: readonly Pick<GroupInstanceRow, 'lifecycle_state' | 'instance_type'>[]): Map<string, number> {
  const weights = new Map<string, number>();
  const policy = row.mixed_instances_policy ? (JSON.parse(row.mixed_instances_policy) as { LaunchTemplate?: { Overrides?: { InstanceType?: string; WeightedCapacity?: string }[] } }) : undefined;
  for (const o of policy?.LaunchTemplate?.Overrides ?? []) if (o.InstanceType && o.WeightedCapacity) weights.set(o.InstanceType, Number(o.WeightedCapacity) || 1);
  const weight = (m: Pick<GroupInstanceRow, 'instance_type'>) => (m.instance_type ? (weights.get(m.instance_type) ?? 1) : 1);
  const count = { inService: [0, 0], pending: [0, 0], standby: [0, 0], terminating: [0, 0], warmPending: [0, 0], warmTerminating: [0, 0], warmed: [0, 0] };
  for (const m of members) {
    const s = m.lifecycle_state;
    const bucket =
      s === 'InService' ? count.inService
      : PENDING.has(s) ? count.pending
      : STANDBY.has(s) ? count.standby
      : TERMINATING.has(s) ? count.terminating
      : s === 'Warmed:Pending' ? count.warmPending
      : s === 'Warmed:Terminating' ? count.warmTerminating
      : s.startsWith('Warmed:') ? count.warmed
      : undefined; // a launch not yet an instance
    if (!bucket) continue;
    bucket[0]++;
    bucket[1] += weight(m);
  }
  const total = (i: 0 | 1) => count.inService[i] + count.pending[i] + count.terminating[i];
  const out = new Map<string, number>([
    ['GroupMinSize', row.min_size],
    ['GroupMaxSize', row.max_size],
    ['GroupDesiredCapacity', row.desired_capacity],
    ['GroupInServiceInstances', count.inService[0]],
    ['GroupPendingInstances', count.pending[0]],
    ['GroupStandbyInstances', count.standby[0]],
    ['GroupTerminatingInstances', count.terminating[0]],
    ['GroupTotalInstances', total(0)],
    ['GroupInServiceCapacity', count.inService[1]],
    ['GroupPendingCapacity', count.pending[1]],
    ['GroupStandbyCapacity', count.standby[1]],
    ['GroupTerminatingCapacity', count.terminating[1]],
    ['GroupTotalCapacity', total(1)],
  ]);
  const pool = row.warm_pool ? (JSON.parse(row.warm_pool) as { MinSize?: number; MaxGroupPreparedCapacity?: number }) : undefined;
  if (pool) {
    const desired = Math.max(pool.MinSize ?? 0, (pool.MaxGroupPreparedCapacity ?? row.max_size) - row.desired_capacity);
    const warmTotal = count.warmPending[1] + count.warmTerminating[1] + count.warmed[1];
    out.set('WarmPoolMinSize', pool.MinSize ?? 0);
    out.set('WarmPoolDesiredCapacity', desired);
    out.set('WarmPoolPendingCapacity', count.warmPending[1]);
    out.set('WarmPoolTerminatingCapacity', count.warmTerminating[1]);
    out.set('WarmPoolWarmedCapacity', count.warmed[1]);
    out.set('WarmPoolTotalCapacity', warmTotal);
    out.set('GroupAndWarmPoolDesiredCapacity', row.desired_capacity + desired);
    out.set('GroupAndWarmPoolTotalCapacity', total(1) + warmTotal);
  }
  return out;
}

/** A group's enabled metrics at `timestamp`. */
export function groupData(row: GroupRow, members: readonly GroupInstanceRow[], timestamp: Date): MetricDatum[] {
  const values = groupMetricValues(row, members);
  const dimensions = [{ name: 'AutoScalingGroupName', value: row.group_name }];
  const out: MetricDatum[] = [];
  for (const { Metric } of enabledMetrics(row)) {
    const value = Metric === undefined ? undefined : values.get(Metric);
    if (value !== undefined) out.push({ namespace: 'AWS/AutoScaling', metricName: Metric!, dimensions, timestamp, unit: 'None', values: [{ value, count: 1 }], storageResolution: 60 });
  }
  return out;
}

/** The durable job: registers it; `start` makes sure it exists (call once the runner runs). */
export function groupMetricsJob(deps: { jobs: JobRunner; store: Store; metrics: Pick<MetricStore, 'put'>; periodSeconds: number; log?: Logger }) {
  const periodMs = deps.periodSeconds * 1000;
  deps.jobs.register(GROUP_METRICS_JOB, async () => {
    const now = Date.now();
    const timestamp = new Date(Math.floor(now / periodMs) * periodMs);
    for (const row of await deps.store.autoscalingGroups.collectingMetrics()) {
      const scope = { accountId: row.account_id, region: row.region };
      try {
        const data = groupData(row, await deps.store.autoscalingInstances.ofGroup(scope, row.group_name), timestamp);
        // a shortened period (tests, demos) publishes high-resolution data, as instance metrics do
        if (data.length) await deps.metrics.put(scope, deps.periodSeconds < 60 ? data.map((d) => ({ ...d, storageResolution: 1 as const })) : data);
      } catch (e) {
        deps.log?.warn('group metrics not published', { group: row.group_name, err: String(e) });
      }
    }
    return { retryInMs: Math.max(1, timestamp.getTime() + periodMs - Date.now()) };
  });
  return {
    start: () => deps.jobs.ensure(GROUP_METRICS_JOB, GROUP_METRICS_JOB, {}),
  };
}
